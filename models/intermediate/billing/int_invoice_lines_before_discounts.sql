{#- Fee, usage and adjustment lines of every open (non-finalized) period's invoice.
    An invoice exists when the workspace exists on at least one day of the period, has
    an adjustment due, or has billable usage (contract 2.3a). -#}
with

fees as (

    select * from {{ ref('int_subscription_fees') }}

),

usage_charges as (

    select * from {{ ref('int_usage_charges') }}

),

adjustments as (

    select * from {{ ref('int_late_usage_adjustments') }}

),

periods as (

    select * from {{ ref('int_billing_periods') }}

),

lines as (

    select
        fees.workspace_id,
        fees.period_start,
        'subscription' as line_type,
        10 as line_order,
        'subscription:' || fees.plan_id as line_key,
        cast(null as {{ dbt.type_string() }}) as resource_type,
        fees.plan_name || ' plan, ' || cast(fees.billed_days as {{ dbt.type_string() }})
            || ' of ' || cast(fees.days_in_month as {{ dbt.type_string() }}) || ' days'
            as description,
        cast(fees.billed_days as {{ type_quantity() }}) as quantity,
        cast(fees.monthly_fee as {{ type_unit_price() }}) as unit_amount,
        fees.amount,
        cast(null as date) as adjustment_period,
        fees.plan_id
    from fees

    union all

    select
        workspace_id,
        period_start,
        'usage' as line_type,
        20 as line_order,
        'usage:' || resource_type as line_key,
        resource_type,
        case
            when pricing_model = 'allowance'
                then resource_name || ' (' || cast(cast(included_quantity as {{ dbt.type_bigint() }}) as {{ dbt.type_string() }})
                    || ' included)'
            else resource_name || ' (provider cost + ' || cast(cast(markup_percentage as decimal(9, 2)) as {{ dbt.type_string() }}) || '%)'
        end as description,
        cast(quantity as {{ type_quantity() }}) as quantity,
        cast(case when pricing_model = 'allowance' then overage_unit_price end
            as {{ type_unit_price() }}) as unit_amount,
        amount,
        cast(null as date) as adjustment_period,
        plan_id
    from usage_charges
    where not is_finalized
        and quantity <> 0

    union all

    select
        workspace_id,
        period_start,
        'adjustment' as line_type,
        30 as line_order,
        'adjustment:' || cast(original_period_key as {{ dbt.type_string() }}) || ':' || resource_type
            as line_key,
        resource_type,
        description,
        cast(null as {{ type_quantity() }}) as quantity,
        cast(null as {{ type_unit_price() }}) as unit_amount,
        amount,
        original_period as adjustment_period,
        cast(null as {{ dbt.type_string() }}) as plan_id
    from adjustments

),

final as (

    select
        'inv_' || lines.workspace_id || '_' || cast(periods.period_key as {{ dbt.type_string() }})
            as invoice_id,
        lines.*
    from lines
    inner join periods
        on lines.period_start = periods.period_start
    where not periods.is_finalized

)

select * from final
