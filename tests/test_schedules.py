"""Every schedule at fixed instants (month ends, February, a leap year): the exact runs it
asks for; the new-files sensor; all of them running by default."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.definitions import defs
from dagster_project.defs.ingestion.sensors import new_landing_files_sensor


@pytest.fixture(scope="module")
def definitions() -> dg.RepositoryDefinition:
    return defs().get_repository_def()


def _requests(definitions, name: str, at: datetime) -> list[tuple]:
    schedule = definitions.get_schedule_def(name)
    context = dg.build_schedule_context(scheduled_execution_time=at, repository_def=definitions)
    result = schedule.evaluate_tick(context)
    return [(schedule.job_name, request.partition_key, request.run_key,
             {k: v for k, v in request.tags.items() if k.startswith("billing/")})
            for request in result.run_requests]


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


SCHEDULES = {
    # name: (cron, job)
    "daily_pipeline_job_schedule": ("0 0 * * *", "daily_pipeline_job"),
    "limit_check_job_schedule": ("15 * * * *", "limit_check_job"),
    "monthly_finalization_schedule": ("0 1 1 * *", "daily_pipeline_job"),
    "stripe_payments_job_schedule": ("45 * * * *", "stripe_payments_job"),
    "monthly_reports_schedule": ("0 2 2 * *", "monthly_reports_job"),
    "quarterly_reports_schedule": ("0 3 2 1,4,7,10 *", "quarterly_reports_job"),
    "daily_platform_report_schedule": ("0 2 * * *", "daily_platform_report_job"),
}


def test_every_schedule_runs_at_its_time_in_utc(definitions):
    found = {
        s.name: (s.cron_schedule, s.job_name, s.execution_timezone)
        for s in definitions.schedule_defs
    }
    assert found == {name: (*spec, "UTC") for name, spec in SCHEDULES.items()}


def test_every_schedule_and_sensor_runs_by_default(definitions):
    schedules = {s.name: s.default_status for s in definitions.schedule_defs}
    sensors = {s.name: s.default_status for s in definitions.sensor_defs}
    assert set(schedules.values()) == {dg.DefaultScheduleStatus.RUNNING}
    assert set(sensors.values()) == {dg.DefaultSensorStatus.RUNNING}
    assert sorted(sensors) == [
        "finalize_after_monthly_build", "new_landing_files_sensor", "payments_after_sync",
        "rebuild_after_finalization", "sync_after_finalization",
    ]


@pytest.mark.parametrize(
    ("name", "instant", "expected"),
    [
        # 00:00: the day just ended, across a month end, February, a leap day, a year end
        ("daily_pipeline_job_schedule", at(2026, 12, 31, 0, 0),
         [("daily_pipeline_job", "2026-12-30", None, {})]),
        ("daily_pipeline_job_schedule", at(2026, 3, 1, 0, 0),
         [("daily_pipeline_job", "2026-02-28", None, {})]),
        ("daily_pipeline_job_schedule", at(2028, 3, 1, 0, 0),
         [("daily_pipeline_job", "2028-02-29", None, {})]),
        ("daily_pipeline_job_schedule", at(2027, 1, 1, 0, 0),
         [("daily_pipeline_job", "2026-12-31", None, {})]),
        # hourly: the running day
        ("limit_check_job_schedule", at(2028, 2, 29, 23, 15),
         [("limit_check_job", "2028-02-29", None, {})]),
        ("limit_check_job_schedule", at(2027, 1, 1, 0, 15),
         [("limit_check_job", "2027-01-01", None, {})]),
        ("stripe_payments_job_schedule", at(2026, 3, 1, 0, 45),
         [("stripe_payments_job", None, None, {})]),
        # the 1st at 01:00: a build of the running day (the month's late events delivered
        # since 00:00 included) tagged with the month before, which the sensors then
        # finalize, rebuild and push to Stripe
        ("monthly_finalization_schedule", at(2027, 1, 1, 1, 0),
         [("daily_pipeline_job", "2027-01-01", None, {"billing/finalize_period": "2026-12"})]),
        ("monthly_finalization_schedule", at(2026, 3, 1, 1, 0),
         [("daily_pipeline_job", "2026-03-01", None, {"billing/finalize_period": "2026-02"})]),
        ("monthly_finalization_schedule", at(2028, 3, 1, 1, 0),
         [("daily_pipeline_job", "2028-03-01", None, {"billing/finalize_period": "2028-02"})]),
        ("monthly_reports_schedule", at(2028, 3, 2, 2, 0),
         [("monthly_reports_job", "2028-02", "2028-02", {})]),
        ("monthly_reports_schedule", at(2027, 1, 2, 2, 0),
         [("monthly_reports_job", "2026-12", "2026-12", {})]),
        # 02:00: the day just ended, across a month end, February and a leap day
        ("daily_platform_report_schedule", at(2026, 11, 1, 2, 0),
         [("daily_platform_report_job", "2026-10-31", "2026-10-31", {})]),
        ("daily_platform_report_schedule", at(2026, 3, 1, 2, 0),
         [("daily_platform_report_job", "2026-02-28", "2026-02-28", {})]),
        ("daily_platform_report_schedule", at(2028, 3, 1, 2, 0),
         [("daily_platform_report_job", "2028-02-29", "2028-02-29", {})]),
        ("daily_platform_report_schedule", at(2027, 1, 1, 2, 0),
         [("daily_platform_report_job", "2026-12-31", "2026-12-31", {})]),
        ("quarterly_reports_schedule", at(2027, 1, 2, 3, 0),
         [("quarterly_reports_job", "2026-10-01", "2026-10-01", {})]),
        ("quarterly_reports_schedule", at(2026, 4, 2, 3, 0),
         [("quarterly_reports_job", "2026-01-01", "2026-01-01", {})]),
        ("quarterly_reports_schedule", at(2026, 7, 2, 3, 0),
         [("quarterly_reports_job", "2026-04-01", "2026-04-01", {})]),
    ],
)
def test_schedule_requests(definitions, name, instant, expected):
    assert _requests(definitions, name, instant) == expected


def _land(landing: Path, name: str, mtime: int) -> None:
    path = landing / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"event_id": "e"}\n')
    os.utime(path, (mtime, mtime))


def _tick(cursor: str | None):
    context = dg.build_sensor_context(cursor=cursor, repository_def=defs().get_repository_def())
    result = new_landing_files_sensor.evaluate_tick(context)
    return result, context.cursor


def test_new_files_sensor_asks_one_run_per_new_set_of_files(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    monkeypatch.setenv("LANDING_DIR", str(landing))
    first, skipped = _tick(None)
    assert (first.run_requests, first.skip_message) == ([], "no new landing files (0 seen)")

    _land(landing, "usage_records/2026-10-01/a.jsonl", 1_790_000_000)
    _land(landing, "calls/2026-10-01/b.jsonl", 1_790_000_000)
    _land(landing, "calls/2026-10-01/notes.txt", 1_790_000_500)  # not a data file
    one, cursor = _tick(skipped)
    [request] = one.run_requests
    assert (request.job_name, request.tags["billing/new_files"]) == (None, "2")
    # the running day's partition: the files delivered for it and every day before it
    assert request.partition_key == datetime.now(UTC).strftime("%Y-%m-%d")

    again, same = _tick(cursor)
    assert (again.run_requests, again.skip_message, same) == (
        [], "no new landing files (2 seen)", cursor)

    # a file with the same modification time as the newest seen, then a newer one
    _land(landing, "agents/2026-10-01/c.csv", 1_790_000_000)
    _land(landing, "workspaces/2026-10-02/d.parquet", 1_790_000_100)
    two, cursor = _tick(cursor)
    [second] = two.run_requests
    assert (second.tags["billing/new_files"], second.run_key != request.run_key) == ("2", True)
    assert _tick(cursor)[0].run_requests == []

    # the same set seen again from an older cursor asks for the same run (same run key),
    # which Dagster does not launch twice
    replay, _ = _tick(same)
    assert [r.run_key for r in replay.run_requests] == [second.run_key]


def test_partitions_start_with_the_first_billed_period(tmp_path: Path):
    """billing_start of the seeds, else the published copy's first billed period, else
    the earliest period: the UI lists no month before billing started."""
    import duckdb

    from dagster_project.defs.partitions import EARLIEST_PERIOD, first_billed_period

    empty_seed = tmp_path / "settings.csv"
    empty_seed.write_text("key,value\nbilling_start,\npayment_terms_days,30\n")
    published = tmp_path / "published.duckdb"
    assert first_billed_period(empty_seed, published) == EARLIEST_PERIOD == datetime(
        2025, 1, 1).date()
    with duckdb.connect(str(published)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.dim_billing_periods as select "
                    "date '2026-09-01' as period_start, date '2026-09-01' as billing_start "
                    "union all select date '2026-10-01', date '2026-09-01'")
    assert first_billed_period(empty_seed, published) == datetime(2026, 9, 1).date()
    seed = tmp_path / "set.csv"
    seed.write_text("key,value\nbilling_start,2026-07\n")
    assert first_billed_period(seed, published) == datetime(2026, 7, 1).date()
    # a copy from before the mart existed, or not a database: the earliest period
    published.write_text("not a database")
    assert first_billed_period(empty_seed, published) == EARLIEST_PERIOD
