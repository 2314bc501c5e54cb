{#- Agent state history from the agent snapshots, like int_workspace_states. -#}
with

snapshots as (

    {{ keep_first(ref('int_agent_snapshots_validated'), 'agent_id, snapshot_at',
                  'file_id desc, row_number desc') }}

),

sequenced as (

    select
        *,
        lag(snapshot_at) over (partition by agent_id order by snapshot_at) as previous_snapshot_at,
        lead(snapshot_at) over (partition by agent_id order by snapshot_at) as next_snapshot_at
    from snapshots

),

final as (

    select
        agent_id || ':' || cast(snapshot_at as {{ dbt.type_string() }}) as agent_state_id,
        agent_id,
        workspace_id,
        agent_name,
        agent_status,
        snapshot_at,
        case when previous_snapshot_at is null
            then cast('1900-01-01' as {{ api.Column.translate_type('timestamp') }})
            else snapshot_at end as valid_from,
        coalesce(next_snapshot_at, cast('9999-12-31' as {{ api.Column.translate_type('timestamp') }}))
            as valid_to,
        next_snapshot_at is null as is_current
    from sequenced

)

select * from final
