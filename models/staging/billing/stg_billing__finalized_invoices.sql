with

source as (

    select * from {{ source('billing', 'finalized_invoices') }}

),

final as (

    select
        invoice_id,
        invoice_number,
        workspace_id,
        period_start,
        period_end,
        status,
        subtotal,
        discount_total,
        tax_total,
        total,
        currency,
        finalized_at,
        due_date
    from source

)

select * from final
