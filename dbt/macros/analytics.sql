{#- Expressions shared by the analytics marts (contract 6). Every ratio goes through
    decimal_divide, so rates and averages stay DECIMAL (DuckDB turns DECIMAL division
    into a binary double) and are NULL when the denominator is 0. -#}

{#- numerator / denominator x 100, to 2 decimals; NULL when the denominator is 0. -#}
{% macro percentage_of(numerator, denominator) -%}
    cast({{ decimal_divide('(' ~ numerator ~ ') * 100', denominator, 2) }} as decimal(9, 2))
{%- endmacro %}

{#- A sum of seconds as minutes, to 4 decimals. -#}
{% macro seconds_to_minutes(seconds) -%}
    cast({{ decimal_divide(seconds, 60, 4) }} as decimal(18, 4))
{%- endmacro %}

{#- total / count, to 2 decimals; NULL when count is 0. -#}
{% macro average_of(total, count) -%}
    cast({{ decimal_divide(total, count, 2) }} as decimal(18, 2))
{%- endmacro %}

{#- A phone number with every character but the last `visible` replaced by `*`
    (+14155550123 -> ********0123); a number no longer than `visible` is masked whole,
    so the full number never shows. -#}
{% macro mask_caller_number(column, visible=4) -%}
    case
        when {{ column }} is null then null
        when {{ dbt.length(column) }} <= {{ visible }} then repeat('*', {{ dbt.length(column) }})
        else repeat('*', {{ dbt.length(column) }} - {{ visible }})
            || {{ dbt.right(column, visible) }}
    end
{%- endmacro %}

{#- Every non-void invoice of `invoices` is spread over days exactly: the daily revenue
    of `model` adds up to the invoice's total - tax_total, to the cent, and no day belongs
    to an invoice that does not exist. -#}
{% test revenue_adds_up_to_invoices(model, invoices) %}
    with

    allocated as (

        select invoice_id, sum(revenue) as revenue
        from {{ model }}
        group by invoice_id

    ),

    invoiced as (

        select invoice_id, total - tax_total as revenue
        from {{ invoices }}
        where status <> 'void'

    )

    select
        coalesce(invoiced.invoice_id, allocated.invoice_id) as invoice_id,
        invoiced.revenue as invoiced_revenue,
        allocated.revenue as allocated_revenue
    from invoiced
    full outer join allocated
        on invoiced.invoice_id = allocated.invoice_id
    where invoiced.invoice_id is null
        or allocated.invoice_id is null
        or invoiced.revenue <> allocated.revenue
{% endtest %}
