with

source as (

    select * from {{ source('billing', 'finalized_invoice_lines') }}

),

final as (

    select
        invoice_id,
        line_id,
        line_number,
        line_type,
        resource_type,
        description,
        quantity,
        unit_amount,
        amount,
        adjustment_period,
        plan_id,
        rule_id
    from source

)

select * from final
