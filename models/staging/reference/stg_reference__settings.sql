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
            as late_event_grace_hours
    from settings

)

select * from final
