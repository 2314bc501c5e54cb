"""`billing export`: a workspace's calls for a date range as CSV or JSON, with safe CSV
quoting, spreadsheet formulas neutralised, caller numbers reduced to their last 4 digits,
both dates of the range included (whole UTC days)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from dagster_project import cli
from dagster_project.lib.reports.export import (
    COLUMNS,
    ExportRefused,
    export_calls,
    mask_caller,
    neutralise,
)

FCT_CALLS = """
    create table marts.fct_calls (
        call_id varchar, workspace_id varchar, agent_id varchar, direction varchar,
        status varchar, started_at timestamp, ended_at timestamp, duration_seconds integer,
        caller_number_masked varchar, voice_provider varchar, sentiment varchar,
        intent varchar, latency_ms integer
    )
"""

# (call_id, workspace, started_at, caller number as the mart holds it, intent, agent_id)
CALLS = [
    ("c_before", "ws_a", "2026-09-30 23:59:59", "********1111", "sales", "ag_1"),
    ("c_first", "ws_a", "2026-10-01 00:00:00", "********0123", "billing, refunds", "ag_1"),
    ("c_quote", "ws_a", "2026-10-15 12:00:00", "+1 (415) 555-9876", 'say "hi"\nthen bye', "ag_1"),
    ("c_formula", "ws_a", "2026-10-20 08:30:00", "****4567", "=HYPERLINK(\"http://x\")",
     "@agent"),
    ("c_minus", "ws_a", "2026-10-31 23:59:59", "12", "-1+2", "+ag"),
    ("c_after", "ws_a", "2026-11-01 00:00:00", "********2222", "sales", "ag_1"),
    ("c_other", "ws_b", "2026-10-10 10:00:00", "********3333", "sales", "ag_9"),
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.dim_workspaces (workspace_id varchar)")
        con.execute("insert into marts.dim_workspaces values ('ws_a'), ('ws_b')")
        con.execute(FCT_CALLS)
        for call_id, workspace, started, caller, intent, agent in CALLS:
            con.execute(
                "insert into marts.fct_calls values "
                "(?, ?, ?, 'inbound', 'completed', ?, ?::timestamp + interval 90 second, 90, "
                "?, 'twilio', 'positive', ?, 420)",
                [call_id, workspace, agent, started, started, caller, intent],
            )
    return path


def _export(warehouse: Path, fmt: str, first: date = date(2026, 10, 1),
            last: date = date(2026, 10, 31), workspace: str = "ws_a") -> str:
    out = io.StringIO(newline="")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        export_calls(con, out, workspace_id=workspace, first=first, last=last, fmt=fmt,
                     batch_size=2)  # several batches on 5 rows
    return out.getvalue()


def test_csv_round_trips_commas_quotes_newlines_and_neutralises_formulas(warehouse):
    rows = list(csv.reader(io.StringIO(_export(warehouse, "csv"), newline="")))
    assert rows[0] == list(COLUMNS)
    by_id = {row[0]: dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]}
    assert list(by_id) == ["c_first", "c_quote", "c_formula", "c_minus"]
    assert by_id["c_first"]["intent"] == "billing, refunds"
    assert by_id["c_quote"]["intent"] == 'say "hi"\nthen bye'
    assert by_id["c_formula"]["intent"] == "'=HYPERLINK(\"http://x\")"
    assert by_id["c_formula"]["agent_id"] == "'@agent"
    assert by_id["c_minus"]["intent"] == "'-1+2"
    assert by_id["c_minus"]["agent_id"] == "'+ag"
    assert by_id["c_first"] == {
        "call_id": "c_first", "workspace_id": "ws_a", "agent_id": "ag_1",
        "direction": "inbound", "status": "completed",
        "started_at": "2026-10-01T00:00:00Z", "ended_at": "2026-10-01T00:01:30Z",
        "duration_seconds": "90", "caller_number_last4": "***0123",
        "voice_provider": "twilio", "sentiment": "positive", "intent": "billing, refunds",
        "latency_ms": "420",
    }


def test_caller_numbers_keep_only_their_last_4_digits(warehouse):
    rows = list(csv.DictReader(io.StringIO(_export(warehouse, "csv"), newline="")))
    assert [row["caller_number_last4"] for row in rows] == [
        "***0123", "***9876", "***4567", "***12"]
    assert "555" not in _export(warehouse, "csv")
    assert mask_caller("+14155550123") == "***0123"
    assert mask_caller("+1 (415) 555-0123") == "***0123"
    assert mask_caller("anonymous") == "***"
    assert mask_caller(None) is None


def test_json_export_is_an_array_of_calls_with_masked_numbers_and_values_unchanged(
    warehouse,
):
    calls = json.loads(_export(warehouse, "json"))
    assert [c["call_id"] for c in calls] == ["c_first", "c_quote", "c_formula", "c_minus"]
    formula = calls[2]
    assert formula["intent"] == "=HYPERLINK(\"http://x\")"
    assert formula["caller_number_last4"] == "***4567"
    assert (formula["duration_seconds"], formula["latency_ms"]) == (90, 420)
    assert calls[1]["intent"] == 'say "hi"\nthen bye'
    assert json.loads(_export(warehouse, "json", first=date(2026, 12, 1),
                              last=date(2026, 12, 31))) == []


def test_range_includes_both_dates_as_whole_utc_days(warehouse):
    def ids(first, last):
        return [c["call_id"] for c in json.loads(_export(warehouse, "json", first, last))]

    assert ids(date(2026, 10, 1), date(2026, 10, 1)) == ["c_first"]
    assert ids(date(2026, 9, 30), date(2026, 9, 30)) == ["c_before"]
    assert ids(date(2026, 10, 31), date(2026, 11, 1)) == ["c_minus", "c_after"]
    # only the workspace asked for
    assert "c_other" not in ids(date(2026, 9, 1), date(2026, 11, 30))
    with pytest.raises(ExportRefused, match="before"):
        _export(warehouse, "csv", first=date(2026, 10, 2), last=date(2026, 10, 1))
    with pytest.raises(ExportRefused, match="unknown workspace"):
        _export(warehouse, "csv", workspace="ws_nope")


def test_neutralise_prefixes_every_formula_trigger():
    assert [neutralise(v) for v in ["=1", "+1", "-1", "@x", "\tx", "\rx", "a=b", ""]] == [
        "'=1", "'+1", "'-1", "'@x", "'\tx", "'\rx", "a=b", ""]


def test_billing_export_command_writes_the_file(warehouse, tmp_path, monkeypatch, capsys):
    # the command reads the published copy of the marts, as analysts do
    monkeypatch.setenv("PUBLISHED_WAREHOUSE_PATH", str(warehouse))
    output = tmp_path / "calls.csv"
    assert cli.main(["export", "--workspace", "ws_a", "--from", "2026-10-01",
                     "--to", "2026-10-31", "--format", "csv", "--output", str(output)]) == 0
    with output.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["call_id"] for r in rows] == ["c_first", "c_quote", "c_formula", "c_minus"]
    assert cli.main(["export", "--workspace", "ws_a", "--from", "2026-10-15",
                     "--to", "2026-10-15", "--format", "json"]) == 0
    [call] = json.loads(capsys.readouterr().out)
    assert call["call_id"] == "c_quote"
    assert datetime.fromisoformat(call["started_at"].rstrip("Z")) == datetime(2026, 10, 15, 12)
    assert cli.main(["export", "--workspace", "ws_a", "--from", "2026-10-15",
                     "--to", "2026-10-01", "--format", "json"]) == 1
