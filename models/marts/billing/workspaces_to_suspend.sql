{#- Workspaces with at least one overdue invoice (contract 4), for the application to
    suspend. -#}
with

invoices as (

    select * from {{ ref('fct_invoices') }}

),

final as (

    select
        workspace_id,
        count(*) as overdue_invoices,
        sum(total) as overdue_amount,
        min(due_date) as oldest_due_date,
        min(invoice_number) as oldest_invoice_number,
        max(payment_failures) as max_payment_failures
    from invoices
    where status = 'overdue'
    group by workspace_id

)

select * from final
