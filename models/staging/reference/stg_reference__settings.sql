with

settings as (

    select * from {{ ref('settings') }}

),

final as (

    select
        max(case when key = 'default_markup_percentage' then cast(value as decimal(9, 4)) end)
            as default_markup_percentage,
        max(case when key = 'payment_terms_days' then cast(value as integer) end)
            as payment_terms_days,
        max(case when key = 'late_event_grace_hours' then cast(value as integer) end)
            as late_event_grace_hours,
        {#- the usage-limit thresholds (contract 3): a workspace's own alert threshold,
            else the default, and the two fixed ones -#}
        max(case when key = 'default_alert_threshold_percentage'
            then cast(value as decimal(9, 4)) end) as default_alert_threshold_percentage,
        max(case when key = 'limit_threshold_percentage'
            then cast(value as decimal(9, 2)) end) as limit_threshold_percentage,
        max(case when key = 'overage_threshold_percentage'
            then cast(value as decimal(9, 2)) end) as overage_threshold_percentage,
        {#- an open invoice gets its due_soon reminder from this many days before its due date -#}
        max(case when key = 'payment_due_soon_days' then cast(value as integer) end)
            as payment_due_soon_days,
        {#- YYYY-MM; empty = the month of the earliest accepted usage event -#}
        max(case when key = 'billing_start' then nullif(trim(value), '') end)
            as billing_start_text,
        max(case when key = 'billing_start' then
            {{ safe_cast("nullif(trim(value), '') || '-01'", 'date') }} end)
            as billing_start
    from settings

)

select * from final
