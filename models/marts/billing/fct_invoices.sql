{#- Every invoice: finalized ones exactly as frozen by the monthly finalization, and the
    drafts of the open periods as of this build. -#}
with

finalized as (

    select * from {{ source('billing', 'finalized_invoices') }}

),

drafts as (

    select * from {{ ref('int_invoices_draft') }}

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
        due_date,
        cast(null as {{ dbt.type_string() }}) as stripe_invoice_id
    from finalized

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
        cast(null as {{ dbt.type_string() }}) as stripe_invoice_id
    from drafts

)

select * from final
