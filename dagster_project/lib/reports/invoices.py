"""Invoice documents: one HTML page per finalized invoice of a month, every amount
exactly as in marts.fct_invoices / fct_invoice_lines (Decimal, 2 decimals)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from dagster_project.lib.reports.files import safe_name, write_text_atomic
from dagster_project.lib.reports.periods import Period
from dagster_project.lib.reports.render import render_html

INVOICES_SQL = """
    select
        invoices.invoice_id, invoices.invoice_number, invoices.workspace_id,
        invoices.period_start, invoices.period_end, invoices.status,
        invoices.subtotal, invoices.discount_total, invoices.tax_total, invoices.total,
        invoices.currency, invoices.finalized_at, invoices.due_date,
        workspaces.workspace_name, workspaces.billing_email, workspaces.country,
        workspaces.region
    from marts.fct_invoices as invoices
    left join marts.dim_workspaces as workspaces
        on invoices.workspace_id = workspaces.workspace_id
    where invoices.period_start = ? and invoices.invoice_number is not null
    order by invoices.invoice_number
"""

LINES_SQL = """
    select
        lines.invoice_id, lines.line_id, lines.line_type, lines.resource_type,
        lines.description, lines.quantity, lines.unit_amount, lines.amount,
        metrics.unit
    from marts.fct_invoice_lines as lines
    inner join marts.fct_invoices as invoices
        on lines.invoice_id = invoices.invoice_id
    left join reference.metrics as metrics
        on lines.resource_type = metrics.resource_type
    where invoices.period_start = ? and invoices.invoice_number is not null
    order by lines.invoice_id, lines.line_number
"""

# The usage of each invoiced workspace in the month, by resource type, provider and model.
BREAKDOWN_SQL = """
    select
        usage.workspace_id, usage.resource_type, usage.provider,
        coalesce(usage.model, '') as model,
        sum(usage.quantity) as quantity, sum(usage.events) as events
    from marts.fct_usage_daily as usage
    inner join marts.fct_invoices as invoices
        on usage.workspace_id = invoices.workspace_id
        and invoices.period_start = ?
        and invoices.invoice_number is not null
    where usage.usage_date >= ? and usage.usage_date < ?
    group by all
    order by usage.workspace_id, usage.resource_type, quantity desc, usage.provider, model
"""


@dataclass(frozen=True)
class UsageSplit:
    provider: str
    model: str
    quantity: Decimal
    events: int


@dataclass
class InvoiceLine:
    line_id: str
    line_type: str
    resource_type: str | None
    description: str
    quantity: Decimal | None
    unit_amount: Decimal | None
    amount: Decimal
    unit: str | None
    breakdown: list[UsageSplit] = field(default_factory=list)

    @property
    def late_quantity(self) -> Decimal:
        """Usage of the month that arrived after the finalization (billed later)."""
        if self.line_type != "usage" or self.quantity is None or not self.breakdown:
            return Decimal(0)
        return sum((s.quantity for s in self.breakdown), Decimal(0)) - self.quantity


@dataclass
class InvoiceDocument:
    invoice_id: str
    invoice_number: str
    workspace_id: str
    period_start: date
    period_end: date
    status: str
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    total: Decimal
    currency: str
    finalized_at: datetime
    due_date: date
    workspace_name: str | None
    billing_email: str | None
    country: str | None
    region: str | None
    lines: list[InvoiceLine] = field(default_factory=list)

    @property
    def period_last_day(self) -> date:
        return date.fromordinal(self.period_end.toordinal() - 1)

    @property
    def payment_terms_days(self) -> int:
        return (self.due_date - self.finalized_at.date()).days

    def lines_of(self, *line_types: str) -> list[InvoiceLine]:
        return [line for line in self.lines if line.line_type in line_types]


def load_invoice_documents(con: duckdb.DuckDBPyConnection, period: Period) -> list[InvoiceDocument]:
    """The finalized invoices of the month with their lines and usage breakdown."""
    columns = [f.name for f in InvoiceDocument.__dataclass_fields__.values()][:-1]
    documents = {
        row[0]: InvoiceDocument(**dict(zip(columns, row, strict=True)))
        for row in con.execute(INVOICES_SQL, [period.start]).fetchall()
    }
    splits: dict[tuple[str, str], list[UsageSplit]] = defaultdict(list)
    for workspace_id, resource_type, provider, model, quantity, events in con.execute(
        BREAKDOWN_SQL, [period.start, period.start, period.end]
    ).fetchall():
        splits[(workspace_id, resource_type)].append(
            UsageSplit(provider, model, quantity, events)
        )
    for invoice_id, *values in con.execute(LINES_SQL, [period.start]).fetchall():
        document = documents[invoice_id]
        line = InvoiceLine(*values)
        if line.line_type == "usage":
            line.breakdown = splits.get((document.workspace_id, line.resource_type), [])
        document.lines.append(line)
    return list(documents.values())


def render_invoice(document: InvoiceDocument) -> str:
    return render_html("invoice.html.j2", invoice=document)


def write_invoice_documents(
    con: duckdb.DuckDBPyConnection, period: Period, reports_dir: Path
) -> list[tuple[InvoiceDocument, Path]]:
    """`<reports_dir>/invoices/YYYY-MM/<invoice_number>.html` for each finalized invoice."""
    folder = reports_dir / "invoices" / period.label
    written = []
    for document in load_invoice_documents(con, period):
        path = folder / f"{safe_name(document.invoice_number)}.html"
        write_text_atomic(path, render_invoice(document))
        written.append((document, path))
    return written
