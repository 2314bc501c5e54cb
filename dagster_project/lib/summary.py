"""The run summary printed by `billing demo` / `billing summary`, from the published copy
(`marts`): the figures analysts see, read without waiting for a run."""

from __future__ import annotations

import duckdb

from dagster_project.settings import Settings


def _table(headers: list[str], rows: list[tuple]) -> str:
    cells = [headers] + [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(value.rjust(w) if n and value.replace(".", "").isdigit()
                               else value.ljust(w) for value, w in zip(row, widths, strict=True)))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def source_counts(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        """
        select source_name, rows_read, rows_accepted, rows_quarantined, duplicates_removed,
               files_loaded, files_failed,
               case when is_conserved then 'ok' else 'MISMATCH' end
        from marts.ingestion_row_counts
        order by source_name
        """
    ).fetchall()


def mart_counts(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    tables = con.execute(
        """
        select table_name from information_schema.tables
        where table_schema = 'marts' and table_name not like '\\_%' escape '\\'
        order by table_name
        """
    ).fetchall()
    return [
        (name, con.execute(f'select count(*) from marts."{name}"').fetchone()[0])
        for (name,) in tables
    ]


def billing_start_line(con: duckdb.DuckDBPyConnection) -> str:
    """Where billing starts and what usage before it is counted but never billed."""
    from dagster_project.lib.finalize import BillingStart

    row = con.execute(
        "select min(billing_start), min(billing_start_source) from marts.dim_billing_periods"
    ).fetchone()
    if row[0] is None:
        return ("Billing has not started: no usage event accepted yet and billing_start is "
                "empty in seeds/settings.csv")
    start = BillingStart(row[0], row[1])
    line = f"Billing starts with {start.period:%Y-%m} ({start.explanation})"
    events, first_day = con.execute(
        "select coalesce(sum(events), 0), min(usage_date) from marts.fct_usage_daily "
        "where usage_date < ?",
        [start.period],
    ).fetchone()
    if events:
        counted = f"{events:,} usage event" + ("s" if events != 1 else "")
        verb = "is" if events == 1 else "are"
        line += (f"; {counted} before it (from {first_day:%Y-%m-%d}) {verb} accepted and "
                 "counted in the marts, never billed")
    return line


def print_summary(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Rows per source, quarantine, billing start, invoices, alerts and marts."""
    print("\nRows per source")
    print(_table(
        ["source", "read", "accepted", "quarantined", "duplicates", "files", "bad files",
         "conserved"],
        source_counts(con),
    ))
    reasons = con.execute(
        """
        select source_name, reason, count(*) from marts.quarantine
        group by 1, 2 order by 1, 2
        """
    ).fetchall()
    print("\nQuarantine by reason")
    print(_table(["source", "reason", "rows"], reasons))
    print("\n" + billing_start_line(con))
    invoices = con.execute(
        """
        select strftime(period_start, '%Y-%m'), status, count(*), sum(total)
        from marts.fct_invoices group by 1, 2 order by 1, 2
        """
    ).fetchall()
    print("\nInvoices by period and status")
    print(_table(["period", "status", "invoices", "total USD"], invoices))
    alerts = con.execute(
        """
        select strftime(period_start, '%Y-%m'), threshold_pct, count(*)
        from marts.fct_usage_alerts group by 1, 2 order by 1, 2
        """
    ).fetchall()
    print("\nUsage-limit alerts raised")
    print(_table(["period", "threshold %", "workspaces"], alerts))
    print("\nMarts built")
    print(_table(["mart", "rows"], mart_counts(con)))
    print(f"\nwarehouse: {settings.warehouse_path}")
    print(f"published for analysts: {settings.published_warehouse_path}")


def print_stripe_status(
    con: duckdb.DuckDBPyConnection, periods: list[str] | None = None, *, each: bool = True
) -> bool:
    """Each finalized invoice of the periods (all when None) with its Stripe id and
    status, or (each=False) their count per period and status, with every invoice still
    missing from Stripe; True when none that should be in Stripe is missing from it."""
    rows = con.execute(
        """
        select strftime(invoices.period_start, '%Y-%m') as period,
               invoices.invoice_number, invoices.workspace_id, invoices.total,
               invoices.status, invoices.stripe_invoice_id,
               errors.message
        from marts.fct_invoices as invoices
        left join (
            select invoice_id, arg_max(message, attempted_at) as message
            from billing.stripe_sync_errors group by invoice_id
        ) as errors
            on invoices.invoice_id = errors.invoice_id
            and invoices.status = 'finalized'
        where invoices.invoice_number is not null
            and ($periods is null
                 or list_contains($periods, strftime(invoices.period_start, '%Y-%m')))
        order by invoices.invoice_number
        """,
        {"periods": periods},
    ).fetchall()
    missing = [row for row in rows if row[4] == "finalized"]
    print("\nInvoices in Stripe")
    if each:
        print(_table(["period", "invoice", "workspace", "total", "status", "stripe invoice",
                      "last sync error"], rows))
    else:
        counts: dict[tuple[str, str], list] = {}
        for period, _, _, total, status, *_ in rows:
            count = counts.setdefault((period, status), [period, status, 0, 0])
            count[2] += 1
            count[3] += total
        print(_table(["period", "status", "invoices", "total USD"], sorted(counts.values())))
        if missing:
            print(_table(["period", "invoice", "workspace", "total", "status",
                          "stripe invoice", "last sync error"], missing))
    if missing:
        print(f"\n{len(missing)} invoices are not in Stripe yet; run the sync again")
    return not missing
