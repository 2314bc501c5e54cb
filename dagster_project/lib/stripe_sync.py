"""Pushing finalized invoices to Stripe exactly once (contract 5).

For each finalized invoice with total > 0 of a period: the workspace's customer (created
once, remembered in billing.stripe_customers), a draft invoice with metadata, one
invoice item per line in integer cents, then the finalization in Stripe. Every write
carries a deterministic idempotency key, so a retry within Stripe's 24 h window is
replayed rather than applied twice; and before creating anything, the sync looks for
what an earlier attempt already created (the invoice by its metadata, the items by their
line_id) and finishes it, so a re-run after a crash converges however late it comes.

A failure of one invoice is recorded in billing.stripe_sync_errors and the others go on.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import duckdb
import stripe

from dagster_project.lib.billing_state import (
    record_stripe_invoice,
    record_stripe_sync_error,
    remember_stripe_customer,
)
from dagster_project.lib.reports.formatting import quantity as quantity_text
from dagster_project.lib.reports.formatting import unit as unit_text
from dagster_project.lib.stripe_api import StripeApi


class SyncError(Exception):
    """An invoice cannot be synced as it stands in Stripe; the message says why."""


@dataclass(frozen=True)
class Line:
    line_id: str
    line_type: str
    description: str
    amount: Decimal
    quantity: Decimal | None = None
    unit: str | None = None

    @property
    def item_description(self) -> str:
        """The line's description, with the exact quantity for usage lines (a Stripe
        item's own quantity is a whole number; the amount is the line's)."""
        if self.line_type != "usage" or self.quantity is None:
            return self.description
        exact = quantity_text(self.quantity)
        return f"{self.description}: {exact} {unit_text(self.unit, self.quantity)}"


@dataclass(frozen=True)
class InvoiceToSync:
    invoice_id: str
    invoice_number: str
    workspace_id: str
    period_start: date
    total: Decimal
    currency: str
    due_date: date
    lines: tuple[Line, ...]

    @property
    def total_cents(self) -> int:
        return to_cents(self.total)


@dataclass
class SyncResult:
    period_start: date
    chargeable: int = 0
    already_synced: int = 0
    completed: int = 0
    customers_created: int = 0
    invoices_created: int = 0
    items_created: int = 0
    failed: dict[str, str] = field(default_factory=dict)


def to_cents(amount: Decimal) -> int:
    """USD with 2 decimals -> integer cents, exactly (anything finer is an error)."""
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise SyncError(f"amount {amount} is not a whole number of cents")
    return int(cents)


def field_of(stripe_object: Any, name: str) -> Any:
    """A field of a Stripe object, or None when it is absent (they are not dicts)."""
    return stripe_object[name] if name in stripe_object else None


def metadata_of(stripe_object: Any) -> dict[str, str]:
    metadata = field_of(stripe_object, "metadata")
    return metadata.to_dict() if metadata else {}


def _search_literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


# -- the warehouse side -------------------------------------------------------------

def chargeable_invoices(
    con: duckdb.DuckDBPyConnection, period_start: date, *, pending_only: bool
) -> list[InvoiceToSync]:
    """The period's finalized invoices with total > 0 (only those not yet finalized in
    Stripe when `pending_only`), with their lines, in invoice-number order."""
    pending = "and (synced.stripe_status is null or synced.stripe_status <> 'open')"
    invoices = con.execute(
        f"""
        select invoices.invoice_id, invoices.invoice_number, invoices.workspace_id,
               invoices.period_start, invoices.total, invoices.currency, invoices.due_date
        from billing.finalized_invoices as invoices
        left join billing.stripe_invoices as synced using (invoice_id)
        where invoices.period_start = ? and invoices.total > 0
            {pending if pending_only else ''}
        order by invoices.invoice_number
        """,
        [period_start],
    ).fetchall()
    lines: dict[str, list[Line]] = defaultdict(list)
    for invoice_id, line_id, line_type, description, amount, quantity, unit in con.execute(
        """
        select lines.invoice_id, lines.line_id, lines.line_type, lines.description,
               lines.amount, lines.quantity, metrics.unit
        from billing.finalized_invoice_lines as lines
        inner join billing.finalized_invoices as invoices using (invoice_id)
        left join reference.metrics as metrics using (resource_type)
        where invoices.period_start = ? and invoices.total > 0
        order by lines.invoice_id, lines.line_number
        """,
        [period_start],
    ).fetchall():
        lines[invoice_id].append(
            Line(line_id, line_type, description, amount, quantity, unit)
        )
    return [
        InvoiceToSync(*row[:7], lines=tuple(lines[row[0]])) for row in invoices
    ]


def _workspace_profile(con: duckdb.DuckDBPyConnection, workspace_id: str) -> dict[str, Any]:
    row = con.execute(
        "select workspace_name, billing_email, country, region "
        "from marts.dim_workspaces where workspace_id = ?",
        [workspace_id],
    ).fetchone()
    name, email, country, region = row or (None, None, None, None)
    params: dict[str, Any] = {"metadata": {"workspace_id": workspace_id}}
    if name:
        params["name"] = name
    if email:
        params["email"] = email
    if country:
        params["address"] = {"country": country, **({"state": region} if region else {})}
    return params


def _record_invoice(
    con: duckdb.DuckDBPyConnection,
    invoice: InvoiceToSync,
    customer_id: str,
    stripe_invoice: Any,
    *,
    now: datetime,
    items: int | None = None,
) -> None:
    status = "draft" if stripe_invoice.status == "draft" else "open"
    record_stripe_invoice(con, {
        "invoice_id": invoice.invoice_id, "workspace_id": invoice.workspace_id,
        "period_start": invoice.period_start, "customer": customer_id,
        "stripe_id": stripe_invoice.id, "status": status,
        "number": field_of(stripe_invoice, "number"),
        "total": field_of(stripe_invoice, "total"),
        "items": items,
    }, now=now)


def _record_failure(
    con: duckdb.DuckDBPyConnection, invoice: InvoiceToSync, message: str, now: datetime
) -> None:
    record_stripe_sync_error(con, invoice.invoice_id, invoice.period_start, message, now=now)


# -- the Stripe side -----------------------------------------------------------------

def ensure_customer(
    con: duckdb.DuckDBPyConnection, api: StripeApi, workspace_id: str, *, now: datetime
) -> tuple[str, bool]:
    """The workspace's Stripe customer id, created on first use; (id, created now)."""
    row = con.execute(
        "select stripe_customer_id from billing.stripe_customers where workspace_id = ?",
        [workspace_id],
    ).fetchone()
    if row:
        return row[0], False
    # An earlier attempt may have created it and crashed before remembering it.
    found = api.search_customers(f"metadata['workspace_id']:{_search_literal(workspace_id)}")
    created = not found
    if found:
        customer_id = min(found, key=lambda c: (c.created, c.id)).id
    else:
        customer = api.create_customer(
            _workspace_profile(con, workspace_id),
            idempotency_key=f"billing-customer-{workspace_id}",
        )
        customer_id = customer.id
    remember_stripe_customer(con, workspace_id, customer_id, now=now)
    return customer_id, created


