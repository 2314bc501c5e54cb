{#- The billed months, from the first billed period (contract 1.3) to the month of the
    build, with whether each is complete and finalized, and where billing starts and why:
    what the summary, the monthly partitions and analysts read to know which months are
    invoiced. -#}
with

periods as (

    select * from {{ ref('int_billing_periods') }}

),

final as (

    select
        period_start,
        period_end,
        days_in_month,
        is_complete,
        is_finalized,
        billing_start,
        billing_start_source
    from periods

)

select * from final
