{{ config(materialized="view") }}
{#- Daily usage per workspace, resource type, provider and model (contract 6), from the
    accepted, de-duplicated usage of both landing sources. A view of the incremental
    int_usage_daily: a build writes only the days that changed. -#}
with

usage_daily as (

    select * from {{ ref('int_usage_daily') }}

),

final as (

    select
        workspace_id,
        usage_date,
        resource_type,
        provider,
        model,
        quantity,
        provider_cost,
        events
    from usage_daily

)

select * from final
