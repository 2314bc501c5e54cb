"""The billing state: the `billing.*` tables, the only warehouse tables written outside
dbt. This module owns their definition and every write to them; dbt reads them as the
`billing` source through `models/staging/billing/`.

- the frozen invoices (`finalized_periods`, `finalized_invoices`,
  `finalized_invoice_lines`), written once per month by the finalization, never changed;
- the outboxes (`usage_alerts`, `payment_reminders`): what the models say is due,
  appended once each, stamped when its file is written;
- what the pipeline knows of Stripe (`stripe_customers`, `stripe_invoices`,
  `stripe_sync_errors`, `stripe_events`, `stripe_webhook_rejections`).

Which rows are due, their ids and amounts are the dbt models' (`int_usage_alerts_due`,
`int_payment_reminders_due`, `int_invoices_draft`, `int_invoice_lines_draft`); the
functions here insert them and keep each write idempotent (primary keys, `on conflict`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb

_MONEY = "decimal(18, 2)"

TABLES: dict[str, str] = {
    "finalized_periods": f"""
        period_start date not null primary key,
        finalized_at timestamp not null,
        invoices integer not null,
        invoices_total {_MONEY} not null""",
    "finalized_invoices": f"""
        invoice_id varchar not null primary key,
        invoice_number varchar not null unique,
        workspace_id varchar not null,
        period_start date not null,
        period_end date not null,
        status varchar not null,
        subtotal {_MONEY} not null,
        discount_total {_MONEY} not null,
        tax_total {_MONEY} not null,
        total {_MONEY} not null,
        currency varchar not null,
        finalized_at timestamp not null,
        due_date date not null""",
    "finalized_invoice_lines": f"""
        invoice_id varchar not null,
        line_id varchar not null,
        line_number integer not null,
        line_type varchar not null,
        resource_type varchar,
        description varchar not null,
        quantity decimal(24, 6),
        unit_amount decimal(24, 12),
        amount {_MONEY} not null,
        adjustment_period date,
        plan_id varchar,
        rule_id varchar,
        primary key (invoice_id, line_id)""",
    "usage_alerts": f"""
        alert_id varchar not null primary key,
        workspace_id varchar not null,
        period_start date not null,
        threshold_pct decimal(9, 2) not null,
        usage_pct decimal(18, 2) not null,
        usage_limit_monthly decimal(18, 4) not null,
        draft_subtotal {_MONEY} not null,
        raised_at timestamp not null,
        delivered_at timestamp""",
    "stripe_customers": """
        workspace_id varchar not null primary key,
        stripe_customer_id varchar not null unique,
        created_at timestamp not null""",
    "stripe_invoices": """
        invoice_id varchar not null primary key,
        workspace_id varchar not null,
        period_start date not null,
        stripe_customer_id varchar not null,
        stripe_invoice_id varchar not null unique,
        stripe_status varchar not null,
        stripe_number varchar,
        stripe_total_cents bigint,
        items integer,
        first_seen_at timestamp not null,
        completed_at timestamp""",
    "stripe_sync_errors": """
        invoice_id varchar not null,
        period_start date not null,
        attempted_at timestamp not null,
        error_type varchar not null,
        message varchar not null""",
    "stripe_events": """
        event_id varchar not null primary key,
        event_type varchar not null,
        created_at timestamp not null,
        stripe_invoice_id varchar,
        invoice_id varchar,
        received_via varchar not null,
        received_at timestamp not null""",
    "stripe_webhook_rejections": """
        received_at timestamp not null,
        reason varchar not null,
        payload_sha256 varchar not null,
        payload_bytes integer not null""",
    "payment_reminders": f"""
        reminder_id varchar not null primary key,
        invoice_id varchar not null,
        invoice_number varchar not null,
        workspace_id varchar not null,
        reminder_type varchar not null,
        due_date date not null,
        amount_due {_MONEY} not null,
        raised_at timestamp not null,
        delivered_at timestamp""",
}


def ensure_billing_state(con: duckdb.DuckDBPyConnection) -> None:
    """Create the billing schema and whichever of its tables do not exist yet, empty."""
    con.execute("create schema if not exists billing")
    for name, columns in TABLES.items():
        con.execute(f"create table if not exists billing.{name} ({columns}\n)")


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(f"select count(*) from billing.{table}").fetchone()[0]


# -- the frozen invoices -----------------------------------------------------------

def freeze_period(
    con: duckdb.DuckDBPyConnection, period_start: date, *, now: datetime, payment_terms_days: int
) -> tuple[int, int, Decimal]:
    """Freeze the drafts of the period starting `period_start`, in one transaction:
    invoices numbered `INV-YYYYMM-NNNNN` in workspace order, due `payment_terms_days`
    after `now`'s day, their lines, and the period's row. (invoices, no_charge, total)."""
    con.execute("begin transaction")
    try:
        con.execute(
            """
            insert into billing.finalized_invoices
            select
                invoice_id,
                'INV-' || cast(period_key as varchar) || '-'
                    || lpad(cast(row_number() over (order by workspace_id) as varchar), 5, '0'),
                workspace_id,
                period_start,
                period_end,
                case when total = 0 then 'no_charge' else 'finalized' end,
                subtotal,
                discount_total,
                tax_total,
                total,
                'USD',
                $now,
                cast($now as date) + $terms
            from intermediate.int_invoices_draft
            where period_start = $period
            """,
            {"now": now, "terms": payment_terms_days, "period": period_start},
        )
        con.execute(
            """
            insert into billing.finalized_invoice_lines
                (invoice_id, line_id, line_number, line_type, resource_type, description,
                 quantity, unit_amount, amount, adjustment_period, plan_id, rule_id)
            select
                invoice_id, line_id, line_number, line_type, resource_type, description,
                quantity, unit_amount, amount, adjustment_period, plan_id, rule_id
            from intermediate.int_invoice_lines_draft
            where period_start = ?
            """,
            [period_start],
        )
        invoices, no_charge, total = con.execute(
            """
            select count(*), count(*) filter (where status = 'no_charge'),
                   coalesce(sum(total), 0)
            from billing.finalized_invoices where period_start = ?
            """,
            [period_start],
        ).fetchone()
        con.execute(
            "insert into billing.finalized_periods values (?, ?, ?, ?)",
            [period_start, now, invoices, total],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return invoices, no_charge, Decimal(total)


# -- the outboxes ------------------------------------------------------------------

_OUTBOXES = {
    # outbox table: (its key, the model of what is due, its columns, which rows are due now)
    "usage_alerts": (
        "alert_id", "int_usage_alerts_due",
        "alert_id, workspace_id, period_start, threshold_pct, usage_pct, "
        "usage_limit_monthly, draft_subtotal",
        "true",
    ),
    "payment_reminders": (
        "reminder_id", "int_payment_reminders_due",
        "reminder_id, invoice_id, invoice_number, workspace_id, reminder_type, due_date, "
        "amount_due",
        "cast($now as date) >= remind_from "
        "and (remind_until is null or cast($now as date) <= remind_until)",
    ),
}


def _append_due(con: duckdb.DuckDBPyConnection, outbox: str, *, now: datetime) -> int:
    """Append the rows of the outbox's model that are due now and were never raised, raised
    now and not delivered yet (the key is the primary key); returns how many."""
    _key, model, columns, due = _OUTBOXES[outbox]
    before = _count(con, outbox)
    con.execute(
        f"insert into billing.{outbox} ({columns}, raised_at, delivered_at) "
        f"select {columns}, $now, null from intermediate.{model} where {due} "
        "on conflict do nothing",
        {"now": now},
    )
    return _count(con, outbox) - before


def append_usage_alerts(con: duckdb.DuckDBPyConnection, *, now: datetime) -> int:
    """Append the alerts due (int_usage_alerts_due) that were never raised; how many."""
    return _append_due(con, "usage_alerts", now=now)


def append_payment_reminders(con: duckdb.DuckDBPyConnection, *, now: datetime) -> int:
    """Append the reminders due on `now`'s day (int_payment_reminders_due) that were
    never raised; how many."""
    return _append_due(con, "payment_reminders", now=now)


def mark_delivered(
    con: duckdb.DuckDBPyConnection, outbox: str, ids: Sequence[str], *, now: datetime
) -> None:
    """Stamp `delivered_at` on the rows of the outbox table `outbox` whose files were
    written."""
    if ids:
        con.execute(
            f"update billing.{outbox} set delivered_at = ? where delivered_at is null "
            f"and {_OUTBOXES[outbox][0]} in (select unnest(?))",
            [now, list(ids)],
        )


# -- Stripe ------------------------------------------------------------------------

def remember_stripe_customer(
    con: duckdb.DuckDBPyConnection, workspace_id: str, customer_id: str, *, now: datetime
) -> None:
    con.execute(
        "insert into billing.stripe_customers values (?, ?, ?) on conflict do nothing",
        [workspace_id, customer_id, now],
    )


def record_stripe_invoice(
    con: duckdb.DuckDBPyConnection, values: dict[str, Any], *, now: datetime
) -> None:
    """Insert or advance the Stripe invoice of a finalized invoice: `values` holds
    invoice_id, workspace_id, period_start, customer, stripe_id, status (`draft` or
    `open`), number, total (cents) and items (None: unchanged)."""
    con.execute(
        """
        insert into billing.stripe_invoices
            (invoice_id, workspace_id, period_start, stripe_customer_id, stripe_invoice_id,
             stripe_status, stripe_number, stripe_total_cents, items, first_seen_at,
             completed_at)
        values ($invoice_id, $workspace_id, $period_start, $customer, $stripe_id, $status,
                $number, $total, $items, $now, case when $status = 'open' then $now end)
        on conflict (invoice_id) do update set
            stripe_invoice_id = excluded.stripe_invoice_id,
            stripe_status = excluded.stripe_status,
            stripe_number = excluded.stripe_number,
            stripe_total_cents = excluded.stripe_total_cents,
            items = coalesce(excluded.items, stripe_invoices.items),
            completed_at = coalesce(stripe_invoices.completed_at, excluded.completed_at)
        """,
        {**values, "now": now},
    )


def record_stripe_sync_error(
    con: duckdb.DuckDBPyConnection, invoice_id: str, period_start: date, message: str,
    *, now: datetime,
) -> None:
    """One failed attempt to sync an invoice; the error type is the message's prefix."""
    con.execute(
        "insert into billing.stripe_sync_errors values (?, ?, ?, ?, ?)",
        [invoice_id, period_start, now, message.split(":", 1)[0], message],
    )


def store_stripe_events(
    con: duckdb.DuckDBPyConnection, rows: Sequence[Sequence[Any]], *, via: str, now: datetime
) -> int:
    """Insert the events (event_id, event_type, created_at, stripe_invoice_id,
    invoice_id) not stored yet, in the order given; returns how many were new."""
    if not rows:
        return 0
    before = _count(con, "stripe_events")
    con.executemany(
        "insert into billing.stripe_events values (?, ?, ?, ?, ?, ?, ?) on conflict do nothing",
        [[*row, via, now] for row in rows],
    )
    return _count(con, "stripe_events") - before


def record_webhook_rejection(
    con: duckdb.DuckDBPyConnection, reason: str, payload_sha256: str, payload_bytes: int,
    *, now: datetime,
) -> None:
    """A refused webhook payload, by hash and size (never its content)."""
    con.execute(
        "insert into billing.stripe_webhook_rejections values (?, ?, ?, ?)",
        [now, reason, payload_sha256, payload_bytes],
    )
