{#- The payment state of every invoice finalized in Stripe, from the Stripe events
    received (contract 5). An invoice's states only move forward:
    open < payment_failed < uncollectible < void | paid (paid and void are final and
    exclusive; the ranks of the stripe_event_types seed). Applying the events in order of `created` with that rule gives the
    same state as applying them in any order, so a duplicated, late or out-of-order
    event can never move an invoice back. -#}
with

synced as (

    select * from {{ ref('stg_billing__stripe_invoices') }}
    where stripe_status = 'open'

),

events as (

    select * from {{ ref('stg_billing__stripe_events') }}

),

event_types as (

    {#- the Stripe invoice events read and the payment state each moves to -#}
    select * from {{ ref('stripe_event_types') }}

),

payment_events as (

    select
        events.stripe_invoice_id,
        events.event_id,
        events.created_at,
        event_types.payment_state,
        event_types.state_rank
    from events
    inner join event_types
        on events.event_type = event_types.event_type
    -- invoice.finalized only opens the invoice, as its sync did
    where event_types.state_rank > 0

),

ranked as (

    select
        payment_events.*,
        row_number() over (
            partition by stripe_invoice_id
            order by state_rank desc, created_at asc, event_id asc
        ) as state_order
    from payment_events

),

failures as (

    select
        stripe_invoice_id,
        count(*) as payment_failures,
        max(created_at) as last_payment_failed_at
    from payment_events
    where payment_state = 'payment_failed'
    group by stripe_invoice_id

),

final as (

    select
        synced.invoice_id,
        synced.stripe_invoice_id,
        synced.stripe_customer_id,
        synced.stripe_number,
        synced.stripe_total_cents,
        synced.completed_at as sent_to_stripe_at,
        coalesce(ranked.payment_state, 'open') as payment_state,
        ranked.created_at as payment_state_at,
        ranked.event_id as payment_state_event_id,
        coalesce(failures.payment_failures, 0) as payment_failures,
        failures.last_payment_failed_at
    from synced
    left join ranked
        on synced.stripe_invoice_id = ranked.stripe_invoice_id
        and ranked.state_order = 1
    left join failures
        on synced.stripe_invoice_id = failures.stripe_invoice_id

)

select * from final
