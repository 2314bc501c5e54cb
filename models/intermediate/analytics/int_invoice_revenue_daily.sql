{#- Each invoice's revenue (total - tax_total) spread evenly over the days of its period
    on which the workspace exists, in whole cents by largest remainder: every day gets
    the floor of its equal share and the cents left over go one each to the earliest
    days, so the days of an invoice add up to it exactly. Void invoices carry no revenue.
    An invoice whose workspace exists on no day of the period (a late-usage adjustment
    after a cancellation, usage outside the workspace's lifetime) falls on the period's
    first day. Reads the invoices of record (int_invoices_of_record, published as
    fct_invoices): frozen or draft, with the current status. -#}
{%- set wide = type_wide_integer() -%}
with

invoices as (

    select * from {{ ref('int_invoices_of_record') }}
    where status <> 'void'

),

billed_days as (

    select * from {{ ref('int_workspace_billed_days') }}

),

invoice_days as (

    select
        invoices.invoice_id,
        invoices.workspace_id,
        invoices.period_start,
        invoices.status as invoice_status,
        invoices.total - invoices.tax_total as invoice_revenue,
        coalesce(billed_days.date_day, invoices.period_start) as revenue_date
    from invoices
    left join billed_days
        on invoices.workspace_id = billed_days.workspace_id
        and invoices.period_start = billed_days.period_start

),

numbered as (

    select
        *,
        case when invoice_revenue < 0 then -1 else 1 end as revenue_sign,
        cast(abs(invoice_revenue) * 100 as {{ wide }}) as invoice_cents,
        count(*) over (partition by invoice_id) as revenue_days,
        row_number() over (partition by invoice_id order by revenue_date) as day_number
    from invoice_days

),

shares as (

    select
        *,
        {{ integer_divide('invoice_cents', 'revenue_days') }} as floor_cents
    from numbered

),

allocated as (

    select
        *,
        revenue_sign * (floor_cents + case
            when day_number <= invoice_cents - floor_cents * revenue_days then 1 else 0 end)
            as revenue_cents
    from shares

),

final as (

    select
        invoice_id,
        workspace_id,
        period_start,
        invoice_status,
        revenue_date,
        cast(invoice_revenue as decimal(18, 2)) as invoice_revenue,
        revenue_days,
        cast(cast(revenue_cents as decimal(38, 0)) * 0.01 as decimal(18, 2)) as revenue
    from allocated

)

select * from final
