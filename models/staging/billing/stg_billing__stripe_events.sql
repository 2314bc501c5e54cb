with

source as (

    select * from {{ source('billing', 'stripe_events') }}

),

final as (

    select
        event_id,
        event_type,
        created_at,
        stripe_invoice_id,
        invoice_id,
        received_via,
        received_at
    from source

)

select * from final
