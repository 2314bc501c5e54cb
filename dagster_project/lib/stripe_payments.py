"""Payment state from Stripe (contract 5): invoice events read from the Events API since
the last one received, or pushed as webhooks whose signature is verified. Events are
stored once per event id in billing.stripe_events; the dbt model
int_invoice_payment_status turns them into each invoice's state."""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import stripe

from dagster_project.lib.billing_state import record_webhook_rejection, store_stripe_events
from dagster_project.lib.stripe_api import StripeApi
from dagster_project.settings import SEEDS_DIR

# The invoice events read: the seed that also maps each to its payment state in dbt
# (int_invoice_payment_status).
with (SEEDS_DIR / "stripe_event_types.csv").open(newline="") as _seed:
    PAYMENT_EVENT_TYPES = tuple(row["event_type"] for row in csv.DictReader(_seed))

# Events are listed from the newest received one's second on again (a second can hold
# more events than one page showed); the ones already stored are skipped by id.
_OVERLAP = timedelta(seconds=1)


@dataclass(frozen=True)
class EventRow:
    event_id: str
    event_type: str
    created_at: datetime
    stripe_invoice_id: str | None
    invoice_id: str | None

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> EventRow:
        invoice = (event.get("data") or {}).get("object") or {}
        return cls(
            event_id=event["id"],
            event_type=event["type"],
            created_at=datetime.fromtimestamp(int(event["created"]), UTC).replace(tzinfo=None),
            stripe_invoice_id=invoice.get("id"),
            invoice_id=(invoice.get("metadata") or {}).get("invoice_id"),
        )


def store_events(
    con: duckdb.DuckDBPyConnection, rows: list[EventRow], *, via: str, now: datetime
) -> int:
    """Insert the events not stored yet, in order of `created`; returns how many were new."""
    return store_stripe_events(con, [
        (row.event_id, row.event_type, row.created_at, row.stripe_invoice_id, row.invoice_id)
        for row in sorted(rows, key=lambda r: (r.created_at, r.event_id))
    ], via=via, now=now)


def fetch_events(
    con: duckdb.DuckDBPyConnection, api: StripeApi, *, now: datetime
) -> tuple[int, int]:
    """Read invoice events from Stripe since the last one received; (listed, new)."""
    since = con.execute(
        "select max(created_at) from billing.stripe_events where received_via = 'api'"
    ).fetchone()[0]
    params: dict[str, Any] = {"types": list(PAYMENT_EVENT_TYPES)}
    if since is not None:
        params["created"] = {"gte": int((since - _OVERLAP).replace(tzinfo=UTC).timestamp())}
    events = [EventRow.from_event(event.to_dict()) for event in api.list_events(**params)]
    ours = [row for row in events if row.invoice_id]
    return len(events), store_events(con, ours, via="api", now=now)


class WebhookRejected(Exception):
    """The payload was refused (bad or missing signature, unreadable); recorded."""


def accept_webhook(
    con: duckdb.DuckDBPyConnection,
    payload: bytes,
    signature_header: str | None,
    secret: str,
    *,
    now: datetime,
    tolerance_seconds: int = 300,
) -> bool:
    """Store the event of a webhook payload when its `Stripe-Signature` is valid; returns
    whether it was new. A refused payload is recorded (hash and size, never its
    content) and raises WebhookRejected."""
    try:
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"), signature_header or "", secret, tolerance_seconds
        )
        event = json.loads(payload)
        if event.get("object") != "event" or "id" not in event:
            raise ValueError("the payload is not a Stripe event")
    except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError) as error:
        reason = ("invalid signature" if isinstance(error, stripe.SignatureVerificationError)
                  else "unreadable payload")
        record_webhook_rejection(con, reason, hashlib.sha256(payload).hexdigest(),
                                 len(payload), now=now)
        raise WebhookRejected(reason) from None
    row = EventRow.from_event(event)
    if row.event_type not in PAYMENT_EVENT_TYPES or not row.invoice_id:
        return False
    return store_events(con, [row], via="webhook", now=now) == 1
