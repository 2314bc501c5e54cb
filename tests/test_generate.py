"""The sample-data generator: determinism, landing layout, row accounting, every kind of
bad row, duplicates, late deliveries and the shape of the data, read back with DuckDB."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dagster_project.lib.generate import (
    CALL_BAD_KINDS,
    GATEWAY_BAD_KINDS,
    SEEDS_DIR,
    USAGE_BAD_KINDS,
    GenerateConfig,
    GenerateSummary,
    generate,
)

SOURCES = ("workspaces", "agents", "usage_records", "gateway_requests", "calls")
COLUMNS = {
    "workspaces": (
        "workspace_id", "name", "status", "plan_id", "billing_email", "country", "region",
        "created_at", "cancelled_at", "markup_percentage", "usage_limit_monthly",
        "alert_threshold_percentage", "auto_pause_on_limit", "snapshot_at",
    ),
    "agents": ("agent_id", "workspace_id", "name", "status", "snapshot_at"),
    "usage_records": (
        "event_id", "workspace_id", "call_id", "resource_type", "provider", "model",
        "quantity", "unit_cost", "occurred_at",
    ),
    "gateway_requests": (
        "request_id", "organization_id", "provider", "model", "request_type",
        "input_tokens", "output_tokens", "actual_cost", "occurred_at",
    ),
    "calls": (
        "call_id", "workspace_id", "agent_id", "direction", "status", "started_at",
        "ended_at", "duration_seconds", "caller_number", "voice_provider", "sentiment",
        "intent", "latency_ms",
    ),
}
END = date(2026, 10, 10)
DAYS = 8
USAGE_PER_DAY = 4_000


def small_config(landing_dir: Path, **overrides: object) -> GenerateConfig:
    config = GenerateConfig(
        landing_dir=landing_dir, seed=7, workspaces=30, days=DAYS, end_date=END,
        usage_events_per_day=USAGE_PER_DAY, calls_per_day=400, gateway_requests_per_day=800,
        bad_row_rate=0.01, duplicate_rate=0.01, late_rate=0.01, memory_limit="1GB", threads=2,
    )
    return dataclasses.replace(config, **overrides)


def file_hashes(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*")) if path.is_file()
    }


def is_unparseable(path: Path) -> bool:
    if path.suffix != ".parquet":
        return False
    try:
        duckdb.sql(f"select count(*) from read_parquet('{path}')").fetchall()
    except duckdb.InvalidInputException:
        return True
    return False


def file_select(path: Path, columns: tuple[str, ...]) -> str:
    """Every row of one landing file as text columns, plus file, line (JSONL) and row."""
    if path.suffix == ".parquet":
        cols = ", ".join(f"cast({c} as varchar) as {c}" for c in columns)
        return (f"select {cols}, '{path}' as file, null as line, file_row_number + 1 as rn "
                f"from read_parquet('{path}', file_row_number = true)")
    if path.suffix == ".csv":
        cols = ", ".join(columns)
        return (f"select {cols}, '{path}' as file, null as line, row_number() over () as rn "
                f"from read_csv('{path}', header = true, all_varchar = true)")
    cols = ", ".join(
        f"case when json_valid(line) then json_extract_string(line, '$.{c}') end as {c}"
        for c in columns
    )
    return (f"select {cols}, '{path}' as file, line, row_number() over () as rn "
            f"from read_csv('{path}', columns = {{'line': 'varchar'}}, header = false, "
            "delim = '\\0', quote = '', escape = '', auto_detect = false)")


def landing_connection(root: Path) -> duckdb.DuckDBPyConnection:
    """A connection with one view per source over its readable files, and the seeds."""
    con = duckdb.connect()
    for source, columns in COLUMNS.items():
        files = [p for p in sorted((root / source).rglob("*"))
                 if p.is_file() and not is_unparseable(p)]
        selects = " union all ".join(file_select(p, columns) for p in files)
        con.execute(f"create view {source} as {selects}")
    for seed in ("metrics", "provider_rates", "plans", "tax_rates"):
        con.execute(f"create table {seed} as select * from read_csv("
                    f"'{SEEDS_DIR / (seed + '.csv')}', all_varchar = true, header = true)")
    return con


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerateSummary]:
    root = tmp_path_factory.mktemp("landing")
    return root, generate(small_config(root))


@pytest.fixture(scope="module")
def con(generated: tuple[Path, GenerateSummary]) -> duckdb.DuckDBPyConnection:
    return landing_connection(generated[0])


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchone()[0]


# ------------------------------------------------------------------ determinism


def test_same_config_gives_byte_identical_files(generated, tmp_path):
    root, summary = generated
    again = generate(small_config(tmp_path / "again"))
    assert again == summary
    assert file_hashes(tmp_path / "again") == file_hashes(root)


def test_rerun_into_the_same_folder_leaves_files_untouched(tmp_path):
    config = small_config(tmp_path, days=2, usage_events_per_day=500, calls_per_day=50,
                          gateway_requests_per_day=50)
    generate(config)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    generate(config)
    after = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before


def test_a_different_seed_gives_different_data(generated, tmp_path):
    root, _summary = generated
    other = file_hashes(generate_into(tmp_path, seed=8))
    mine = file_hashes(root)
    assert other.keys() == mine.keys()  # same layout
    changed = [path for path in mine if other[path] != mine[path]]
    assert set(changed) == set(mine)  # ... but every file differs


def generate_into(root: Path, **overrides: object) -> Path:
    generate(small_config(root, **overrides))
    return root


# ------------------------------------------------------------------------ layout


def test_every_source_has_day_folders_in_every_format(generated):
    root, summary = generated
    days = {f"2026-10-{d:02d}" for d in range(3, 11)}
    for source in SOURCES:
        files = [p for p in (root / source).rglob("*") if p.is_file()]
        assert {p.parent.name for p in files} == days, source
        assert {p.suffix for p in files} == {".jsonl", ".csv", ".parquet"}, source
        assert all(p.name.startswith("part-") for p in files), source
        assert summary.files[source] == len(files), source
    assert not [p for p in root.rglob(".*")]  # no temporary file left behind


def test_columns_are_exactly_the_contract_columns(generated):
    root, _summary = generated
    for source, columns in COLUMNS.items():
        for path in sorted(p for p in (root / source).rglob("*") if p.is_file()):
            if path.suffix == ".csv":
                with path.open(newline="") as handle:
                    assert tuple(next(csv.reader(handle))) == columns, path
            elif path.suffix == ".jsonl":
                first = json.loads(path.read_text().splitlines()[0])
                assert tuple(first) == columns, path
            elif not is_unparseable(path):
                schema = duckdb.sql(f"describe select * from read_parquet('{path}')").fetchall()
                assert tuple(row[0] for row in schema) == columns, path
                # numbers are DECIMAL or text, never binary floating point
                assert not {row[1] for row in schema} & {"DOUBLE", "FLOAT"}, path


def test_filters_by_format(tmp_path):
    summary = generate(small_config(tmp_path, days=3, formats=("csv",)))
    suffixes = {p.suffix for p in tmp_path.rglob("*") if p.is_file()}
    # CSV only, plus the one deliberately unparseable Parquet file
    assert suffixes == {".csv", ".parquet"}
    assert len(list(tmp_path.rglob("*.parquet"))) == 1
    assert summary.files["usage_records"] == 4


def test_invalid_config_is_refused(tmp_path):
    with pytest.raises(ValueError, match="formats"):
        generate(small_config(tmp_path, formats=("xml",)))
    with pytest.raises(ValueError, match="bad_row_rate"):
        generate(small_config(tmp_path, bad_row_rate=1.5))


# ---------------------------------------------------------------- row accounting


def test_summary_rows_equal_rows_read_back(generated, con):
    _root, summary = generated
    for source in SOURCES:
        assert scalar(con, f"select count(*) from {source}") == summary.rows[source], source
    assert summary.bad_rows["workspaces"] == summary.bad_rows["agents"] == 0
    # every generated usage event is written once, plus its re-deliveries
    assert summary.rows["usage_records"] == USAGE_PER_DAY * DAYS + summary.duplicate_rows[
        "usage_records"]
    assert summary.rows["calls"] == 400 * DAYS + summary.duplicate_rows["calls"]
    assert summary.rows["gateway_requests"] == 800 * DAYS + summary.duplicate_rows[
        "gateway_requests"]


def test_one_whole_file_cannot_be_parsed(generated):
    root, _summary = generated
    broken = [p for p in root.rglob("*") if p.is_file() and is_unparseable(p)]
    assert [p.relative_to(root).as_posix() for p in broken] == [
        "usage_records/2026-10-07/part-0002.parquet"
    ]


def test_rows_per_file_splits_days_into_parts_with_the_same_rows(generated, tmp_path):
    root, summary = generated
    split = generate(small_config(tmp_path, rows_per_file=1_000))
    assert split.rows == summary.rows
    assert split.bad_rows == summary.bad_rows
    assert split.duplicate_rows == summary.duplicate_rows
    day = sorted(p.name for p in (tmp_path / "usage_records" / "2026-10-06").iterdir())
    assert len(day) == 6
    split_con = landing_connection(tmp_path)
    for source in ("usage_records", "calls"):
        per_file = split_con.execute(
            f"select file, count(*) from {source} group by file").fetchall()
        assert max(count for _file, count in per_file) <= 1_000
    # the same good rows (bad-row kinds rotate per file format, so the bad rows differ;
    # JSON numbers come back without trailing zeros: compare values)
    key = ("event_id, workspace_id, call_id, resource_type, provider, model, "
           "try_cast(quantity as decimal(24, 6)), try_cast(unit_cost as decimal(24, 12)), "
           "try_cast(occurred_at as timestamptz)")
    good = "not (" + " or ".join(f"coalesce({c}, false)" for c in USAGE_RULES.values()) + ")"
    original = landing_connection(root)
    rows = [sorted(c.execute(f"select {key} from usage_records where {good}").fetchall(),
                   key=str) for c in (split_con, original)]
    assert rows[0] == rows[1]
    assert len(rows[0]) == summary.rows["usage_records"] - summary.bad_rows["usage_records"]


# ---------------------------------------------------------------------- bad rows

USAGE_RULES = {
    "invalid_json": "line is not null and not json_valid(line)",
    "missing_value": "json_valid(coalesce(line, '{}')) and (event_id is null "
    "or workspace_id is null or resource_type is null or provider is null "
    "or quantity is null or occurred_at is null)",
    "negative_quantity": "try_cast(quantity as decimal(24, 6)) < 0",
    "unknown_resource_type": "resource_type not in (select resource_type from metrics)",
    "invalid_timestamp": "occurred_at is not null and try_cast(occurred_at as timestamptz) "
    "is null",
    "invalid_number": "quantity is not null and try_cast(quantity as decimal(24, 6)) is null",
    "unknown_workspace": "workspace_id not in (select workspace_id from workspaces)",
    "future_timestamp": "try_cast(occurred_at as timestamptz) > timestamptz '2026-10-12 00:00Z'",
    "no_rate": "unit_cost is null and (provider, resource_type) not in "
    "(select (provider, resource_type) from provider_rates)",
}
GATEWAY_RULES = {
    "invalid_json": USAGE_RULES["invalid_json"],
    "missing_value": "json_valid(coalesce(line, '{}')) and (request_id is null "
    "or organization_id is null or provider is null or model is null "
    "or input_tokens is null or output_tokens is null or occurred_at is null)",
    "negative_quantity": "try_cast(input_tokens as bigint) < 0",
    "invalid_number": "input_tokens is not null and try_cast(input_tokens as bigint) is null",
    "invalid_timestamp": USAGE_RULES["invalid_timestamp"],
    "unknown_workspace": "organization_id not in (select workspace_id from workspaces)",
    "future_timestamp": USAGE_RULES["future_timestamp"],
    "no_rate": "actual_cost is null and (provider, 'llm_tokens') not in "
    "(select (provider, resource_type) from provider_rates)",
}
CALL_RULES = {
    "invalid_json": USAGE_RULES["invalid_json"],
    "missing_value": "json_valid(coalesce(line, '{}')) and (call_id is null "
    "or workspace_id is null or started_at is null)",
    "invalid_timestamp": "started_at is not null and try_cast(started_at as timestamptz) "
    "is null",
    "invalid_number": "(duration_seconds is not null and try_cast(duration_seconds as bigint) "
    "is null) or (latency_ms is not null and try_cast(latency_ms as bigint) is null)",
    "negative_quantity": "try_cast(duration_seconds as bigint) < 0",
    "unknown_workspace": "workspace_id not in (select workspace_id from workspaces)",
    "future_timestamp": "try_cast(started_at as timestamptz) > timestamptz '2026-10-12 00:00Z'",
}


# Rows breaking each rule. The rules overlap (an unknown_resource_type or invalid_json
# usage row has no rate either), so the counts add up to more than the bad rows.
RULE_COUNTS = {
    "usage_records": {
        "invalid_json": 14, "missing_value": 39, "negative_quantity": 39,
        "unknown_resource_type": 38, "invalid_timestamp": 38, "invalid_number": 38,
        "unknown_workspace": 38, "future_timestamp": 38, "no_rate": 94,
    },
    "gateway_requests": {
        "invalid_json": 2, "missing_value": 10, "negative_quantity": 10, "invalid_number": 9,
        "invalid_timestamp": 9, "unknown_workspace": 8, "future_timestamp": 8, "no_rate": 10,
    },
    "calls": {
        "invalid_json": 1, "missing_value": 6, "invalid_timestamp": 6, "invalid_number": 6,
        "negative_quantity": 5, "unknown_workspace": 4, "future_timestamp": 4,
    },
}


@pytest.mark.parametrize(
    ("source", "rules", "kinds"),
    [
        ("usage_records", USAGE_RULES, USAGE_BAD_KINDS),
        ("gateway_requests", GATEWAY_RULES, GATEWAY_BAD_KINDS),
        ("calls", CALL_RULES, CALL_BAD_KINDS),
    ],
)
def test_every_kind_of_bad_row_is_present_and_counted(generated, con, source, rules, kinds):
    _root, summary = generated
    assert set(rules) == set(kinds)
    key = COLUMNS[source][0]
    counts = {kind: scalar(con, f"select count(*) from {source} where {condition}")
              for kind, condition in rules.items()}
    assert counts == RULE_COUNTS[source]
    # the rows breaking any rule are exactly the bad rows the summary reports
    any_rule = " or ".join(f"coalesce({c}, false)" for c in rules.values())
    assert scalar(con, f"select count(*) from {source} where {any_rule}") == summary.bad_rows[
        source]
    # a bad row is never re-delivered: its key occurs once
    assert scalar(con, f"""
        select count(*) from (
            select {key} from {source}
            where {key} in (select {key} from {source} where {any_rule})
            group by {key} having count(*) > 1)
    """) == 0


def test_bad_row_values_are_the_documented_ones(con):
    rows = con.execute("""
        select distinct resource_type from usage_records
        where resource_type not in (select resource_type from metrics)
    """).fetchall()
    assert rows == [("video_minutes",)]
    assert sorted(r[0] for r in con.execute(
        "select distinct quantity from usage_records "
        "where try_cast(quantity as decimal(24, 6)) is null and quantity is not null"
    ).fetchall()) == ["12,5", "abc"]
    assert con.execute("""
        select distinct provider, resource_type, model, unit_cost from usage_records
        where (provider, resource_type) not in (select (provider, resource_type)
                                                from provider_rates)
          and resource_type in (select resource_type from metrics) and provider is not null
    """).fetchall() == [("vonage", "call_minutes", None, None)]
    unknown = con.execute("""
        select distinct workspace_id from usage_records
        where workspace_id not in (select workspace_id from workspaces)
    """).fetchall()
    assert len(unknown) == 22 and all(w.startswith("ws_unknown_") for (w,) in unknown)
    bad_ts = [r[0] for r in con.execute(
        "select occurred_at from usage_records where occurred_at is not null "
        "and try_cast(occurred_at as timestamptz) is null").fetchall()]
    assert sum(t.endswith("T25:61:00Z") for t in bad_ts) == 19
    assert sum("/" in t for t in bad_ts) == 19
    # future timestamps are 30 days after the end date
    assert scalar(con, """
        select min(try_cast(occurred_at as timestamptz) at time zone 'UTC')::date
        from usage_records
        where try_cast(occurred_at as timestamptz) > timestamptz '2026-10-12 00:00Z'
    """) == date(2026, 11, 9)


def test_good_rows_find_a_rate_and_a_workspace(con):
    # usage rows without unit_cost that are not bad rows find a rate-book row
    assert scalar(con, """
        select count(*) from usage_records u
        where unit_cost is null and workspace_id in (select workspace_id from workspaces)
          and resource_type in (select resource_type from metrics)
          and not exists (select 1 from provider_rates r
                          where r.provider = u.provider and r.resource_type = u.resource_type
                            and (r.model is null or r.model = u.model))
          and provider <> 'vonage'
    """) == 0
    assert scalar(con, "select count(*) from usage_records where unit_cost is not null") == 3085
    assert scalar(con, """
        select count(*) from gateway_requests g
        where (provider, model) not in (select (provider, model) from provider_rates
                                        where resource_type = 'llm_tokens')
          and provider <> 'mistral' and model is not null
    """) == 0


# ------------------------------------------------------ duplicates and late rows


@pytest.mark.parametrize(
    ("source", "key", "duplicates"),
    [("usage_records", "event_id", 250), ("gateway_requests", "request_id", 56),
     ("calls", "call_id", 16)],
)
def test_duplicates_are_redelivered_in_a_later_file(generated, con, source, key, duplicates):
    _root, summary = generated
    assert summary.duplicate_rows[source] == duplicates
    # (a JSONL line that is not JSON has no key)
    assert scalar(con, f"select count({key}) - count(distinct {key}) from {source}") == (
        summary.duplicate_rows[source])
    pairs = con.execute(f"""
        select min(file), max(file), count(*) from {source} where {key} is not null
        group by {key} having count(*) > 1
    """).fetchall()
    assert len(pairs) == summary.duplicate_rows[source]
    # two copies, in two files of two different day folders
    assert all(n == 2 and Path(a).parent.name < Path(b).parent.name for a, b, n in pairs)


def test_usage_duplicates_are_identical(con):
    # compared as values: a JSON number comes back without its trailing zeros
    columns = ", ".join(
        f"try_cast({c} as decimal(24, 12))" if c in ("quantity", "unit_cost") else c
        for c in COLUMNS["usage_records"])
    assert scalar(con, f"""
        select count(*) from (
            select event_id from usage_records where event_id in (
                select event_id from usage_records group by 1 having count(*) > 1)
            group by event_id having count(distinct ({columns})) > 1)
    """) == 0


def test_some_calls_are_first_delivered_in_progress_then_final(con):
    assert scalar(con, """
        select count(*) from calls first join calls final using (call_id)
        where first.file < final.file and first.status = 'in_progress'
          and final.status = 'completed' and first.ended_at is null
          and final.ended_at is not null
    """) == 5


def test_late_usage_rows_arrive_in_a_later_day_folder(con):
    late = con.execute("""
        select date_diff('day', (try_cast(occurred_at as timestamptz) at time zone 'UTC')::date,
                         cast(regexp_extract(file, '(\\d{4}-\\d{2}-\\d{2})/', 1) as date)) lag
        from usage_records
        where event_id in (select event_id from usage_records group by 1 having count(*) = 1)
          and try_cast(occurred_at as timestamptz) < timestamptz '2026-10-12 00:00Z'
    """).fetchall()
    lags = [lag for (lag,) in late if lag]
    assert len(lags) == 152 and min(lags) >= 1 and max(lags) <= 5
    # ... and only a small share (late_rate 1 %)
    assert 0.002 < len(lags) / len(late) < 0.03


# ----------------------------------------------------------------- data shape


def test_workspace_sizes_are_heavy_tailed(con):
    shares = [r[0] for r in con.execute("""
        select count(*) / sum(count(*)) over () from usage_records
        where workspace_id like 'ws_0%' group by workspace_id order by 1 desc
    """).fetchall()]
    assert sum(shares[:3]) > 0.5  # three workspaces produce most events
    assert shares[-1] < 0.01


def test_weekly_and_daily_rhythm(con):
    by_day = dict(con.execute("""
        select regexp_extract(event_id, 'evt_(\\d{8})_', 1), count(*) from usage_records
        group by 1
    """).fetchall())
    weekend = (by_day["20261003"] + by_day["20261004"]) / 2  # Saturday, Sunday
    weekdays = sum(by_day[d] for d in ("20261006", "20261007", "20261008")) / 3
    assert weekend < 0.75 * weekdays
    by_hour = dict(con.execute("""
        select hour(try_cast(occurred_at as timestamptz) at time zone 'UTC'), count(*)
        from usage_records where try_cast(occurred_at as timestamptz) is not null group by 1
    """).fetchall())
    assert by_hour[15] > 3 * by_hour[2]


def test_timestamps_come_in_every_shape(con):
    shapes = dict(con.execute("""
        select case when occurred_at like '%Z' then 'utc'
                    when regexp_matches(occurred_at, '[+-]\\d\\d:\\d\\d$') then 'offset'
                    when regexp_matches(occurred_at, '^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d$')
                        then 'naive'
                    else 'other' end, count(*)
        from usage_records group by 1
    """).fetchall())
    # mostly UTC 'Z', then with an offset, then without; other: bad rows' invalid or empty values
    assert shapes == {"utc": 25195, "offset": 3747, "naive": 3266, "other": 42}


def test_workspace_lifecycle_and_settings(con):
    # plans: mostly free and pro, every plan present
    plans = dict(con.execute("""
        select plan_id, count(distinct workspace_id) from workspaces group by 1
    """).fetchall())
    assert plans == {"free": 17, "pro": 14, "business": 3, "enterprise": 1}
    assert plans["free"] + plans["pro"] > plans["business"] + plans["enterprise"]
    assert scalar(con, """
        select count(*) from (select workspace_id from workspaces group by 1
                              having count(distinct plan_id) > 1)
    """) == 5
    assert scalar(con, """
        select count(*) from workspaces where status = 'cancelled' and cancelled_at is not null
    """) == 7
    assert scalar(con, """
        select count(distinct workspace_id) from workspaces
        where try_cast(created_at as timestamptz) >= timestamptz '2026-10-03 00:00Z'
    """) == 7
    settings = {"markup_percentage": 15, "usage_limit_monthly": 63,
                "alert_threshold_percentage": 41}
    for column, rows in settings.items():
        assert scalar(con, f"select count(*) from workspaces where {column} is not null") == rows
    assert scalar(con, "select count(*) from workspaces where auto_pause_on_limit = 'true'") == 22
    countries = {r[0] for r in con.execute("select distinct country from workspaces").fetchall()}
    tax = {r[0] for r in con.execute("select distinct country from tax_rates").fetchall()}
    assert countries <= tax | {"BR", "SG"}


def test_agents_and_calls(con):
    con.execute("create or replace temp view parsed_calls as select * from calls "
                "where line is null or json_valid(line)")
    assert scalar(con, """
        select max(n) from (select workspace_id, count(distinct agent_id) n from agents
                            group by 1)
    """) == 5
    statuses = {r[0] for r in con.execute("select distinct status from agents").fetchall()}
    assert statuses == {"live", "paused", "archived"}
    def values(column: str) -> set[object]:
        rows = con.execute(f"select distinct {column} from parsed_calls").fetchall()
        return {row[0] for row in rows}

    assert values("direction") == {"inbound", "outbound"}
    assert values("status") == {"completed", "failed", "busy", "no_answer", "in_progress"}
    assert values("sentiment") == {"positive", "neutral", "negative", None}
    assert values("voice_provider") <= {"twilio", "telnyx"}
    assert scalar(con, """
        select count(*) from parsed_calls
        where not regexp_full_match(caller_number, '\\+\\d{10,12}')
    """) == 0
    # call agents belong to the call's workspace
    assert scalar(con, """
        select count(*) from calls c where workspace_id like 'ws_0%'
          and agent_id not in (select agent_id from agents a
                               where a.workspace_id = c.workspace_id)
    """) == 0
    # call-linked usage refers to a call of the same workspace (bad rows aside)
    linked, matching = con.execute("""
        select count(*), count(*) filter (where exists (
            select 1 from calls c where c.call_id = u.call_id
              and c.workspace_id = u.workspace_id))
        from usage_records u where call_id is not null
    """).fetchone()
    assert (linked, matching) == (25626, 25531) and matching / linked > 0.98