def _find_or_create_invoice(
    con: duckdb.DuckDBPyConnection,
    api: StripeApi,
    invoice: InvoiceToSync,
    customer_id: str,
    result: SyncResult,
) -> Any:
    row = con.execute(
        "select stripe_invoice_id from billing.stripe_invoices where invoice_id = ?",
        [invoice.invoice_id],
    ).fetchone()
    if row:
        return api.retrieve_invoice(row[0])
    # Listing by customer is strongly consistent (search can lag behind by a minute).
    earlier = [
        candidate for candidate in api.list_invoices(customer=customer_id)
        if metadata_of(candidate).get("invoice_id") == invoice.invoice_id
    ]
    if len(earlier) > 1:
        ids = ", ".join(sorted(candidate.id for candidate in earlier))
        raise SyncError(f"Stripe holds several invoices for {invoice.invoice_id}: {ids}")
    if earlier:
        return earlier[0]
    result.invoices_created += 1
    due = datetime.combine(invoice.due_date, time(), tzinfo=UTC)
    return api.create_invoice(
        {
            "customer": customer_id,
            "auto_advance": False,
            "collection_method": "send_invoice",
            "due_date": int(due.timestamp()),
            "currency": invoice.currency.lower(),
            "description": f"Invoice {invoice.invoice_number}, "
            f"period {invoice.period_start:%Y-%m}",
            "pending_invoice_items_behavior": "exclude",
            "metadata": {
                "invoice_id": invoice.invoice_id,
                "invoice_number": invoice.invoice_number,
                "workspace_id": invoice.workspace_id,
                "period": f"{invoice.period_start:%Y-%m}",
            },
        },
        idempotency_key=f"billing-invoice-{invoice.invoice_id}",
    )


def _ensure_items(
    api: StripeApi, invoice: InvoiceToSync, customer_id: str, stripe_invoice: Any,
    result: SyncResult,
) -> int:
    """Create the items the draft lacks; refuse a draft holding anything unexpected."""
    present: dict[str, int] = {}
    for item in api.list_invoice_items(stripe_invoice.id):
        line_id = metadata_of(item).get("line_id")
        if line_id in present or line_id not in {line.line_id for line in invoice.lines}:
            raise SyncError(
                f"Stripe draft {stripe_invoice.id} holds an unexpected item {item.id}"
            )
        present[line_id] = item.amount
    for line in invoice.lines:
        cents = to_cents(line.amount)
        if line.line_id in present:
            if present[line.line_id] != cents:
                raise SyncError(f"item of {line.line_id} in Stripe is {present[line.line_id]} "
                                f"cents, the warehouse says {cents}")
            continue
        api.create_invoice_item(
            {
                "customer": customer_id,
                "invoice": stripe_invoice.id,
                "amount": cents,
                "currency": invoice.currency.lower(),
                "description": line.item_description,
                "metadata": {"invoice_id": invoice.invoice_id, "line_id": line.line_id,
                             "line_type": line.line_type,
                             **({"quantity": quantity_text(line.quantity).replace(",", "")}
                                if line.line_type == "usage" and line.quantity is not None
                                else {})},
            },
            idempotency_key=f"billing-item-{line.line_id}",
        )
        result.items_created += 1
    return len(invoice.lines)


