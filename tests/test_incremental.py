"""Incremental builds: three months of generated landing data (duplicates, re-deliveries
months apart, late rows, bad rows) arrive one delivery day at a time; the warehouse built
from them day by day equals one full refresh, mart for mart and invoice for invoice, and
a daily run re-reads only what is new.

Day by day, each day's files are ingested (the daily partition's ingestion) and the
models that keep state between builds, the incremental ones and what they read, are
built as of the day's end, in one dbt process for the whole test (the other models are
recomputed from them by every full build). On 2026-10-01 and on the last day the whole daily
partition run does it; on the 1st of a month the previous month is then finalized, as the
01:00 schedule's chain does.
At each of those points, and at the end, the warehouse is also built with --full-refresh
from the same raw layer (and the same month finalized from it); then the day-by-day
warehouse is put back and goes on.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from dagster_project import cli
from dagster_project.lib.billing_state import ensure_billing_state
from dagster_project.lib.dbt_args import pinned_as_of
from dagster_project.lib.generate import GenerateConfig, generate
from dagster_project.lib.landing import SOURCES, ingest_source
from dagster_project.lib.publish import BUILD_TABLE
from dagster_project.settings import DBT_PROFILES_DIR, DBT_PROJECT_DIR, load_settings
from tests.conftest import make_pipeline

FIRST_DAY, LAST_DAY = date(2026, 8, 1), date(2026, 10, 31)
# the day checked for what a daily run reads: the warehouse then holds 61 days
CHECKED_DAY = date(2026, 10, 1)
# (the day whose partition run precedes the finalization, the month finalized)
FINALIZATIONS = {date(2026, 9, 1): "2026-08", date(2026, 10, 1): "2026-09"}
STATE_TABLES = ("finalized_periods", "finalized_invoices", "finalized_invoice_lines")


def end_of(day: date) -> str:
    return datetime.combine(day + timedelta(days=1), time()).isoformat(sep=" ")


def build_config(as_of: str, full_refresh: bool = False) -> dict:
    return {"ops": {"warehouse_dbt_assets": {
        "config": {"as_of": as_of, "full_refresh": full_refresh}}}}


def finalize(period: str, as_of: str) -> None:
    assert cli.run_job("finalize_invoices_job", {"ops": {"billing__invoice_finalization": {
        "config": {"as_of": as_of}}}}, partition_key=period)


class Dbt:
    """One dbt, parsed once, for the day-by-day builds (a daily run is a process of its
    own; these steps stand for the part of it that carries state from day to day)."""

    def __init__(self, target: Path):
        from dbt.cli.main import dbtRunner

        self.options = ["--project-dir", str(DBT_PROJECT_DIR),
                        "--profiles-dir", str(DBT_PROFILES_DIR), "--target-path", str(target)]
        parsed = dbtRunner().invoke(["parse", "--quiet", *self.options])
        assert parsed.success, parsed.exception
        self.runner = dbtRunner(manifest=parsed.result)

    def __call__(self, as_of: str, *args: str) -> None:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager

        from dbt import tracking

        if tracking.active_user is not None:  # each invocation starts now, as a process would
            tracking.active_user.run_started_at = datetime.now(UTC)
        with pinned_as_of(as_of):
            result = self.runner.invoke([*args, "--quiet", *self.options])
        # dbt-duckdb keeps the database open in the process for the next invocation;
        # the runs of the pipeline open the file themselves
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None
        assert result.success, result.exception

    def state_models(self, as_of: str) -> None:
        """The models that keep state between builds, and the tables they read."""
        self(as_of, "run", "--select", "+config.materialized:incremental",
             "--exclude", "config.materialized:view")


def ingest_through(warehouse: Path, landing: Path, day: date) -> None:
    with duckdb.connect(str(warehouse)) as con:
        for source in SOURCES:
            ingest_source(con, landing, source, through=day)
        # what the dbt asset does before each build: the billing state the models read
        ensure_billing_state(con)


def watermarks(warehouse: Path) -> SimpleNamespace:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        one = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        return SimpleNamespace(
            last_file=one("select max(file_id) from raw._files"),
            usage_daily_file=one("select max(last_file_id) from intermediate.int_usage_daily"),
            usage_days=one("select count(distinct usage_date) from intermediate.int_usage_daily"),
            validated=one("select count(*) from intermediate.int_usage_records_validated")
            + one("select count(*) from intermediate.int_gateway_requests_validated"),
            # every column, built_at among them, last_file_id last
            daily_rows=set(con.execute(
                "select * exclude (last_file_id), last_file_id "
                "from intermediate.int_usage_daily").fetchall()),
        )


def tables(path: Path, schemas: tuple[str, ...]) -> dict[str, set[tuple] | int]:
    """Every table of the schemas: its rows, and how many there are (duplicates count)."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = [f"{s}.{t}" for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where list_contains(?, table_schema) order by 1, 2", [list(schemas)]).fetchall()]
        found: dict[str, set[tuple] | int] = {}
        for name in names:
            if name == BUILD_TABLE:
                continue
            rows = con.execute(f"select * from {name}").fetchall()
            found[name], found[f"{name} rows"] = set(rows), len(rows)
        return found


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("incremental")
    with pytest.MonkeyPatch.context() as monkeypatch:
        p = make_pipeline(root / "daily", monkeypatch)
        generate(GenerateConfig(
            landing_dir=p.landing_dir, seed=7, workspaces=6,
            days=(LAST_DAY - FIRST_DAY).days + 1, end_date=LAST_DAY,
            usage_events_per_day=150, calls_per_day=30, gateway_requests_per_day=60,
            bad_row_rate=0.01, duplicate_rate=0.02, late_rate=0.03,
        ))
        # a copy of an event delivered two months after the first: still a duplicate
        later = p.landing_dir / "usage_records" / "2026-10-15" / "redelivered.jsonl"
        first = sorted((p.landing_dir / "usage_records").glob("2026-08-*/*.jsonl"))[0]
        later.write_text(first.read_text().splitlines()[0] + "\n")

        s, dbt = SimpleNamespace(p=p, points={}), Dbt(root / "dbt_target")
        day = FIRST_DAY
        while day <= LAST_DAY:
            if day == FIRST_DAY:
                ingest_through(p.warehouse_path, p.landing_dir, day)
                dbt(end_of(day), "seed")
                dbt(end_of(day), "run")
            elif day in (CHECKED_DAY, LAST_DAY):
                # the day's partition run
                before = watermarks(p.warehouse_path)
                assert cli.run_job("daily_pipeline_job", build_config(end_of(day)),
                                   partition_key=day.isoformat())
                after = watermarks(p.warehouse_path)
                if day == CHECKED_DAY:
                    s.checked = before, after, *new_rows(p.warehouse_path, before, after)
            elif day in FINALIZATIONS:
                ingest_through(p.warehouse_path, p.landing_dir, day)
                dbt(end_of(day), "run")
            else:
                ingest_through(p.warehouse_path, p.landing_dir, day)
                dbt.state_models(end_of(day))
            if day in (*FINALIZATIONS, LAST_DAY):
                s.points[day] = rebuilt_in_full(p.warehouse_path, dbt, day)
            if day in FINALIZATIONS:
                # the finalization the 01:00 build starts (the rebuild after it is left
                # to the next build)
                finalize(FINALIZATIONS[day], end_of(day))
                s.points[day]["daily_state"] = tables(p.warehouse_path, ("billing",))
            day += timedelta(days=1)
        s.published = tables(load_settings().published_warehouse_path, ("marts", "reference"))
        s.duplicates_removed = p.scalar(
            "select sum(duplicates_removed) from marts.ingestion_row_counts")
    return s


