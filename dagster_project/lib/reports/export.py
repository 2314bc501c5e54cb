"""Export of a workspace's calls for a date range, as CSV or JSON, streamed from
marts.fct_calls in batches (never the whole table in memory).

* The range is whole UTC days, both ends included: `--from 2026-10-01 --to 2026-10-31`
  is every call whose started_at is on or after 2026-10-01 00:00 and before 2026-11-01
  00:00 UTC.
* The caller's number is reduced to its last 4 digits (`***0123`), whatever the mart
  holds: the full number never leaves the warehouse.
* CSV is written by the csv module (every value with a comma, quote or line break is
  quoted) and every text cell that a spreadsheet would read as a formula (starting with
  `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`. Numbers are
  written as numbers. JSON carries the values unchanged (it is not opened by a
  spreadsheet) except for the masked number.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TextIO

import duckdb

COLUMNS = (
    "call_id", "workspace_id", "agent_id", "direction", "status", "started_at", "ended_at",
    "duration_seconds", "caller_number_last4", "voice_provider", "sentiment", "intent",
    "latency_ms",
)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BATCH_SIZE = 10_000

EXPORT_SQL = """
    select
        call_id, workspace_id, agent_id, direction, status, started_at, ended_at,
        duration_seconds, caller_number_masked, voice_provider, sentiment, intent, latency_ms
    from marts.fct_calls
    where workspace_id = ? and started_at >= ? and started_at < ?
    order by started_at, call_id
"""

_NOT_DIGIT = re.compile(r"\D")


class ExportRefused(ValueError):
    """The export cannot run as asked; the message says why."""


def day_range(first: date, last: date) -> tuple[datetime, datetime]:
    """[first 00:00, the day after last 00:00): both days included."""
    if last < first:
        raise ExportRefused(f"--to {last} is before --from {first}")
    return (datetime.combine(first, datetime.min.time()),
            datetime.combine(last + timedelta(days=1), datetime.min.time()))


def mask_caller(number: str | None) -> str | None:
    """The last 4 digits behind `***`: `+1 (415) 555-0123` and `********0123` both
    become `***0123`. A value with no digit is masked whole."""
    if number is None or number == "":
        return None
    digits = _NOT_DIGIT.sub("", number)
    return "***" + digits[-4:]


def neutralise(value: str) -> str:
    """A text cell a spreadsheet would evaluate (=, +, -, @, tab, CR first) gets a `'`."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _timestamp(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds") + "Z"


def _number(value: int | float | Decimal | None) -> int | float | str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):  # seconds and milliseconds, not money
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _records(con: duckdb.DuckDBPyConnection, workspace_id: str, first: date, last: date,
             batch_size: int) -> Iterator[dict[str, object]]:
    start, end = day_range(first, last)
    cursor = con.execute(EXPORT_SQL, [workspace_id, start, end])
    while batch := cursor.fetchmany(batch_size):
        for (call_id, workspace, agent_id, direction, status, started_at, ended_at, duration,
             caller, provider, sentiment, intent, latency) in batch:
            yield {
                "call_id": call_id, "workspace_id": workspace, "agent_id": agent_id,
                "direction": direction, "status": status,
                "started_at": _timestamp(started_at), "ended_at": _timestamp(ended_at),
                "duration_seconds": _number(duration),
                "caller_number_last4": mask_caller(caller),
                "voice_provider": provider, "sentiment": sentiment, "intent": intent,
                "latency_ms": _number(latency),
            }


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    return neutralise(value) if isinstance(value, str) else value


def export_calls(con: duckdb.DuckDBPyConnection, out: TextIO, *, workspace_id: str,
                 first: date, last: date, fmt: str, batch_size: int = BATCH_SIZE) -> int:
    """Write the workspace's calls started on `first` ... `last` (UTC, inclusive) to
    `out` as `csv` or `json`; returns the number of calls written."""
    if fmt not in ("csv", "json"):
        raise ExportRefused(f"unknown format {fmt!r} (csv or json)")
    known = con.execute(
        "select count(*) from marts.dim_workspaces where workspace_id = ?", [workspace_id]
    ).fetchone()[0]
    if not known:
        raise ExportRefused(f"unknown workspace {workspace_id!r}")
    records = _records(con, workspace_id, first, last, batch_size)
    written = 0
    if fmt == "csv":
        writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for record in records:
            writer.writerow([_csv_cell(record[c]) for c in COLUMNS])
            written += 1
        return written
    out.write("[")
    for record in records:
        out.write(("," if written else "") + "\n  " + json.dumps(record, ensure_ascii=False))
        written += 1
    out.write("\n]\n" if written else "]\n")
    return written