def sync_invoice(
    con: duckdb.DuckDBPyConnection,
    api: StripeApi,
    invoice: InvoiceToSync,
    result: SyncResult,
    *,
    now: datetime,
) -> None:
    customer_id, created = ensure_customer(con, api, invoice.workspace_id, now=now)
    result.customers_created += created
    stripe_invoice = _find_or_create_invoice(con, api, invoice, customer_id, result)
    _record_invoice(con, invoice, customer_id, stripe_invoice, now=now)
    items = None
    if stripe_invoice.status == "draft":
        items = _ensure_items(api, invoice, customer_id, stripe_invoice, result)
        draft = api.retrieve_invoice(stripe_invoice.id)
        if draft.total != invoice.total_cents:
            raise SyncError(f"Stripe draft {draft.id} totals {draft.total} cents, the "
                            f"warehouse {invoice.total_cents}; not finalized")
        stripe_invoice = api.finalize_invoice(
            stripe_invoice.id, idempotency_key=f"billing-finalize-{invoice.invoice_id}"
        )
    _record_invoice(con, invoice, customer_id, stripe_invoice, now=now, items=items)


def sync_period(
    con: duckdb.DuckDBPyConnection, api: StripeApi, period_start: date, *, now: datetime
) -> SyncResult:
    """Sync every chargeable finalized invoice of the period not yet finalized in Stripe."""
    result = SyncResult(period_start)
    result.chargeable = len(chargeable_invoices(con, period_start, pending_only=False))
    pending = chargeable_invoices(con, period_start, pending_only=True)
    result.already_synced = result.chargeable - len(pending)
    for invoice in pending:
        try:
            sync_invoice(con, api, invoice, result, now=now)
        except (stripe.StripeError, SyncError) as error:
            message = api.describe(error)
            result.failed[invoice.invoice_id] = message
            _record_failure(con, invoice, message, now)
        else:
            result.completed += 1
    return result


def sync_customers(
    con: duckdb.DuckDBPyConnection, api: StripeApi, period_start: date, *, now: datetime
) -> tuple[int, int, dict[str, str]]:
    """A customer for every workspace with a chargeable invoice in the period:
    (workspaces, created now, failures by workspace)."""
    workspaces = [row[0] for row in con.execute(
        "select distinct workspace_id from billing.finalized_invoices "
        "where period_start = ? and total > 0 order by 1",
        [period_start],
    ).fetchall()]
    created, failed = 0, {}
    for workspace_id in workspaces:
        try:
            created += ensure_customer(con, api, workspace_id, now=now)[1]
        except stripe.StripeError as error:
            failed[workspace_id] = api.describe(error)
    return len(workspaces), created, failed


@dataclass(frozen=True)
class Reconciliation:
    checked: int
    mismatches: dict[str, str]


def reconcile(con: duckdb.DuckDBPyConnection, api: StripeApi) -> Reconciliation:
    """Every synced invoice: Stripe's total equals the warehouse total to the cent, and
    Stripe holds exactly one invoice for it (listed from Stripe, not from our notes)."""
    expected = {
        invoice_id: (stripe_id, to_cents(total))
        for invoice_id, stripe_id, total in con.execute(
            """
            select synced.invoice_id, synced.stripe_invoice_id, invoices.total
            from billing.stripe_invoices as synced
            inner join billing.finalized_invoices as invoices using (invoice_id)
            where synced.stripe_status = 'open'
            """
        ).fetchall()
    }
    in_stripe: dict[str, list[Any]] = defaultdict(list)
    for stripe_invoice in api.list_invoices():
        invoice_id = metadata_of(stripe_invoice).get("invoice_id")
        if invoice_id:
            in_stripe[invoice_id].append(stripe_invoice)
    mismatches: dict[str, str] = {}
    for invoice_id, (stripe_id, cents) in sorted(expected.items()):
        found = in_stripe.get(invoice_id, [])
        if len(found) != 1:
            mismatches[invoice_id] = f"{len(found)} Stripe invoices carry this invoice_id"
        elif found[0].id != stripe_id:
            mismatches[invoice_id] = f"Stripe invoice is {found[0].id}, recorded {stripe_id}"
        elif found[0].total != cents:
            mismatches[invoice_id] = (f"Stripe total {found[0].total} cents, "
                                      f"warehouse {cents} cents")
    return Reconciliation(len(expected), mismatches)
