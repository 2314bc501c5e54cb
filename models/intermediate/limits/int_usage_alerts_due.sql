{#- The usage alerts due now: one per threshold crossed in the current period (contract
    3). The limit check appends those not raised yet to billing.usage_alerts, so each is
    raised once, the first time it is crossed. -#}
with

limit_status as (

    select * from {{ ref('int_usage_limit_status') }}

),

final as (

    select
        alert_id,
        workspace_id,
        period_start,
        threshold_pct,
        usage_pct,
        usage_limit_monthly,
        draft_subtotal
    from limit_status
    where is_crossed

)

select * from final
