{#- Usage per workspace, period, resource type and provider, summed from the daily
    aggregates: what rating, margins and limits share. -#}
with

usage_daily as (

    select * from {{ ref('int_usage_daily') }}

),

final as (

    select
        workspace_id,
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as period_start,
        resource_type,
        provider,
        sum(quantity) as quantity,
        sum(provider_cost) as provider_cost,
        sum(events) as events
    from usage_daily
    group by 1, 2, 3, 4

)

select * from final
