{{ config(meta={'dagster': {'ref': {'name': 'fct_invoices'}}}) }}
{#- Reconciliation: every invoice's subtotal is the sum of its fee, usage and adjustment
    lines, its discount and tax totals are those of its lines, and its total is the sum
    of all its lines. -#}
with

invoices as (

    select * from {{ ref('fct_invoices') }}

),

lines as (

    select
        invoice_id,
        sum(case when line_type in ('subscription', 'usage', 'adjustment') then amount else 0 end)
            as subtotal,
        -sum(case when line_type = 'discount' then amount else 0 end) as discount_total,
        sum(case when line_type = 'tax' then amount else 0 end) as tax_total,
        sum(amount) as total
    from {{ ref('fct_invoice_lines') }}
    group by 1

)

select invoices.invoice_id
from invoices
left join lines
    on invoices.invoice_id = lines.invoice_id
where coalesce(lines.subtotal, 0) <> invoices.subtotal
    or coalesce(lines.discount_total, 0) <> invoices.discount_total
    or coalesce(lines.tax_total, 0) <> invoices.tax_total
    or coalesce(lines.total, 0) <> invoices.total
