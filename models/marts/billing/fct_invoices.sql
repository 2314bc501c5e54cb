{#- Every invoice: finalized ones exactly as frozen by the monthly finalization (their
    status follows them through Stripe: open, paid, overdue, void, uncollectible), and
    the drafts of the open periods as of this build (int_invoices_of_record). -#}
select * from {{ ref('int_invoices_of_record') }}
