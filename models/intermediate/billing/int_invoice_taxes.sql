{#- Tax (contract 2.6): taxable = subtotal - discounts; tax = round(taxable x rate / 100)
    with the rate of the workspace's (country, region) at period end: the exact
    (country, region) row first, then the country's row without region, else 0 %. -#}
with

lines as (

    select * from {{ ref('int_invoice_lines_before_discounts') }}

),

discounts as (

    select * from {{ ref('int_invoice_discounts') }}

),

period_states as (

    select * from {{ ref('int_workspace_period_states') }}

),

tax_rates as (

    select
        country,
        nullif(trim(region), '') as region,
        tax_name,
        rate_percent
    from {{ ref('tax_rates') }}

),

subtotals as (

    select invoice_id, workspace_id, period_start, sum(amount) as subtotal
    from lines
    group by 1, 2, 3

),

discount_totals as (

    select invoice_id, sum(amount) as discount_amount
    from discounts
    group by 1

),

final as (

    select
        subtotals.invoice_id,
        period_states.country,
        period_states.region,
        coalesce(region_rates.tax_name, country_rates.tax_name) as tax_name,
        coalesce(region_rates.rate_percent, country_rates.rate_percent, 0) as rate_percent,
        subtotals.subtotal + coalesce(discount_totals.discount_amount, 0) as taxable_amount,
        {{ round_money('(subtotals.subtotal + coalesce(discount_totals.discount_amount, 0)) * coalesce(region_rates.rate_percent, country_rates.rate_percent, 0) * 0.01') }}
            as amount
    from subtotals
    inner join period_states
        on subtotals.workspace_id = period_states.workspace_id
        and subtotals.period_start = period_states.period_start
    left join discount_totals
        on subtotals.invoice_id = discount_totals.invoice_id
    left join tax_rates as region_rates
        on period_states.country = region_rates.country
        and period_states.region = region_rates.region
    left join tax_rates as country_rates
        on period_states.country = country_rates.country
        and country_rates.region is null

)

select * from final
