"""Every bad-row kind of contract 1.2 goes to marts.quarantine with its reason, while the
good rows of the same file are accepted, and rows are conserved per source."""

from __future__ import annotations

import pytest
from dagster_duckdb import DuckDBResource

from dagster_project.defs.ingestion.assets import conservation_checks
from tests.conftest import (
    FACTORIES,
    Pipeline,
    call,
    gateway_request,
    make_pipeline,
    usage,
    workspace,
)

AS_OF = "2026-10-20T00:00:00Z"

# (case, source, file name, bad row, reason, detail)
BAD_ROWS = [
    ("missing_value", "usage_records", "missing.jsonl",
     usage("bad_missing", workspace_id=None), "missing_value", "workspace_id"),
    ("negative_quantity", "usage_records", "negative.csv",
     usage("bad_negative", quantity="-3"), "negative_quantity", "quantity"),
    ("unknown_resource_type", "usage_records", "resource.parquet",
     usage("bad_resource", resource_type="fax_pages"), "unknown_resource_type", "resource_type"),
    ("invalid_timestamp", "usage_records", "timestamp.jsonl",
     usage("bad_timestamp", occurred_at="yesterday at noon"), "invalid_timestamp", "occurred_at"),
    ("invalid_number", "usage_records", "number.csv",
     usage("bad_number", quantity="12,5"), "invalid_number", "quantity"),
    ("unknown_workspace", "usage_records", "workspace.jsonl",
     usage("bad_workspace", workspace_id="ws_ghost"), "unknown_workspace", "workspace_id"),
    ("no_rate", "usage_records", "rate.parquet",
     usage("bad_rate", provider="acme", resource_type="transcription"), "no_rate",
     "no unit_cost and no matching provider rate"),
    ("future_timestamp", "usage_records", "future.csv",
     usage("bad_future", occurred_at="2026-10-21T00:00:01Z"), "future_timestamp", "occurred_at"),
    ("gateway_invalid_number", "gateway_requests", "tokens.jsonl",
     gateway_request("bad_tokens", input_tokens="many"), "invalid_number", "input_tokens"),
    ("gateway_no_rate", "gateway_requests", "gw_rate.csv",
     gateway_request("bad_gw_rate", provider="acme"), "no_rate",
     "no actual_cost and no matching llm_tokens rate"),
    ("gateway_unknown_workspace", "gateway_requests", "gw_ws.parquet",
     gateway_request("bad_gw_ws", organization_id="ws_ghost"), "unknown_workspace",
     "organization_id"),
    ("call_invalid_value", "calls", "direction.csv",
     call("bad_direction", direction="sideways"), "invalid_value", "direction"),
    ("call_negative_duration", "calls", "duration.jsonl",
     call("bad_duration", duration_seconds="-5"), "negative_quantity", "duration_seconds"),
    ("workspace_unknown_plan", "workspaces", "plan.csv",
     workspace("bad_plan", plan_id="platinum"), "unknown_plan", "plan_id"),
    ("workspace_invalid_timestamp", "workspaces", "created.jsonl",
     workspace("bad_created", created_at="31/12/2025"), "invalid_timestamp", "created_at"),
]
ACCEPTED_MODELS = {
    "usage_records": "intermediate.int_usage_records_deduplicated",
    "gateway_requests": "intermediate.int_gateway_requests_deduplicated",
    "calls": "intermediate.int_calls_deduplicated",
    "workspaces": "intermediate.int_workspace_states",
}
GOOD_ROWS_PER_FILE = 2


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    with pytest.MonkeyPatch.context() as monkeypatch:
        p = make_pipeline(tmp_path_factory.mktemp("quarantine"), monkeypatch)
        p.write("workspaces", "ws.csv", [workspace("ws_a")])
        for case, source, name, bad_row, _reason, _detail in BAD_ROWS:
            make, _key = FACTORIES[source]
            good = [make(f"{case}_good_{n}") for n in range(GOOD_ROWS_PER_FILE)]
            p.write(source, f"{case}/{name}", [good[0], bad_row, good[1]])
        # a JSONL line that is not JSON, between two good lines
        p.write_text(
            "usage_records", "invalid_json/lines.jsonl",
            '{"event_id": "json_good_0", "workspace_id": "ws_a", "resource_type": "storage", '
            '"provider": "aws", "quantity": 1, "occurred_at": "2026-10-05"}\n'
            '{"event_id": "json_bad", "quantity": \n'
            '{"event_id": "json_good_1", "workspace_id": "ws_a", "resource_type": "storage", '
            '"provider": "aws", "quantity": 2, "occurred_at": "2026-10-05"}\n',
        )
        # a file no reader can parse
        p.write_text("usage_records", "broken/part-0001.parquet", "this is not parquet")
        # the same event delivered in two files; the first delivered copy wins
        p.write("usage_records", "dup/a-first.jsonl", [usage("evt_dup", quantity="1")])
        p.write("usage_records", "dup/b-second.csv", [usage("evt_dup", quantity="99")])
        p.run("ingest")
        p.run("build", "--as-of", AS_OF)
        yield p


