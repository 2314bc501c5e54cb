"""Shared fixtures: an isolated warehouse, landing folder and Dagster home per test, and
helpers to write landing files in each format."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from dagster_project import cli

# The partitions start where the published copy says billing starts, read once per
# process: the tests' start at EARLIEST_PERIOD, whatever a demo left in data/.
with pytest.MonkeyPatch.context() as _env:
    _env.setenv("PUBLISHED_WAREHOUSE_PATH", "/nonexistent/published.duckdb")
    import dagster_project.defs.partitions  # noqa: F401

# The longest test files, longest first: the two workers take files in collection order,
# so these start first and the short ones fill in beside them.
LONGEST_FILES = ("test_incremental.py", "test_one_writer.py", "test_demo.py",
                 "test_billing.py", "test_limits.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_FILES.index(name) if name in LONGEST_FILES else len(LONGEST_FILES)

    items.sort(key=rank)  # stable: the tests of a file keep their order


# The running day's partition: a run of it loads every file delivered so far.
TODAY = datetime.now(UTC).strftime("%Y-%m-%d")


class Pipeline:
    """One isolated pipeline: its own landing folder, warehouse and Dagster home."""

    def __init__(self, root: Path):
        self.root = root
        self.landing_dir = root / "landing"
        self.warehouse_path = root / "warehouse.duckdb"
        self.dagster_home = root / "dagster_home"
        self.landing_dir.mkdir(parents=True, exist_ok=True)

    def write(self, source: str, name: str, rows: Iterable[Mapping[str, object]]) -> Path:
        """Write rows to `<landing>/<source>/<name>`; the suffix picks the format."""
        rows = list(rows)
        path = self.landing_dir / source / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".jsonl":
            path.write_text("".join(json.dumps(row) + "\n" for row in rows))
        elif path.suffix == ".csv":
            columns = list(dict.fromkeys(key for row in rows for key in row))
            with path.open("w", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=columns)
                writer.writeheader()
                writer.writerows(rows)
        elif path.suffix == ".parquet":
            columns = list(dict.fromkeys(key for row in rows for key in row))
            with duckdb.connect() as con:
                values = [[None if row.get(c) is None else str(row.get(c)) for c in columns]
                          for row in rows]
                select = ", ".join(f'cast(col{i} as varchar) as "{c}"'
                                   for i, c in enumerate(columns))
                placeholders = ", ".join(
                    "(" + ", ".join("?" for _ in columns) + ")" for _ in values
                )
                params = [v for row in values for v in row]
                aliases = ", ".join(f"col{i}" for i in range(len(columns)))
                con.execute(
                    f"copy (select {select} from (values {placeholders}) as t({aliases})) "
                    f"to '{path}' (format parquet)",
                    params,
                )
        else:
            path.write_text(str(rows[0]) if rows else "")
        return path

    def write_text(self, source: str, name: str, text: str) -> Path:
        path = self.landing_dir / source / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def run(self, *argv: str) -> None:
        assert cli.main(list(argv)) == 0, f"billing {' '.join(argv)} failed"

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse_path), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def scalar(self, sql: str, params: list | None = None):
        return self.query(sql, params)[0][0]


@pytest.fixture
def pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Pipeline:
    return make_pipeline(tmp_path, monkeypatch)


def make_pipeline(root: Path, monkeypatch: pytest.MonkeyPatch) -> Pipeline:
    p = Pipeline(root)
    monkeypatch.setenv("WAREHOUSE_PATH", str(p.warehouse_path))
    monkeypatch.setenv("LANDING_DIR", str(p.landing_dir))
    monkeypatch.setenv("DAGSTER_HOME", str(p.dagster_home))
    monkeypatch.setenv("OUTBOX_DIR", str(p.root / "outbox"))
    monkeypatch.setenv("REPORTS_DIR", str(p.root / "reports"))
    monkeypatch.setenv("DUCKDB_MEMORY_LIMIT", "1GB")
    return p


def workspace(workspace_id: str, **overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "workspace_id": workspace_id,
        "name": f"Workspace {workspace_id}",
        "status": "active",
        "plan_id": "pro",
        "billing_email": f"billing@{workspace_id}.example",
        "country": "US",
        "region": "CA",
        "created_at": "2026-01-01T00:00:00Z",
        "cancelled_at": None,
        "markup_percentage": None,
        "usage_limit_monthly": None,
        "alert_threshold_percentage": None,
        "auto_pause_on_limit": "false",
        "snapshot_at": "2026-01-01T00:00:00Z",
    }
    row.update(overrides)
    return row


def usage(event_id: str, **overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "event_id": event_id,
        "workspace_id": "ws_a",
        "call_id": "call_1",
        "resource_type": "call_minutes",
        "provider": "twilio",
        "model": None,
        "quantity": "2.5",
        "unit_cost": None,
        "occurred_at": "2026-10-05T10:00:00Z",
    }
    row.update(overrides)
    return row


def gateway_request(request_id: str, **overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "request_id": request_id,
        "organization_id": "ws_a",
        "provider": "openai",
        "model": "gpt-4o-mini",
        "request_type": "chat",
        "input_tokens": "1000",
        "output_tokens": "200",
        "actual_cost": None,
        "occurred_at": "2026-10-05T10:00:00Z",
    }
    row.update(overrides)
    return row


def call(call_id: str, **overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "call_id": call_id,
        "workspace_id": "ws_a",
        "agent_id": "ag_a1",
        "direction": "inbound",
        "status": "completed",
        "started_at": "2026-10-05T10:00:00Z",
        "ended_at": "2026-10-05T10:02:30Z",
        "duration_seconds": "150",
        "caller_number": "+14155550123",
        "voice_provider": "twilio",
        "sentiment": "positive",
        "intent": "billing_question",
        "latency_ms": "420",
    }
    row.update(overrides)
    return row


def write_october_billing(p: Pipeline) -> None:
    """October 2026: ws_a on pro (US-CA) with overage minutes and transcription, ws_b on
    free (DE) with no usage, ws_c on business (CA-ON) from the 10th, cancelled the 20th.
    Finalized, ws_a owes 118.63 (6 lines), ws_b nothing, ws_c 180.07 (3 lines)."""
    p.write("workspaces", "2026-10-01/workspaces.csv", [
        workspace("ws_a", plan_id="pro", country="US", region="CA",
                  created_at="2026-01-01T00:00:00Z", snapshot_at="2026-10-01T00:00:00Z"),
        workspace("ws_b", plan_id="free", country="DE", region=None,
                  created_at="2026-03-01T00:00:00Z", snapshot_at="2026-10-01T00:00:00Z"),
        workspace("ws_c", plan_id="business", country="CA", region="ON",
                  created_at="2026-10-10T00:00:00Z", snapshot_at="2026-10-10T00:00:00Z"),
    ])
    p.write("workspaces", "2026-10-20/workspaces.jsonl", [
        workspace("ws_c", plan_id="business", country="CA", region="ON", status="cancelled",
                  created_at="2026-10-10T00:00:00Z", cancelled_at="2026-10-20T12:00:00Z",
                  snapshot_at="2026-10-20T12:00:00Z"),
    ])
    p.write("usage_records", "2026-10-15/part-0001.csv", [
        usage("e_minutes", workspace_id="ws_a", resource_type="call_minutes",
              provider="twilio", quantity="2500", occurred_at="2026-10-15T09:00:00Z"),
        usage("e_transcription", workspace_id="ws_a", resource_type="transcription",
              provider="deepgram", model="nova-3", quantity="1000",
              occurred_at="2026-10-15T09:00:00Z"),
    ])


FACTORIES = {
    "usage_records": (usage, "event_id"),
    "gateway_requests": (gateway_request, "request_id"),
    "calls": (call, "call_id"),
    "workspaces": (workspace, "workspace_id"),
}
