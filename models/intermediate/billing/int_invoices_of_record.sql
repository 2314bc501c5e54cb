{#- Every invoice of record: finalized ones exactly as frozen by the monthly
    finalization, with where each stands now (no_charge, finalized until it is in
    Stripe, open, then paid, void or uncollectible as Stripe's events say, overdue when
    open past its due date as of the run or its payment failed), and the drafts of the
    open periods as of this build. Published as fct_invoices; the revenue and the
    payment reminders read it here. -#}
with

finalized as (

    select * from {{ ref('stg_billing__finalized_invoices') }}

),

drafts as (

    select * from {{ ref('int_invoices_draft') }}

),

stripe_invoices as (

    select * from {{ ref('stg_billing__stripe_invoices') }}

),

payment_status as (

    select * from {{ ref('int_invoice_payment_status') }}

),

finalized_with_payments as (

    select
        finalized.*,
        stripe_invoices.stripe_invoice_id,
        payment_status.payment_state,
        payment_status.payment_state_at,
        coalesce(payment_status.payment_failures, 0) as payment_failures,
        case
            when finalized.status = 'no_charge' then 'no_charge'
            when payment_status.invoice_id is null then 'finalized'
            when payment_status.payment_state in ('paid', 'void', 'uncollectible')
                then payment_status.payment_state
            when payment_status.payment_state = 'payment_failed'
                or finalized.due_date < cast({{ run_as_of() }} as date)
                then 'overdue'
            else 'open'
        end as current_status
    from finalized
    left join stripe_invoices
        on finalized.invoice_id = stripe_invoices.invoice_id
    left join payment_status
        on finalized.invoice_id = payment_status.invoice_id

),

final as (

    select
        invoice_id,
        invoice_number,
        workspace_id,
        period_start,
        period_end,
        current_status as status,
        subtotal,
        discount_total,
        tax_total,
        total,
        currency,
        finalized_at,
        due_date,
        stripe_invoice_id,
        case when payment_state = 'paid' then payment_state_at end as paid_at,
        payment_failures
    from finalized_with_payments

    union all

    select
        invoice_id,
        cast(null as {{ dbt.type_string() }}) as invoice_number,
        workspace_id,
        period_start,
        period_end,
        'draft' as status,
        subtotal,
        discount_total,
        tax_total,
        total,
        'USD' as currency,
        cast(null as {{ api.Column.translate_type('timestamp') }}) as finalized_at,
        cast(null as date) as due_date,
        cast(null as {{ dbt.type_string() }}) as stripe_invoice_id,
        cast(null as {{ api.Column.translate_type('timestamp') }}) as paid_at,
        0 as payment_failures
    from drafts

)

select * from final
