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
        {#- YYYY-MM; empty = the month of the earliest accepted usage event -#}
        max(case when key = 'billing_start' then nullif(trim(value), '') end)
            as billing_start_text,
        max(case when key = 'billing_start' then
            {{ safe_cast("nullif(trim(value), '') || '-01'", 'date') }} end)
            as billing_start
    from settings

)

select * from final
