{{ config(meta={'dagster': {'ref': {'name': 'fct_provider_margins'}}}) }}
{#- Reconciliation: per period and resource type, the revenue in fct_provider_margins is
    the usage lines of that period's invoices plus the adjustment lines for that period
    (on whichever invoice they were billed). -#}
with

margins as (

    select period_start, resource_type, sum(revenue) as revenue
    from {{ ref('fct_provider_margins') }}
    group by 1, 2

),

invoiced as (

    select
        case when lines.line_type = 'adjustment' then lines.adjustment_period
            else invoices.period_start end as period_start,
        lines.resource_type,
        sum(lines.amount) as revenue
    from {{ ref('fct_invoice_lines') }} as lines
    inner join {{ ref('fct_invoices') }} as invoices
        on lines.invoice_id = invoices.invoice_id
    where lines.line_type in ('usage', 'adjustment')
    group by 1, 2

)

select
    coalesce(margins.period_start, invoiced.period_start) as period_start,
    coalesce(margins.resource_type, invoiced.resource_type) as resource_type,
    margins.revenue as margins_revenue,
    invoiced.revenue as invoiced_revenue
from margins
full outer join invoiced
    on margins.period_start = invoiced.period_start
    and margins.resource_type = invoiced.resource_type
where coalesce(margins.revenue, 0) <> coalesce(invoiced.revenue, 0)
