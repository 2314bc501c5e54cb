{#- Every landed row that broke a rule of contract 1.2, and every file that could not
    be parsed at all, with the reason; nothing bad is dropped silently. The snapshot
    sources are validated again on every build, so their bad rows are listed anew; those
    of the event sources are kept per file by int_quarantined_event_rows. -#}
{%- set snapshot_sources = [
    ('agents', 'int_agent_snapshots_validated', 'agent_id'),
    ('workspaces', 'int_workspace_snapshots_validated', 'workspace_id'),
] %}
with

files as (

    select * from {{ ref('stg_landing__files') }}

),

bad_rows as (

    select * from {{ ref('int_quarantined_event_rows') }}

    union all

    {{ bad_rows_of(snapshot_sources) }}

    union all

    select
        {{ quarantine_id('source_name', 'file_id', 'null') }} as quarantine_id,
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
        bad_rows.quarantine_id,
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
