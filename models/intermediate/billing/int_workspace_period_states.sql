{#- Each workspace's state at the end of each billed period: the snapshot with the
    latest snapshot_at before the period's end (contract 2.1.4); it decides plan,
    markup, country/region, created_at and cancelled_at for the period. -#}
with

periods as (

    select * from {{ ref('int_billing_periods') }}

),

workspace_states as (

    select * from {{ ref('int_workspace_states') }}

),

final as (

    select
        workspace_states.workspace_id || ':' || cast(periods.period_key as {{ dbt.type_string() }})
            as workspace_period_id,
        workspace_states.workspace_id,
        periods.period_start,
        periods.period_end,
        periods.period_key,
        periods.days_in_month,
        periods.is_finalized,
        workspace_states.plan_id,
        workspace_states.workspace_status,
        workspace_states.country,
        workspace_states.region,
        workspace_states.created_at,
        workspace_states.cancelled_at,
        workspace_states.markup_percentage,
        workspace_states.usage_limit_monthly,
        workspace_states.alert_threshold_percentage,
        workspace_states.auto_pause_on_limit
    from periods
    inner join workspace_states
        on workspace_states.valid_from < periods.period_end
        and workspace_states.valid_to >= periods.period_end

)

select * from final
