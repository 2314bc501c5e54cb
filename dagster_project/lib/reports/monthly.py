"""The monthly report of each workspace: JSON (the figures) and HTML (with charts)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb

from dagster_project.lib.reports import figures as figures_module
from dagster_project.lib.reports.figures import Figures
from dagster_project.lib.reports.files import StagedFolder, safe_name, write_text_atomic
from dagster_project.lib.reports.formatting import money_plain
from dagster_project.lib.reports.periods import Period
from dagster_project.lib.reports.render import render_html
from dagster_project.lib.reports.report_charts import Chart, draw_each, write_charts

CHARTS = ("calls_by_hour", "calls_by_agent", "cost_trend")


@dataclass(frozen=True)
class WrittenReport:
    figures: Figures
    files: dict[str, Path]
    charts: dict[str, Chart]


def _decimal(value: Decimal | None) -> str | None:
    """Exact decimals (provider cost has 4 places, rates 2) as JSON strings."""
    return None if value is None else str(value)


def _number(value: Decimal | int | None) -> int | float | None:
    """Counts and seconds as JSON numbers (not money)."""
    if value is None:
        return None
    return int(value) if Decimal(value) == Decimal(value).to_integral_value() else float(value)


def report_data(f: Figures, charts: dict[str, Chart]) -> dict:
    """The monthly report as JSON-ready data. Money is a string with 2 decimals (provider
    cost with the mart's 4): JSON numbers are binary floats."""
    invoice = f.invoices[0] if f.invoices else None
    return {
        "report": "monthly",
        "workspace": {
            "workspace_id": f.workspace_id, "name": f.workspace_name, "plan": f.plan_name,
            "status": f.workspace_status, "country": f.country, "region": f.region,
        },
        "period": {"month": f.period.label, "start": f.period.start.isoformat(),
                   "end_exclusive": f.period.end.isoformat(),
                   "last_day": f.period.last_day.isoformat()},
        "summary": {
            "calls_total": f.calls_total,
            "calls_completed": f.calls_completed,
            "calls_failed": f.calls_failed,
            "success_rate_pct": _decimal(f.success_rate),
            "minutes": _decimal(f.minutes),
            "avg_duration_seconds": _decimal(f.avg_duration_seconds),
            "provider_cost_usd": _decimal(f.provider_cost),
            "revenue_usd": money_plain(f.revenue),
            "invoice": None if invoice is None else {
                "invoice_id": invoice.invoice_id,
                "invoice_number": invoice.invoice_number,
                "status": invoice.status,
                "subtotal_usd": money_plain(invoice.subtotal),
                "discount_total_usd": money_plain(invoice.discount_total),
                "tax_total_usd": money_plain(invoice.tax_total),
                "total_usd": money_plain(invoice.total),
                "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
            },
        },
        "calls": {
            "total": f.calls_in_fct_calls,
            "by_status": {k: f.by_status.get(k, 0) for k in figures_module.STATUSES},
            "by_direction": {k: f.by_direction.get(k, 0) for k in figures_module.DIRECTIONS},
            "avg_duration_seconds": _decimal(f.avg_duration_seconds),
            "longest_call_seconds": _number(f.longest_call_seconds),
            "shortest_call_seconds": _number(f.shortest_call_seconds),
            "sentiment_calls": dict(f.sentiment),
            "sentiment_pct": {k: _decimal(v) for k, v in f.sentiment_shares.items()},
            "by_hour_utc": list(f.calls_by_hour),
            "peak_hours_utc": [{"hour_utc": h, "calls": n} for h, n in f.peak_hours()],
            "by_agent": [
                {"agent_id": a.agent_id, "agent_name": a.agent_name, "calls": a.calls,
                 "completed": a.completed, "success_rate_pct": _decimal(a.success_rate),
                 "minutes": _decimal(a.minutes),
                 "avg_duration_seconds": _decimal(a.avg_duration_seconds),
                 "top_intent": a.top_intent}
                for a in f.agents
            ],
        },
        "costs": {
            "provider_cost_usd": _decimal(f.provider_cost),
            "by_resource_type": [
                {"resource_type": u.resource_type, "display_name": u.display_name,
                 "unit": u.unit, "quantity": _decimal(u.quantity),
                 "provider_cost_usd": _decimal(u.provider_cost), "events": u.events,
                 "billed_usd": money_plain(f.billed_by_resource_type.get(u.resource_type))}
                for u in f.usage_by_resource_type
            ],
            "by_provider": [
                {"provider": u.provider, "provider_cost_usd": _decimal(u.provider_cost),
                 "events": u.events}
                for u in f.usage_by_provider
            ],
            "by_resource_type_and_provider": [
                {"resource_type": u.resource_type, "provider": u.provider,
                 "quantity": _decimal(u.quantity),
                 "provider_cost_usd": _decimal(u.provider_cost), "events": u.events}
                for u in f.usage
            ],
        },
        "charts": {
            "calls_by_hour": {"file": charts["calls_by_hour"].link,
                              "data": list(f.calls_by_hour)},
            "calls_by_agent": {"file": charts["calls_by_agent"].link,
                               "data": [{"agent": a.label, "calls": a.calls} for a in f.agents]},
            "cost_trend": {"file": charts["cost_trend"].link,
                           "data": [{"date": d.day.isoformat(),
                                     "provider_cost_usd": _decimal(d.provider_cost),
                                     "revenue_usd": money_plain(d.revenue)}
                                    for d in f.days]},
        },
        "reconciliation": [
            {"check": c.name, "passed": c.passed, "left": str(c.left), "right": str(c.right)}
            for c in f.checks
        ],
    }


def write_monthly_reports(
    con: duckdb.DuckDBPyConnection, period: Period, reports_dir: Path
) -> list[WrittenReport]:
    """`<reports_dir>/monthly/YYYY-MM/<workspace_id>.json|.html` (+ charts/) for every
    workspace with calls, usage or an invoice in the month; the folder is replaced whole."""
    collected = figures_module.collect(con, period, workspaces=True)
    target = reports_dir / "monthly" / period.label
    written = []
    with StagedFolder(target) as staging:
        reports = figures_module.workspace_figures(collected)
        for f, drawn in zip(reports, draw_each(reports, CHARTS), strict=True):
            stem = safe_name(f.workspace_id)
            charts = write_charts(f, CHARTS, staging / "charts", stem, relative_to=staging,
                                  drawn=drawn)
            data = report_data(f, charts)
            write_text_atomic(staging / f"{stem}.json", json.dumps(data, indent=2) + "\n")
            write_text_atomic(staging / f"{stem}.html",
                              render_html("monthly_report.html.j2", f=f, charts=charts))
            written.append((f, stem, charts))
    return [
        WrittenReport(f, {"json": target / f"{stem}.json", "html": target / f"{stem}.html"},
                      {name: Chart(c.name, c.title, c.png, target / c.link, c.link)
                       for name, c in charts.items()})
        for f, stem, charts in written
    ]
