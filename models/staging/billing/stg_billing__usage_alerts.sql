with

source as (

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
    from source

)

select * from final
