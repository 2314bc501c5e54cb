"""The daily platform report: the platform's figures at the end of one UTC day (contract
6, `fct_platform_daily`): workspaces in total and active, calls and revenue over the 30
days to the day, MRR, churn. JSON + Markdown under $REPORTS_DIR/daily/; the figures are
checked against the marts they come from."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb

from dagster_project.lib.reports.figures import PLATFORM_SQL, Check, PlatformState
from dagster_project.lib.reports.files import write_text_atomic
from dagster_project.lib.reports.formatting import count, money, money_plain, percent


class NoFiguresForDay(ValueError):
    """The marts hold no platform figures for the day asked for."""


@dataclass(frozen=True)
class DailyPlatformReport:
    state: PlatformState
    checks: list[Check]
    files: dict[str, Path]

    def as_json(self) -> dict[str, object]:
        """Money as strings of 2 decimals (JSON numbers are binary floats)."""
        state = self.state
        return {
            "date": state.day.isoformat(),
            "workspaces_total": state.workspaces_total,
            "workspaces_active": state.workspaces_active,
            "calls_30d": state.calls_30d,
            "revenue_30d": money_plain(state.revenue_30d),
            "mrr": money_plain(state.mrr),
            "churn_rate_30d": None if state.churn_rate_30d is None else str(state.churn_rate_30d),
        }

    def markdown(self) -> str:
        state = self.state
        churn = percent(state.churn_rate_30d, 2)
        window = f"{state.day - timedelta(days=29):%Y-%m-%d} to {state.day:%Y-%m-%d}"
        return "\n".join([
            f"# Daily platform summary {state.day:%Y-%m-%d}",
            "",
            f"At the end of the day (UTC); 30 days = {window}.",
            "",
            "| figure | value |",
            "| --- | ---: |",
            f"| Total workspaces | {count(state.workspaces_total)} |",
            f"| Active workspaces | {count(state.workspaces_active)} |",
            f"| Calls (30 days) | {count(state.calls_30d)} |",
            f"| Revenue (30 days, USD, before tax) | {money(state.revenue_30d)} |",
            f"| MRR (USD) | {money(state.mrr)} |",
            f"| Churn rate (30 days) | {churn} |",
            "",
        ])


def _reconcile(con: duckdb.DuckDBPyConnection, day: date, calls: int,
               revenue: Decimal) -> list[Check]:
    """The 30-day figures again, from the marts fct_platform_daily is built from."""
    first = day - timedelta(days=29)
    calls_again = con.execute(
        "select coalesce(sum(calls_total), 0) from marts.fct_workspace_analytics_daily "
        "where date between ? and ?", [first, day],
    ).fetchone()[0]
    # a finalized invoice's revenue falls on the last day of its period
    revenue_again = con.execute(
        "select coalesce(sum(total - tax_total), 0) from marts.fct_invoices "
        "where status not in ('draft', 'void') "
        "and period_end - interval 1 day between ? and ?", [first, day],
    ).fetchone()[0]
    return [
        Check("calls_30d = calls of fct_workspace_analytics_daily", calls, calls_again),
        Check("revenue_30d = total - tax of the invoices of fct_invoices", revenue,
              Decimal(revenue_again)),
    ]


def write_daily_platform_report(con: duckdb.DuckDBPyConnection, day: date,
                                reports_dir: Path) -> DailyPlatformReport:
    # the platform's figures over the one-day period [day, day + 1)
    row = con.execute(PLATFORM_SQL, [day, day + timedelta(days=1)] * 2).fetchone()
    if row is None:
        first, last = con.execute(
            "select min(date), max(date) from marts.fct_platform_daily").fetchone()
        held = f"they hold {first} to {last}" if first else "they hold no day yet"
        raise NoFiguresForDay(f"the marts have no platform figures for {day}: {held}; run a "
                              "build after the day has ended")
    state = PlatformState(*row)
    folder = reports_dir / "daily"
    files = {"json": folder / f"{day:%Y-%m-%d}.json", "md": folder / f"{day:%Y-%m-%d}.md"}
    report = DailyPlatformReport(
        state, _reconcile(con, day, state.calls_30d, state.revenue_30d), files)
    write_text_atomic(files["json"], json.dumps(report.as_json(), indent=2) + "\n")
    write_text_atomic(files["md"], report.markdown())
    return report
