"""A Stripe client for the sync: the official SDK pinned to the contract's API version,
with one retry policy (backoff on 429, 5xx, 409 in-flight conflicts and connection
errors, all safe because every write carries an idempotency key), a bounded request
rate, a count of the calls made, and error messages that never carry the API key."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import stripe
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

API_VERSION = "2023-08-16"
_KEY_PATTERN = re.compile(r"\b(sk|rk|pk|whsec)_(test|live)?_?[A-Za-z0-9]+")

T = TypeVar("T")


def redact(text: str, *secrets: str | None) -> str:
    """`text` with the given secrets, and anything shaped like a Stripe key, removed."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return _KEY_PATTERN.sub(lambda m: f"{m.group(1)}_[redacted]", text)


def is_transient(error: BaseException) -> bool:
    """Worth retrying with the same idempotency key: nothing was decided yet, or the
    decision is replayed by Stripe on the retry."""
    if isinstance(error, stripe.APIConnectionError | stripe.RateLimitError):
        return True
    status = getattr(error, "http_status", None) or 0
    if isinstance(error, stripe.IdempotencyError):
        return status == 409  # the first request with this key is still running
    return isinstance(error, stripe.StripeError) and status >= 500


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    initial_backoff_seconds: float = 0.5
    max_backoff_seconds: float = 8.0


class RateLimiter:
    """At most `per_second` requests per second, spaced evenly (thread-safe)."""

    def __init__(self, per_second: float):
        self._interval = 1.0 / per_second if per_second > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self._interval
        if start > now:
            time.sleep(start - now)


class StripeApi:
    """The calls the sync makes, each rate-limited, retried and counted."""

    def __init__(
        self,
        api_key: str,
        api_base: str | None = None,
        *,
        timeout_seconds: float = 20.0,
        retry: RetryPolicy | None = None,
        requests_per_second: float = 20.0,
    ):
        self._api_key = api_key
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            stripe_version=API_VERSION,
            max_network_retries=0,  # one retry policy: ours
            http_client=stripe.RequestsClient(timeout=timeout_seconds),
        )
        self._retry = retry or RetryPolicy()
        self._limiter = RateLimiter(requests_per_second)
        self.calls = 0
        self.retries = 0

    def describe(self, error: BaseException) -> str:
        """A one-line description of an error, safe for logs, metadata and tables."""
        message = getattr(error, "user_message", None) or str(error) or type(error).__name__
        status = getattr(error, "http_status", None)
        prefix = f"{type(error).__name__}" + (f" (HTTP {status})" if status else "")
        return redact(f"{prefix}: {message}", self._api_key)

    def _call(self, request: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        policy = self._retry

        def attempt() -> T:
            self._limiter.wait()
            self.calls += 1
            return request(*args, **kwargs)

        def count_retry(_state: Any) -> None:
            self.retries += 1

        retrying = Retrying(
            stop=stop_after_attempt(policy.max_attempts),
            wait=wait_exponential_jitter(
                initial=policy.initial_backoff_seconds, max=policy.max_backoff_seconds,
                jitter=policy.initial_backoff_seconds,
            ),
            retry=retry_if_exception(is_transient),
            before_sleep=count_retry,
            reraise=True,
        )
        return retrying(attempt)

    @staticmethod
    def _options(idempotency_key: str | None) -> dict[str, str]:
        return {"idempotency_key": idempotency_key} if idempotency_key else {}

    # customers -------------------------------------------------------------------
    def create_customer(self, params: dict[str, Any], *, idempotency_key: str):
        return self._call(self._client.v1.customers.create, params,
                          self._options(idempotency_key))

    def search_customers(self, query: str) -> list:
        return self._collect(self._client.v1.customers.search, {"query": query, "limit": 100})

    # invoices --------------------------------------------------------------------
    def create_invoice(self, params: dict[str, Any], *, idempotency_key: str):
        return self._call(self._client.v1.invoices.create, params,
                          self._options(idempotency_key))

    def retrieve_invoice(self, invoice_id: str):
        return self._call(self._client.v1.invoices.retrieve, invoice_id)

    def list_invoices(self, **params: Any) -> list:
        return self._collect(self._client.v1.invoices.list, {"limit": 100, **params})

    def finalize_invoice(self, invoice_id: str, *, idempotency_key: str):
        return self._call(self._client.v1.invoices.finalize_invoice, invoice_id,
                          {"auto_advance": False}, self._options(idempotency_key))

    # invoice items ---------------------------------------------------------------
    def create_invoice_item(self, params: dict[str, Any], *, idempotency_key: str):
        return self._call(self._client.v1.invoice_items.create, params,
                          self._options(idempotency_key))

    def list_invoice_items(self, invoice_id: str) -> list:
        return self._collect(self._client.v1.invoice_items.list,
                             {"invoice": invoice_id, "limit": 100})

    # events ----------------------------------------------------------------------
    def list_events(self, **params: Any) -> list:
        return self._collect(self._client.v1.events.list, {"limit": 100, **params})

    def _collect(self, request: Callable[..., Any], params: dict[str, Any]) -> list:
        """Every page of a list or search, each page fetched with the retry policy."""
        return list(self._pages(request, params))

    def _pages(self, request: Callable[..., Any], params: dict[str, Any]) -> Iterator[Any]:
        params = dict(params)
        while True:
            page = self._call(request, params)
            yield from page.data
            if not page.has_more or not page.data:
                return
            # a search result pages by its `next_page` field; a list by the last id (a
            # list object's `next_page` is a method of the SDK, not a field)
            if page["object"] == "search_result":
                params["page"] = page["next_page"]
            else:
                params["starting_after"] = page.data[-1].id
