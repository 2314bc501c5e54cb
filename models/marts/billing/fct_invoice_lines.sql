{#- Every invoice line: finalized lines exactly as frozen, and the open drafts' lines. -#}
with

finalized as (

    select * from {{ ref('stg_billing__finalized_invoice_lines') }}

),

drafts as (

    select * from {{ ref('int_invoice_lines_draft') }}

),

final as (

    select
        invoice_id,
        line_id,
        line_number,
        line_type,
        resource_type,
        description,
        cast(quantity as {{ type_quantity() }}) as quantity,
        cast(unit_amount as {{ type_unit_price() }}) as unit_amount,
        amount,
        adjustment_period,
        plan_id,
        rule_id
    from finalized

    union all

    select
        invoice_id,
        line_id,
        line_number,
        line_type,
        resource_type,
        description,
        cast(quantity as {{ type_quantity() }}) as quantity,
        cast(unit_amount as {{ type_unit_price() }}) as unit_amount,
        amount,
        adjustment_period,
        plan_id,
        rule_id
    from drafts

)

select * from final
