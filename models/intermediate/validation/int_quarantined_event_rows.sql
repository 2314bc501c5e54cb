{{ config(materialized='incremental', incremental_strategy='append') }}
{#- The bad rows of the event sources, a landing file once. An event file is validated
    once (its validated model appends it), so a build appends the bad rows of the files
    after the newest one taken here; the files in between had no bad row and add nothing
    again. The snapshot sources are validated again on every build (a snapshot can
    become valid later), so the quarantine mart lists theirs itself. -#}
{%- set event_sources = [
    ('usage_records', 'int_usage_records_validated', 'event_id'),
    ('gateway_requests', 'int_gateway_requests_validated', 'request_id'),
    ('calls', 'int_calls_validated', 'call_id'),
] %}
with

final as (

    {{ bad_rows_of(event_sources, after_file=last_file_taken() if is_incremental() else 0) }}

)

select * from final
