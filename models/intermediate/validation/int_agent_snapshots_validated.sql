with

snapshots as (

    select * from {{ ref('stg_landing__agents') }}

),

known_workspaces as (

    select distinct workspace_id from {{ ref('int_workspace_snapshots_validated') }}
    where quarantine_reason is null

),

checked as (

    select
        snapshots.*,
        known_workspaces.workspace_id is not null as is_known_workspace
    from snapshots
    left join known_workspaces
        on snapshots.workspace_id = known_workspaces.workspace_id

),

reasoned as (

    select
        *,
        {{ quarantine_reason([
            line_too_long_check(),
            ('unparsed_line is not null', 'invalid_json', 'line is not a JSON object'),
            required_check('agent_id'),
            required_check('workspace_id'),
            ("snapshot_at_text is null or trim(snapshot_at_text) = ''", 'missing_value', 'snapshot_at'),
            ('snapshot_at is null', 'invalid_timestamp', 'snapshot_at'),
            ("agent_status is null", 'missing_value', 'status'),
            ("agent_status not in ('live', 'paused', 'archived')", 'invalid_value', 'status'),
            ('not is_known_workspace', 'unknown_workspace', 'workspace_id'),
            ('snapshot_at > ' ~ dbt.dateadd('day', 1, run_as_of()), 'future_timestamp', 'snapshot_at'),
        ]) }}
    from checked

),

final as (

    {#- the landing text is only needed to find the broken rule, and the JSON copy of
        the row only for the quarantined rows -#}
    select
        * {{ exclude_columns(['raw_row', 'read_error', 'snapshot_at_text']) }},
        case when quarantine_reason is not null then raw_row end as raw_row
    from reasoned

)

select * from final
