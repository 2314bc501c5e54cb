{#- Rated usage per (workspace, period, resource_type), contract 2.1: an allowance
    metric bills max(0, quantity - included) x overage price; a cost-plus metric bills
    provider_cost x (1 + markup / 100), markup = the workspace's override else the
    default; both with the workspace state at the period's end. `amount` is the charge
    rounded to cents, half away from zero. -#}
with

usage_by_provider as (

    select * from {{ ref('int_usage_monthly_by_provider') }}

),

period_states as (

    select * from {{ ref('int_workspace_period_states') }}

),

plan_allowances as (

    select * from {{ ref('plan_allowances') }}

),

metrics as (

    select * from {{ ref('metrics') }}

),

settings as (

    select * from {{ ref('stg_reference__settings') }}

),

usage_totals as (

    select
        workspace_id,
        period_start,
        resource_type,
        sum(quantity) as quantity,
        sum(provider_cost) as provider_cost,
        sum(events) as events
    from usage_by_provider
    group by 1, 2, 3

),

rated as (

    select
        usage_totals.workspace_id,
        usage_totals.period_start,
        period_states.period_key,
        period_states.is_finalized,
        usage_totals.resource_type,
        metrics.display_name as resource_name,
        metrics.unit,
        usage_totals.quantity,
        usage_totals.provider_cost,
        usage_totals.events,
        period_states.plan_id,
        case when plan_allowances.plan_id is not null then 'allowance' else 'cost_plus' end
            as pricing_model,
        plan_allowances.included_quantity,
        plan_allowances.overage_unit_price,
        plan_allowances.cap,
        coalesce(period_states.markup_percentage, settings.default_markup_percentage)
            as markup_percentage,
        case when plan_allowances.plan_id is not null
            then greatest(usage_totals.quantity - plan_allowances.included_quantity, 0)
        end as billable_quantity
    from usage_totals
    inner join period_states
        on usage_totals.workspace_id = period_states.workspace_id
        and usage_totals.period_start = period_states.period_start
    inner join metrics
        on usage_totals.resource_type = metrics.resource_type
    left join plan_allowances
        on period_states.plan_id = plan_allowances.plan_id
        and usage_totals.resource_type = plan_allowances.resource_type
    cross join settings

),

charged as (

    select
        *,
        cast(case
            when pricing_model = 'allowance' then billable_quantity * overage_unit_price
            else provider_cost * (1 + markup_percentage * 0.01)
        end as {{ type_money() }}) as charge
    from rated

),

final as (

    select
        workspace_id || ':' || cast(period_key as {{ dbt.type_string() }}) || ':' || resource_type
            as usage_charge_id,
        *,
        {{ round_money('charge') }} as amount
    from charged

)

select * from final
