{#- Live agents of workspaces at or above 100 % of their usage limit with
    auto_pause_on_limit (contract 3), for the application to pause. -#}
with

limit_status as (

    select * from {{ ref('int_usage_limit_status') }}

),

agent_states as (

    select * from {{ ref('int_agent_states') }}

),

paused_workspaces as (

    select workspace_id, period_start, usage_pct, usage_limit_monthly, draft_subtotal
    from limit_status
    where threshold_pct = 100 and is_crossed and auto_pause_on_limit

),

final as (

    select
        agent_states.agent_id,
        agent_states.agent_name,
        paused_workspaces.workspace_id,
        paused_workspaces.period_start,
        paused_workspaces.usage_pct,
        paused_workspaces.usage_limit_monthly,
        paused_workspaces.draft_subtotal
    from paused_workspaces
    inner join agent_states
        on paused_workspaces.workspace_id = agent_states.workspace_id
    where agent_states.is_current
        and agent_states.agent_status = 'live'

)

select * from final
