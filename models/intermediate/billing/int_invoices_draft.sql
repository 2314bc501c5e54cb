{#- Open invoices with their totals (contract 2.4-2.7):
    subtotal = fee + usage + adjustment lines; total = subtotal - discounts + tax. -#}
with

lines as (

    select * from {{ ref('int_invoice_lines_draft') }}

),

periods as (

    select * from {{ ref('int_billing_periods') }}

),

totals as (

    select
        invoice_id,
        workspace_id,
        period_start,
        sum(case when line_type in ('subscription', 'usage', 'adjustment') then amount else 0 end)
            as subtotal,
        -sum(case when line_type = 'discount' then amount else 0 end) as discount_total,
        sum(case when line_type = 'tax' then amount else 0 end) as tax_total,
        sum(amount) as total
    from lines
    group by 1, 2, 3

),

final as (

    select
        totals.invoice_id,
        totals.workspace_id,
        totals.period_start,
        periods.period_end,
        periods.period_key,
        periods.is_complete,
        cast(totals.subtotal as decimal(18, 2)) as subtotal,
        cast(totals.discount_total as decimal(18, 2)) as discount_total,
        cast(totals.tax_total as decimal(18, 2)) as tax_total,
        cast(totals.total as decimal(18, 2)) as total
    from totals
    inner join periods
        on totals.period_start = periods.period_start

)

select * from final
