"""The partitions of the pipeline, each defined once: months (billing periods), quarters
(executive summaries) and days (the daily platform report), all in UTC and all starting
with the first billed period, so the UI lists no month before billing started."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import dagster as dg

from dagster_project.settings import SEEDS_DIR, load_settings

# The first month the pipeline can bill, when nothing says where billing starts yet (no
# billing_start in the seeds and nothing published).
EARLIEST_PERIOD = date(2025, 1, 1)


SETTINGS_SEED = SEEDS_DIR / "settings.csv"


def _billing_start_setting(seed: Path) -> date | None:
    with seed.open(newline="") as handle:
        value = next((row["value"] for row in csv.DictReader(handle)
                      if row["key"] == "billing_start"), "").strip()
    try:
        return date.fromisoformat(f"{value}-01") if value else None
    except ValueError:  # the build's own test names a malformed setting
        return None


def _published_billing_start(path: Path) -> date | None:
    import duckdb

    if not path.exists():
        return None
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            return con.execute("select min(billing_start) from marts.dim_billing_periods"
                               ).fetchone()[0]
    except duckdb.Error:  # an older copy without the mart, or not a database
        return None


def first_billed_period(seed: Path = SETTINGS_SEED, published: Path | None = None) -> date:
    """billing_start of seeds/settings.csv; else where the last published build says
    billing starts (the first finalized period or the month of the earliest usage); else
    EARLIEST_PERIOD. Read when the code location loads: a reload picks up a new start."""
    published = published or load_settings().published_warehouse_path
    return _billing_start_setting(seed) or _published_billing_start(published) or EARLIEST_PERIOD


FIRST_PERIOD = first_billed_period()

# end_offset=1: the running month is a partition too, so asking for it is refused by the
# finalization itself with a clear reason rather than by an unknown partition key.
# Keyed YYYY-MM, as the command line and the invoices spell a month.
monthly_periods = dg.MonthlyPartitionsDefinition(
    start_date=FIRST_PERIOD.strftime("%Y-%m"), fmt="%Y-%m", timezone="UTC", end_offset=1
)

# Keyed by the quarter's first day (2026-07-01 is 2026-Q3); end_offset=1 lets the running
# quarter be reported so far, like the running month.
quarterly_periods = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1,4,7,10 *",
    start=FIRST_PERIOD.replace(month=(FIRST_PERIOD.month - 1) // 3 * 3 + 1).isoformat(),
    fmt="%Y-%m-%d", timezone="UTC", end_offset=1,
)

# Keyed by the UTC day. end_offset=1: the running day is a partition too, the day the
# files landing now are delivered for; the daily report refuses it until it has ended.
daily_periods = dg.DailyPartitionsDefinition(
    start_date=FIRST_PERIOD.isoformat(), timezone="UTC", end_offset=1
)

# The run tag Dagster sets on a run of one partition.
PARTITION_TAG = "dagster/partition"


def day_key(instant: datetime) -> str:
    """The daily partition an instant falls on (UTC)."""
    if instant.tzinfo is not None:
        instant = instant.astimezone(UTC)
    return instant.strftime("%Y-%m-%d")


def run_as_of(tags: Mapping[str, str], now: datetime | None = None) -> str | None:
    """The instant a run of a daily partition is evaluated at: the end of its day, or now
    while the day is still running; None for a run of no day (evaluated now)."""
    key = tags.get(PARTITION_TAG)
    if not key or len(key) != len("YYYY-MM-DD"):
        return None
    day_end = datetime.combine(date.fromisoformat(key) + timedelta(days=1), time())
    now = now or datetime.now(UTC).replace(tzinfo=None)
    return min(day_end, now).isoformat(sep=" ")
