{#- Daily usage per workspace, resource type, provider and model (contract 6),
    from the accepted, de-duplicated usage of both landing sources. -#}
with

usage_events as (

    select * from {{ ref('int_usage_events_unioned') }}

),

final as (

    select
        workspace_id,
        cast(occurred_at as date) as usage_date,
        resource_type,
        provider,
        model,
        sum(quantity) as quantity,
        sum(provider_cost) as provider_cost,
        count(*) as events
    from usage_events
    group by 1, 2, 3, 4, 5

)

select * from final
