with

source as (

    select * from {{ source('billing', 'stripe_invoices') }}

),

final as (

    select
        invoice_id,
        workspace_id,
        period_start,
        stripe_customer_id,
        stripe_invoice_id,
        stripe_status,
        stripe_number,
        stripe_total_cents,
        items,
        first_seen_at,
        completed_at
    from source

)

select * from final
