{#- Where each workspace stands against its monthly usage limit in the current period
    (the month of the run's as_of): usage_pct = the draft invoice's subtotal / limit x 100
    (contract 3), and the thresholds it has reached: the workspace's alert threshold
    (default_alert_threshold_percentage of the settings seed, 80), and the limit and
    overage thresholds of the settings (100, 120). -#}
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

settings as (

    select * from {{ ref('stg_reference__settings') }}

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
    select status.workspace_id, settings.limit_threshold_percentage as threshold_pct
    from status cross join settings
    union
    select status.workspace_id, settings.overage_threshold_percentage as threshold_pct
    from status cross join settings

),

final as (

    select
        {#- the id of the alert the threshold raises once crossed (billing.usage_alerts):
            alert_<workspace>_<YYYYMM>_<threshold> (80, or 82.50 for a fractional one) -#}
        'alert_' || status.workspace_id || '_' || cast(status.period_key as {{ dbt.type_string() }})
            || '_' || case
                when thresholds.threshold_pct = round(thresholds.threshold_pct, 0)
                    then cast(cast(thresholds.threshold_pct as integer) as {{ dbt.type_string() }})
                else cast(cast(thresholds.threshold_pct as decimal(9, 2)) as {{ dbt.type_string() }})
            end as alert_id,
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
