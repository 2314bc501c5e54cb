{#- Where each workspace stands against its monthly usage limit in the current period
    (the month of the run's as_of): usage_pct = the draft invoice's subtotal / limit x 100
    (contract 3), and the thresholds it has reached: the workspace's alert threshold
    (default 80), 100 and 120. -#}
with

periods as (

    select * from {{ ref('int_billing_periods') }}

),

period_states as (

    select * from {{ ref('int_workspace_period_states') }}

),

drafts as (

    select * from {{ ref('int_invoices_draft') }}

),

current_period as (

    select period_start from periods
    where period_start = cast({{ dbt.date_trunc('month', run_as_of()) }} as date)

),

status as (

    select
        period_states.workspace_id,
        period_states.period_start,
        period_states.period_key,
        period_states.usage_limit_monthly,
        period_states.alert_threshold_percentage,
        period_states.auto_pause_on_limit,
        coalesce(drafts.subtotal, 0) as draft_subtotal,
        {{ decimal_divide('coalesce(drafts.subtotal, 0) * 100', 'period_states.usage_limit_monthly', 2) }}
            as usage_pct
    from period_states
    inner join current_period
        on period_states.period_start = current_period.period_start
    left join drafts
        on period_states.workspace_id = drafts.workspace_id
        and period_states.period_start = drafts.period_start
    where period_states.usage_limit_monthly > 0

),

thresholds as (

    select workspace_id, alert_threshold_percentage as threshold_pct from status
    union
    select workspace_id, 100 as threshold_pct from status
    union
    select workspace_id, 120 as threshold_pct from status

),

final as (

    select
        status.workspace_id || ':' || cast(status.period_key as {{ dbt.type_string() }})
            || ':' || cast(cast(thresholds.threshold_pct as decimal(9, 2)) as {{ dbt.type_string() }})
            as limit_threshold_id,
        status.workspace_id,
        status.period_start,
        cast(thresholds.threshold_pct as decimal(9, 2)) as threshold_pct,
        status.usage_limit_monthly,
        status.draft_subtotal,
        status.usage_pct,
        status.auto_pause_on_limit,
        status.usage_pct >= thresholds.threshold_pct as is_crossed
    from status
    inner join thresholds
        on status.workspace_id = thresholds.workspace_id

)

select * from final
