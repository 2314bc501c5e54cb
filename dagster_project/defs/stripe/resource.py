"""The Stripe resource: the API key comes from the environment through dg.EnvVar, so
Dagster never shows or stores its value; everything else is plain configuration."""

import dagster as dg

from dagster_project.lib.stripe_api import RetryPolicy, StripeApi


class StripeResource(dg.ConfigurableResource):
    api_key: str
    """Secret key (STRIPE_API_KEY)."""
    api_base: str = "https://api.stripe.com"
    """Where the API lives: Stripe, or a Stripe-compatible server such as the local emulator."""
    timeout_seconds: float = 20.0
    max_attempts: int = 6
    initial_backoff_seconds: float = 0.5
    max_backoff_seconds: float = 8.0
    requests_per_second: float = 20.0
    """Stays under Stripe's test-mode limit (25/s); live mode allows 100/s."""

    def client(self) -> StripeApi:
        return StripeApi(
            self.api_key,
            self.api_base,
            timeout_seconds=self.timeout_seconds,
            retry=RetryPolicy(self.max_attempts, self.initial_backoff_seconds,
                              self.max_backoff_seconds),
            requests_per_second=self.requests_per_second,
        )
