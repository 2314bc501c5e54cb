with

source as (

    select * from {{ source('billing', 'finalized_periods') }}

),

final as (

    select
        period_start,
        finalized_at,
        invoices,
        invoices_total
    from source

)

select * from final
