{{ config(materialized='incremental', incremental_strategy='append') }}
{#- The bad rows of the event sources and the landing files that could not be parsed,
    as the quarantine mart lists them. Incremental: an event file is validated once (its
    validated model appends it) and its entry in raw._files never changes, so a build
    appends the bad rows of the files after the newest one taken here; the files in
    between had no bad row and add nothing again. The snapshot sources are re-validated
    on every build (a snapshot can become valid later), so the mart adds theirs itself. -#}
{%- set event_sources = [
    ('usage_records', 'int_usage_records_validated', 'event_id'),
    ('gateway_requests', 'int_gateway_requests_validated', 'request_id'),
    ('calls', 'int_calls_validated', 'call_id'),
] %}
{%- set last_file = last_file_taken() if is_incremental() else 0 %}
with

files as (

    select * from {{ ref('stg_landing__files') }}

),

bad_rows as (

    {{ bad_rows_of(event_sources, after_file=last_file) }}

    union all

    select
        source_name,
        file_id,
        cast(null as bigint) as row_number,
        cast(null as {{ dbt.type_string() }}) as row_key,
        'unparseable_file' as reason,
        load_error as reason_detail,
        cast(null as {{ dbt.type_string() }}) as raw_row
    from files
    where load_status = 'failed' and file_id > {{ last_file }}

),

final as (

    {{ quarantine_rows('bad_rows', 'files') }}

)

select * from final