@pytest.mark.parametrize(
    ("case", "source", "name", "bad_row", "reason", "detail"),
    BAD_ROWS,
    ids=[row[0] for row in BAD_ROWS],
)
def test_bad_row_is_quarantined_with_reason_and_good_rows_accepted(
    built: Pipeline, case, source, name, bad_row, reason, detail
):
    _make, key = FACTORIES[source]
    quarantined = built.query(
        """
        select q.reason, q.reason_detail, q.row_number, q.file_path, q.raw_row
        from marts.quarantine as q
        where q.source_name = ? and q.file_path = ?
        """,
        [source, f"{source}/{case}/{name}"],
    )
    assert len(quarantined) == 1
    got_reason, got_detail, row_number, _path, raw_row = quarantined[0]
    assert (got_reason, got_detail, row_number) == (reason, detail, 2)
    assert f'"{bad_row[key]}"' in raw_row

    accepted = built.query(
        f"select {key} from {ACCEPTED_MODELS[source]} where {key} like ? order by 1",
        [f"{case}_good_%"],
    )
    assert accepted == [(f"{case}_good_0",), (f"{case}_good_1",)]


def test_invalid_json_line_is_quarantined_and_neighbours_accepted(built: Pipeline):
    assert built.query(
        "select reason, row_number, raw_row from marts.quarantine "
        "where file_path = 'usage_records/invalid_json/lines.jsonl'"
    ) == [("invalid_json", 2, '{"event_id": "json_bad", "quantity": ')]
    assert built.query(
        "select event_id, quantity from intermediate.int_usage_records_deduplicated "
        "where event_id like 'json_good_%' order by 1"
    ) == [("json_good_0", 1), ("json_good_1", 2)]


def test_unparseable_file_is_quarantined_whole_and_run_goes_on(built: Pipeline):
    rows = built.query(
        "select source_name, row_number, reason, reason_detail from marts.quarantine "
        "where file_path = 'usage_records/broken/part-0001.parquet'"
    )
    assert len(rows) == 1
    source, row_number, reason, detail = rows[0]
    assert (source, row_number, reason) == ("usage_records", None, "unparseable_file")
    assert "parquet" in detail.lower()
    assert str(built.landing_dir) not in detail  # no machine paths in the message


def test_duplicate_event_in_two_files_counts_once_first_delivery_wins(built: Pipeline):
    assert built.query(
        "select event_id, quantity from intermediate.int_usage_records_deduplicated "
        "where event_id = 'evt_dup'"
    ) == [("evt_dup", 1)]
    assert built.scalar(
        "select sum(events) from marts.fct_usage_daily where workspace_id = 'ws_a' "
        "and resource_type = 'call_minutes' and usage_date = date '2026-10-05'"
    ) == 1 + GOOD_ROWS_PER_FILE * sum(
        1 for row in BAD_ROWS if row[1] == "usage_records"
    )


def test_row_counts_are_conserved_per_source(built: Pipeline):
    counts = {
        row[0]: row[1:]
        for row in built.query(
            "select source_name, rows_read, rows_accepted, rows_quarantined, duplicates_removed, "
            "files_failed from marts.ingestion_row_counts"
        )
    }
    usage_cases = sum(1 for row in BAD_ROWS if row[1] == "usage_records")
    gateway_cases = sum(1 for row in BAD_ROWS if row[1] == "gateway_requests")
    call_cases = sum(1 for row in BAD_ROWS if row[1] == "calls")
    # usage: 3 rows per case file + 3 JSONL lines + 2 copies of evt_dup
    assert counts["usage_records"] == (
        3 * usage_cases + 3 + 2, GOOD_ROWS_PER_FILE * usage_cases + 2 + 1, usage_cases + 1, 1, 1
    )
    assert counts["gateway_requests"] == (
        3 * gateway_cases, GOOD_ROWS_PER_FILE * gateway_cases, gateway_cases, 0, 0
    )
    assert counts["calls"] == (3 * call_cases, GOOD_ROWS_PER_FILE * call_cases, call_cases, 0, 0)
    for check in conservation_checks:
        result = check(duckdb=DuckDBResource(database=str(built.warehouse_path)))
        assert result.passed, result.metadata