def rebuilt_in_full(warehouse: Path, dbt: Dbt, day: date) -> dict:
    """The marts of the warehouse as built day by day, and as one full refresh of the same
    raw layer gives them, with the invoices it finalizes; then the day-by-day warehouse
    is put back as it was."""
    kept = warehouse.with_name("day_by_day.duckdb")
    shutil.copyfile(warehouse, kept)
    point = {"daily": tables(warehouse, ("marts", "reference"))}
    dbt(end_of(day), "run", "--full-refresh")
    point["full"] = tables(warehouse, ("marts", "reference"))
    if day in FINALIZATIONS:
        finalize(FINALIZATIONS[day], end_of(day))
        point["full_state"] = tables(warehouse, ("billing",))
    os.replace(kept, warehouse)
    return point


def new_rows(warehouse: Path, before: SimpleNamespace, after: SimpleNamespace):
    """The usage and gateway rows of the files the run loaded, and the days of the
    events accepted from them."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            """
            select count(*) from (select _file_id from raw.usage_records union all
                                  select _file_id from raw.gateway_requests)
            where _file_id > ? and _file_id <= ?
            """, [before.last_file, after.last_file]).fetchone()[0]
        days = {d for (d,) in con.execute(
            """
            select distinct cast(occurred_at as date) from intermediate.int_usage_events_unioned
            where file_id > ? and file_id <= ?
            """, [before.last_file, after.last_file]).fetchall()}
    return rows, days


def test_day_by_day_equals_one_full_refresh_on_every_published_mart(built):
    assert sorted(built.points) == [*FINALIZATIONS, LAST_DAY]
    for day, point in built.points.items():
        assert sorted(point["daily"]) == sorted(point["full"])
        different = [name for name in point["full"] if point["daily"][name] != point["full"][name]]
        assert different == [], day
    last = built.points[LAST_DAY]["full"]
    assert len(last) == 2 * 25  # every table of marts and reference, and its row count
    assert built.published == last
    # what was compared: some of every kind of row
    assert last["marts.fct_invoices rows"] > 12 and last["marts.quarantine rows"] > 100
    assert {row[6] for row in last["marts.quarantine"]} >= {
        "future_timestamp", "unknown_workspace", "invalid_json", "no_rate"}
    assert built.duplicates_removed > 20


def test_invoices_finalized_day_by_day_equal_those_of_the_full_rebuilds(built):
    for day in FINALIZATIONS:
        daily, full = built.points[day]["daily_state"], built.points[day]["full_state"]
        for table in STATE_TABLES:
            name = f"billing.{table}"
            assert (daily[f"{name} rows"], daily[name]) == (full[f"{name} rows"], full[name])
    finalized = built.points[date(2026, 10, 1)]["daily_state"]
    assert {row[0] for row in finalized["billing.finalized_periods"]} == {
        date(2026, 8, 1), date(2026, 9, 1)}


def test_a_daily_run_reads_only_the_new_days_rows_and_the_days_its_late_rows_touch(built):
    before, after, new_day_rows, new_event_days = built.checked
    assert before.usage_days == 61  # the warehouse holds 2026-08-01 .. 2026-09-30
    # validation took each row of the new files once, and no row of an older file
    assert after.validated - before.validated == new_day_rows > 0
    # re-aggregated: exactly the days the new files' events fall on, the new day and a
    # few days before it (the late rows); every other day's rows are as they were
    rebuilt = {row[1] for row in after.daily_rows if row[-1] > before.usage_daily_file}
    assert rebuilt == new_event_days
    assert CHECKED_DAY in rebuilt and len(rebuilt) >= 2
    assert min(rebuilt) >= CHECKED_DAY - timedelta(days=5)
    kept = {row for row in after.daily_rows if row[1] not in rebuilt}
    assert kept == {row for row in before.daily_rows if row[1] not in rebuilt}
