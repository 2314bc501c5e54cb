{#- Every line of every open invoice: fee, usage and adjustment lines, then discounts
    and tax, numbered in that order. -#}
with

lines as (

    select * from {{ ref('int_invoice_lines_before_discounts') }}

),

discounts as (

    select * from {{ ref('int_invoice_discounts') }}

),

taxes as (

    select * from {{ ref('int_invoice_taxes') }}

),

invoices as (

    select distinct invoice_id, workspace_id, period_start from lines

),

all_lines as (

    select
        invoice_id,
        line_type,
        line_order,
        line_key,
        resource_type,
        description,
        cast(quantity as {{ type_quantity() }}) as quantity,
        unit_amount,
        amount,
        adjustment_period,
        plan_id,
        cast(null as {{ dbt.type_string() }}) as rule_id
    from lines

    union all

    select
        invoice_id,
        'discount' as line_type,
        40 + rule_rank as line_order,
        'discount:' || rule_id as line_key,
        resource_type,
        rule_name as description,
        cast(null as {{ type_quantity() }}) as quantity,
        cast(null as {{ type_unit_price() }}) as unit_amount,
        amount,
        cast(null as date) as adjustment_period,
        cast(null as {{ dbt.type_string() }}) as plan_id,
        rule_id
    from discounts

    union all

    select
        invoice_id,
        'tax' as line_type,
        90 as line_order,
        'tax' as line_key,
        cast(null as {{ dbt.type_string() }}) as resource_type,
        tax_name || ' ' || cast(cast(rate_percent as decimal(9, 3)) as {{ dbt.type_string() }}) || '%'
            || case when region is not null then ' (' || country || '-' || region || ')'
                else ' (' || country || ')' end as description,
        cast(taxable_amount as {{ type_quantity() }}) as quantity,
        cast(rate_percent * 0.01 as {{ type_unit_price() }}) as unit_amount,
        amount,
        cast(null as date) as adjustment_period,
        cast(null as {{ dbt.type_string() }}) as plan_id,
        cast(null as {{ dbt.type_string() }}) as rule_id
    from taxes
    where rate_percent > 0

),

final as (

    select
        all_lines.invoice_id,
        all_lines.invoice_id || ':' || all_lines.line_key as line_id,
        cast(row_number() over (
            partition by all_lines.invoice_id order by all_lines.line_order, all_lines.line_key
        ) as {{ dbt.type_int() }}) as line_number,
        all_lines.line_type,
        all_lines.resource_type,
        all_lines.description,
        {#- every branch is cast to the quantity type: a UNION takes the smallest scale
            of its branches otherwise, and 1.429348 GB would read 1.43 -#}
        cast(all_lines.quantity as {{ type_quantity() }}) as quantity,
        cast(all_lines.unit_amount as {{ type_unit_price() }}) as unit_amount,
        cast(all_lines.amount as decimal(18, 2)) as amount,
        all_lines.adjustment_period,
        all_lines.plan_id,
        all_lines.rule_id,
        invoices.workspace_id,
        invoices.period_start
    from all_lines
    inner join invoices
        on all_lines.invoice_id = invoices.invoice_id

)

select * from final
