"""Payment state from Stripe (contract 5): invoice events read from the Events API since
the last one received, or pushed as webhooks whose signature is verified. Events are
stored once per event id in billing.stripe_events; the dbt model
int_invoice_payment_status turns them into each invoice's state."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import stripe

from dagster_project.lib.stripe_api import StripeApi

PAYMENT_EVENT_TYPES = (
    "invoice.finalized",
    "invoice.paid",
    "invoice.payment_failed",
    "invoice.voided",
    "invoice.marked_uncollectible",
)

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
    if not rows:
        return 0
    before = con.execute("select count(*) from billing.stripe_events").fetchone()[0]
    con.executemany(
        "insert into billing.stripe_events values (?, ?, ?, ?, ?, ?, ?) on conflict do nothing",
        [
            [row.event_id, row.event_type, row.created_at, row.stripe_invoice_id,
             row.invoice_id, via, now]
            for row in sorted(rows, key=lambda r: (r.created_at, r.event_id))
        ],
    )
    return con.execute("select count(*) from billing.stripe_events").fetchone()[0] - before


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
        con.execute(
            "insert into billing.stripe_webhook_rejections values (?, ?, ?, ?)",
            [now, reason, hashlib.sha256(payload).hexdigest(), len(payload)],
        )
        raise WebhookRejected(reason) from None
    row = EventRow.from_event(event)
    if row.event_type not in PAYMENT_EVENT_TYPES or not row.invoice_id:
        return False
    return store_events(con, [row], via="webhook", now=now) == 1
