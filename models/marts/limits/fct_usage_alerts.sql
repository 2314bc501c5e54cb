{{ config(materialized="view") }}
{#- Usage-limit alerts raised (contract 3), one per (workspace, period, threshold), the
    first time it was crossed. Raised by the Dagster asset `billing/usage_alert_check`, which
    appends to billing.usage_alerts and writes the outbox files; a view, so it shows
    alerts the moment they are raised. -#}
with

alerts as (

    select * from {{ source('billing', 'usage_alerts') }}

),

final as (

    select
        alert_id,
        workspace_id,
        period_start,
        threshold_pct,
        usage_pct,
        usage_limit_monthly,
        draft_subtotal,
        raised_at,
        delivered_at
    from alerts

)

select * from final
