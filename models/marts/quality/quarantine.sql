{#- Every landed row that broke a rule of contract 1.2, and every file that could not
    be parsed at all, with the reason; nothing bad is dropped silently. -#}
{%- set row_sources = [
    ('usage_records', 'int_usage_records_validated', 'event_id'),
    ('gateway_requests', 'int_gateway_requests_validated', 'request_id'),
    ('calls', 'int_calls_validated', 'call_id'),
    ('agents', 'int_agent_snapshots_validated', 'agent_id'),
    ('workspaces', 'int_workspace_snapshots_validated', 'workspace_id'),
] %}
with

files as (

    select * from {{ ref('stg_landing__files') }}

),

bad_rows as (

    {%- for source_name, model, key in row_sources %}
    select
        '{{ source_name }}' as source_name,
        file_id,
        row_number,
        {{ key }} as row_key,
        quarantine_reason as reason,
        quarantine_detail as reason_detail,
        coalesce(unparsed_line, raw_row) as raw_row
    from {{ ref(model) }}
    where quarantine_reason is not null
    {{ 'union all' if not loop.last }}
    {%- endfor %}

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
    where load_status = 'failed'

),

final as (

    select
        bad_rows.source_name || ':' || cast(bad_rows.file_id as {{ dbt.type_string() }})
            || ':' || cast(coalesce(bad_rows.row_number, 0) as {{ dbt.type_string() }})
            as quarantine_id,
        bad_rows.source_name,
        files.file_path,
        bad_rows.file_id,
        bad_rows.row_number,
        bad_rows.row_key,
        bad_rows.reason,
        bad_rows.reason_detail,
        bad_rows.raw_row,
        files.ingested_at
    from bad_rows
    inner join files
        on bad_rows.file_id = files.file_id

)

select * from final
