{{ config(materialized="view") }}
{#- Usage-limit alerts raised (contract 3), one per (workspace, period, threshold), the
    first time it was crossed. Raised by the Dagster asset `billing/usage_alert_check`, which
    appends to billing.usage_alerts and writes the outbox files; a view, so it shows
    alerts the moment they are raised. -#}
select * from {{ ref('stg_billing__usage_alerts') }}
