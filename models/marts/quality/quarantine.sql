{#- Every landed row that broke a rule of contract 1.2, and every file that could not
    be parsed at all, with the reason; nothing bad is dropped silently. The snapshot
    sources are validated again on every build, so their bad rows are listed anew; those
    of the event sources and the unparseable files are kept per file by
    int_quarantined_by_file. -#}
{%- set snapshot_sources = [
    ('agents', 'int_agent_snapshots_validated', 'agent_id'),
    ('workspaces', 'int_workspace_snapshots_validated', 'workspace_id'),
] %}
with

quarantined_by_file as (

    select * from {{ ref('int_quarantined_by_file') }}

),

files as (

    select * from {{ ref('stg_landing__files') }}

),

bad_snapshots as (

    {{ bad_rows_of(snapshot_sources) }}

),

quarantined_snapshots as (

    {{ quarantine_rows('bad_snapshots', 'files') }}

),

final as (

    select * from quarantined_by_file
    union all
    select * from quarantined_snapshots

)

select * from final
