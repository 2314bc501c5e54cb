{#- The current state of every workspace (its latest accepted snapshot). The full
    history, for "state at instant t", is intermediate.int_workspace_states. -#}
with

states as (

    select * from {{ ref('int_workspace_states') }}

),

plans as (

    select * from {{ ref('plans') }}

),

final as (

    select
        states.workspace_id,
        states.workspace_name,
        states.workspace_status,
        states.plan_id,
        plans.display_name as plan_name,
        plans.monthly_fee,
        states.billing_email,
        states.country,
        states.region,
        states.created_at,
        states.cancelled_at,
        states.markup_percentage,
        states.usage_limit_monthly,
        states.alert_threshold_percentage,
        states.auto_pause_on_limit,
        states.snapshot_at as last_snapshot_at
    from states
    left join plans
        on states.plan_id = plans.plan_id
    where states.is_current

)

select * from final
