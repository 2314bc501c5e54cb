"""Payment reminders for open invoices: one `due_soon` reminder from a few days before
the due date (payment_due_soon_days in seeds/settings.csv), one `overdue` reminder once
the invoice is overdue (past due, or its payment failed), each raised once per invoice
however often the check runs, and delivered to the outbox for the application to send.
Which reminders exist and the days each is due on are the model
int_payment_reminders_due; this module raises those due today and writes the files."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from dagster_project.lib.billing_state import append_payment_reminders, mark_delivered
from dagster_project.lib.outbox import write_message


def raise_reminders(con: duckdb.DuckDBPyConnection, *, now: datetime) -> int:
    """Raise the reminders due on `now`'s day that were never raised; returns how many."""
    return append_payment_reminders(con, now=now)


def deliver_reminders(
    con: duckdb.DuckDBPyConnection, outbox_dir: Path, *, now: datetime
) -> int:
    """Write each undelivered reminder to `<outbox>/<YYYY-MM of due date>/<id>.jsonl`,
    then mark it delivered."""
    rows = con.execute(
        """
        select reminder_id, invoice_id, invoice_number, workspace_id, reminder_type,
               due_date, amount_due, raised_at
        from billing.payment_reminders where delivered_at is null order by reminder_id
        """
    ).fetchall()
    for reminder_id, invoice_id, number, workspace_id, kind, due, amount, raised in rows:
        write_message(outbox_dir / due.strftime("%Y-%m"), reminder_id, {
            "type": f"invoice_{kind}",
            "reminder_id": reminder_id,
            "invoice_id": invoice_id,
            "invoice_number": number,
            "workspace_id": workspace_id,
            "due_date": due.isoformat(),
            "amount_due": str(amount),
            "currency": "USD",
            "raised_at": raised.isoformat() + "Z",
        })
    mark_delivered(con, "payment_reminders", [row[0] for row in rows], now=now)
    return len(rows)
