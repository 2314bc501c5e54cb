"""Monthly finalization: freeze a period's draft invoices and lines (contract 4).

The frozen rows go to `billing.finalized_*`, which no dbt model writes, in one
transaction; a period is finalized once and a second call changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import duckdb

from dagster_project.lib.billing_state import freeze_period


class FinalizationRefused(Exception):
    """The period cannot be finalized now; the message says why."""


@dataclass(frozen=True)
class FinalizeResult:
    period_start: date
    already_finalized: bool
    invoices: int
    no_charge: int
    total: Decimal
    finalized_at: datetime


@dataclass(frozen=True)
class BillingStart:
    """The first billed period and where it comes from (int_billing_periods)."""

    period: date
    source: str  # setting | first_finalized_period | first_usage

    @property
    def explanation(self) -> str:
        if self.source == "setting":
            return f"billing_start = {self.period:%Y-%m} in seeds/settings.csv"
        if self.source == "first_finalized_period":
            return "billing_start is empty in seeds/settings.csv: the first finalized period"
        return ("billing_start is empty in seeds/settings.csv: the month of the earliest "
                "accepted usage event")


def period_bounds(period: str | date) -> tuple[date, date]:
    """`YYYY-MM` (or any date in the month) -> [first day, first day of next month)."""
    start = date.fromisoformat(f"{period}-01") if isinstance(period, str) else period
    start = start.replace(day=1)
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start, end


def _setting(con: duckdb.DuckDBPyConnection, key: str) -> int:
    row = con.execute("select value from reference.settings where key = ?", [key]).fetchone()
    if row is None:
        raise FinalizationRefused(f"setting {key!r} is missing from seeds/settings.csv")
    return int(row[0])


def finalize_period(
    con: duckdb.DuckDBPyConnection, period: str | date, *, now: datetime
) -> FinalizeResult:
    """Freeze the drafts of `period` as built by the latest dbt build.

    `now` is a naive UTC timestamp: the moment of finalization.
    """
    period_start, period_end = period_bounds(period)
    label = period_start.strftime("%Y-%m")
    grace_hours = _setting(con, "late_event_grace_hours")
    payment_terms_days = _setting(con, "payment_terms_days")

    closes_at = datetime.combine(period_end, datetime.min.time()) + timedelta(hours=grace_hours)
    if now < closes_at:
        raise FinalizationRefused(
            f"period {label} cannot be finalized before {closes_at:%Y-%m-%d %H:%M} UTC "
            f"(period end + {grace_hours} h for late events); it is {now:%Y-%m-%d %H:%M} UTC"
        )

    existing = con.execute(
        "select finalized_at, invoices, invoices_total from billing.finalized_periods "
        "where period_start = ?",
        [period_start],
    ).fetchone()
    if existing:
        no_charge = con.execute(
            "select count(*) from billing.finalized_invoices "
            "where period_start = ? and status = 'no_charge'",
            [period_start],
        ).fetchone()[0]
        return FinalizeResult(period_start, True, existing[1], no_charge, existing[2], existing[0])

    # Every earlier billed period must be finalized, and the drafts must have been built
    # after that: first-invoice discounts and late-usage adjustments depend on it.
    built = con.execute(
        """
        select periods.period_start, periods.is_finalized, periods.is_complete,
               finalized.period_start is not null,
               periods.billing_start, periods.billing_start_source
        from intermediate.int_billing_periods as periods
        left join billing.finalized_periods as finalized
            on periods.period_start = finalized.period_start
        where periods.period_start <= ?
        order by 1
        """,
        [period_start],
    ).fetchall()
    start = con.execute(
        "select min(billing_start), min(billing_start_source) "
        "from intermediate.int_billing_periods"
    ).fetchone()
    if start[0] is None:
        raise FinalizationRefused(
            f"period {label} has nothing to bill: no usage event has been accepted yet and "
            "billing_start in seeds/settings.csv is empty; ingest and build first"
        )
    billing_start = BillingStart(start[0], start[1])
    if period_start < billing_start.period:
        raise FinalizationRefused(
            f"period {label} is before the first billed period {billing_start.period:%Y-%m} "
            f"({billing_start.explanation}); no invoice exists for it"
        )
    if not built or built[-1][0] != period_start or not built[-1][2]:
        raise FinalizationRefused(
            f"the drafts of {label} were built before the period ended; run a build first"
        )
    if not drafts_include_all_ingested_usage(con):
        raise FinalizationRefused(
            f"landing files were ingested after the drafts of {label} were built; "
            "run a build first (the finalization includes all usage ingested until it runs)"
        )
    for earlier, finalized_at_build, _complete, finalized_now, *_ in built[:-1]:
        if not finalized_now:
            raise FinalizationRefused(
                f"period {label} cannot be finalized while {earlier:%Y-%m} is still open: "
                f"billed periods start at {billing_start.period:%Y-%m} "
                f"({billing_start.explanation}); finalize {earlier:%Y-%m} first, or set "
                "billing_start (YYYY-MM) in seeds/settings.csv to the first month to bill"
            )
        if not finalized_at_build:
            raise FinalizationRefused(
                f"the drafts of {label} were built before {earlier:%Y-%m} was finalized; "
                "run a build first"
            )

    invoices, no_charge, total = freeze_period(
        con, period_start, now=now, payment_terms_days=payment_terms_days)
    return FinalizeResult(period_start, False, invoices, no_charge, total, now)


def drafts_include_all_ingested_usage(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the last build started after the last landing file was ingested."""
    built_at, last_ingested = con.execute(
        """
        select (select max(built_at) from intermediate.int_billing_periods),
               (select max(ingested_at) from raw._files)
        """
    ).fetchone()
    return built_at is not None and (last_ingested is None or last_ingested <= built_at)


def drafts_are_current(con: duckdb.DuckDBPyConnection, pinned_as_of: str | None) -> bool:
    """The drafts need no rebuild: built with this pinned as_of, after the last ingest.

    Without a pinned as_of the drafts are never taken as current: "now" has moved on
    since they were built, and with it the future-timestamp rule.
    """
    if not pinned_as_of:
        return False
    built_as_of = con.execute(
        "select max(pinned_as_of) from intermediate.int_billing_periods"
    ).fetchone()[0]
    return built_as_of == pinned_as_of and drafts_include_all_ingested_usage(con)


def finalizable_periods(con: duckdb.DuckDBPyConnection, *, now: datetime) -> list[date]:
    """Complete, not yet finalized periods whose late-event grace has passed, oldest first."""
    grace_hours = _setting(con, "late_event_grace_hours")
    rows = con.execute(
        """
        select period_start, period_end from intermediate.int_billing_periods
        where not is_finalized order by period_start
        """
    ).fetchall()
    return [
        start for start, end in rows
        if datetime.combine(end, datetime.min.time()) + timedelta(hours=grace_hours) <= now
    ]