def test_conservation_check_fails_when_a_row_is_lost(built: Pipeline, tmp_path):
    import shutil

    import duckdb

    copy = tmp_path / "lossy.duckdb"
    shutil.copy(built.warehouse_path, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "delete from intermediate.int_usage_records_validated "
            "where event_id = 'missing_value_good_0' and quarantine_reason is null "
            "and not exists (select 1 from intermediate.int_usage_records_later_copies as copies "
            "where copies.file_id = int_usage_records_validated.file_id "
            "and copies.row_number = int_usage_records_validated.row_number)"
        )
    by_name = {check.check_key.name: check for check in conservation_checks}
    lossy = DuckDBResource(database=str(copy))
    usage_result = by_name["rows_conserved_usage_records"](duckdb=lossy)
    assert not usage_result.passed
    assert usage_result.metadata["unaccounted_rows"].value == 1
    assert by_name["rows_conserved_gateway_requests"](duckdb=lossy).passed


def test_event_tests_check_what_the_build_added_against_every_accepted_key(
    built: Pipeline, tmp_path
):
    """The key and NULL tests of the accepted usage and calls, and the grain test of the
    validated usage, look at the rows of the newest build: a key it accepted again
    (already accepted by an earlier build, a call in another slice), a NULL it wrote and
    a landed row it validated again each fail their test once."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    import duckdb

    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(built.warehouse_path, copy)
    validated = "intermediate.int_usage_records_validated"
    accepted = (
        "quarantine_reason is null and not exists (select 1 from "
        "intermediate.int_usage_records_later_copies as copies "
        "where copies.file_id = int_usage_records_validated.file_id "
        "and copies.row_number = int_usage_records_validated.row_number)")
    with duckdb.connect(str(copy)) as con:
        # a later build: one key accepted before, one new key without a unit cost (the
        # accepted usage is a view of the validated rows), and a landed row validated again
        con.execute(f"""
            insert into {validated}
            select * replace (row_number + 1000000 as row_number,
                              built_at + interval 1 hour as built_at)
            from {validated} where event_id = 'missing_value_good_0' and {accepted}
            union all
            select * replace ('late_new_0' as event_id, null as resolved_unit_cost,
                              row_number + 1000000 as row_number,
                              built_at + interval 1 hour as built_at)
            from {validated} where event_id = 'missing_value_good_1' and {accepted}
            union all
            select * replace (built_at + interval 1 hour as built_at)
            from {validated} where event_id = 'missing_value_good_0' and {accepted}
        """)
        calls = "intermediate.int_calls_deduplicated"
        con.execute(f"""
            insert into {calls}
            select * replace (built_at + interval 1 hour as built_at,
                              first_call_date + 1 as first_call_date)
            from {calls} where call_id = (select min(call_id) from {calls})
        """)
    dbt = Path(sys.executable).parent / "dbt"
    result = subprocess.run(
        [str(dbt), "test", "--profiles-dir", "dbt", "--target-path", str(tmp_path / "target"),
         "--select", "unique_int_usage_records_deduplicated_event_id",
         "not_null_int_usage_records_deduplicated_unit_cost",
         "not_null_int_usage_records_deduplicated_event_id",
         "unique_int_calls_deduplicated_call_id", "not_null_int_calls_deduplicated_call_id",
         "unique_combination_of_columns_int_usage_records_validated_file_id__row_number"],
        env={**os.environ, "WAREHOUSE_PATH": str(copy)},
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 1
    assert "FAIL 1 unique_int_usage_records_deduplicated_event_id" in result.stdout
    assert "FAIL 1 not_null_int_usage_records_deduplicated_unit_cost" in result.stdout
    assert "PASS not_null_int_usage_records_deduplicated_event_id" in result.stdout
    assert "FAIL 1 unique_int_calls_deduplicated_call_id" in result.stdout
    assert "PASS not_null_int_calls_deduplicated_call_id" in result.stdout
    assert ("FAIL 1 unique_combination_of_columns_int_usage_records_validated_file_id__row_number"
            in result.stdout)
