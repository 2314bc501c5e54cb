{#- Usage per workspace, period, resource type and provider: the one pass over the
    event-level data that rating, margins and limits share. -#}
with

usage_events as (

    select * from {{ ref('int_usage_events_unioned') }}

),

final as (

    select
        workspace_id,
        cast({{ dbt.date_trunc('month', 'occurred_at') }} as date) as period_start,
        resource_type,
        provider,
        sum(quantity) as quantity,
        sum(provider_cost) as provider_cost,
        count(*) as events
    from usage_events
    group by 1, 2, 3, 4

)

select * from final
