{#- Provider margins per period (contract 6 and 2.1.6): the revenue of each usage charge
    (the re-rated charge, i.e. the usage line plus any late-usage adjustments for the
    period) attributed to providers in proportion to their quantity share (allowance
    metrics) or provider_cost share (cost-plus metrics). Attribution is in whole cents
    by largest remainder, so providers add up exactly to the invoiced amounts. -#}
{%- set wide = type_wide_integer() -%}
with

usage_by_provider as (

    select * from {{ ref('int_usage_monthly_by_provider') }}

),

charges as (

    select * from {{ ref('int_usage_charges') }}

),

weighted as (

    select
        usage_by_provider.workspace_id,
        usage_by_provider.period_start,
        usage_by_provider.resource_type,
        usage_by_provider.provider,
        usage_by_provider.quantity,
        usage_by_provider.provider_cost,
        cast(charges.amount * 100 as {{ wide }}) as charge_cents,
        cast(round((case when charges.pricing_model = 'allowance'
            then usage_by_provider.quantity else usage_by_provider.provider_cost end)
            * 1000000, 0) as {{ wide }}) as weight
    from usage_by_provider
    inner join charges
        on usage_by_provider.workspace_id = charges.workspace_id
        and usage_by_provider.period_start = charges.period_start
        and usage_by_provider.resource_type = charges.resource_type

),

totals as (

    select
        *,
        sum(weight) over (partition by workspace_id, period_start, resource_type) as total_weight,
        row_number() over (
            partition by workspace_id, period_start, resource_type order by weight desc, provider
        ) as weight_rank
    from weighted

),

floored as (

    select
        *,
        case
            when total_weight = 0 then case when weight_rank = 1 then charge_cents else 0 end
            else {{ integer_divide('charge_cents * weight', 'total_weight') }}
        end as floor_cents
    from totals

),

remainders as (

    select
        *,
        case when total_weight = 0 then 0
            else charge_cents * weight - floor_cents * total_weight end as remainder,
        charge_cents - sum(floor_cents) over (
            partition by workspace_id, period_start, resource_type
        ) as leftover_cents
    from floored

),

allocated as (

    select
        *,
        floor_cents + case when row_number() over (
            partition by workspace_id, period_start, resource_type
            order by remainder desc, provider
        ) <= leftover_cents then 1 else 0 end as revenue_cents
    from remainders

),

aggregated as (

    select
        period_start,
        provider,
        resource_type,
        sum(quantity) as quantity,
        sum(provider_cost) as provider_cost,
        cast(sum(revenue_cents) as decimal(38, 0)) * 0.01 as revenue
    from allocated
    group by 1, 2, 3

),

final as (

    select
        period_start,
        provider,
        resource_type,
        quantity,
        cast(provider_cost as decimal(18, 4)) as provider_cost,
        cast(revenue as decimal(18, 2)) as revenue,
        cast(revenue - provider_cost as decimal(18, 4)) as margin,
        cast({{ decimal_divide('(revenue - provider_cost) * 100', 'revenue', 2) }} as decimal(9, 2))
            as margin_pct
    from aggregated

)

select * from final
