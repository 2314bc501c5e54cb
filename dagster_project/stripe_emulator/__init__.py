"""A local, stateful, Stripe-compatible API server for the tests and the demo.

No network reaches Stripe here, and no installable emulator covers standalone invoices,
so the project carries this one. It serves the endpoints the pipeline uses (customers,
invoice items, invoices and their lifecycle, events), validates every request against
the schemas derived from Stripe's published OpenAPI spec (spec/request_schemas.json),
honours Idempotency-Key as Stripe documents it, answers with Stripe-shaped objects and
errors, and lets tests inject faults (a 500 or 429, a response lost after the request
was applied, a slow response) and drive payments (paid, failed).

    with StripeEmulator() as stripe_api:      # 127.0.0.1, a free port
        client = stripe.StripeClient("sk_test_...",
                                     base_addresses={"api": stripe_api.base_url})

`python -m dagster_project.stripe_emulator --port 12111` runs it in the foreground.
"""

from dagster_project.stripe_emulator.server import StripeEmulator

__all__ = ["StripeEmulator"]
