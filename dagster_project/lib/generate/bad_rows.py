"""Bad input: the kinds of bad row per source, the exact values they carry, which rows of
a day are bad (evenly spread, rotated per day), and the SQL that spoils them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dagster_project.lib.generate.sql import Database

# Bad-row kinds per source, in rotation order (`kind = (running bad-row number) % len`).
USAGE_BAD_KINDS = (
    "missing_value", "negative_quantity", "unknown_resource_type", "invalid_timestamp",
    "invalid_number", "unknown_workspace", "no_rate", "future_timestamp", "invalid_json",
)
GATEWAY_BAD_KINDS = (
    "missing_value", "negative_quantity", "invalid_number", "invalid_timestamp",
    "unknown_workspace", "no_rate", "future_timestamp", "invalid_json",
)
CALL_BAD_KINDS = (
    "missing_value", "invalid_timestamp", "invalid_number", "negative_quantity",
    "unknown_workspace", "future_timestamp", "invalid_json",
)

# The exact values of the bad rows, for the ingestion side to assert on. `v` is the
# bad row's rotation round (running bad-row number // number of kinds); `<date>` and
# `<time>` are the row's own occurred_at / started_at.
BAD_ROW_VALUES = {
    "missing_value": "usage: workspace_id, provider, quantity or occurred_at empty (v % 4); "
    "gateway: organization_id, model, input_tokens or occurred_at empty (v % 4); "
    "calls: workspace_id or started_at empty (v % 2)",
    "negative_quantity": "usage: quantity '-<1..50>.5'; gateway: input_tokens "
    "'-<tokens>'; calls: duration_seconds '-<seconds + 1>'",
    "unknown_resource_type": "usage: resource_type 'video_minutes'",
    "invalid_timestamp": "occurred_at / started_at '<date>T25:61:00Z' (v even) or "
    "'DD/MM/YYYY HH:MM' (v odd)",
    "invalid_number": "usage: quantity '12,5' (v even) or 'abc' (v odd); gateway: "
    "input_tokens '12,5' / 'abc'; calls: duration_seconds '12,5' (v even) or latency_ms "
    "'abc' (v odd)",
    "unknown_workspace": "workspace_id / organization_id 'ws_unknown_NNN' (never in "
    "workspaces/)",
    "no_rate": "usage: provider 'vonage', resource_type 'call_minutes', model and "
    "unit_cost empty; gateway: provider 'mistral', model 'mistral-large', actual_cost "
    "empty",
    "future_timestamp": "occurred_at / started_at = end_date + 30 days + the row's time "
    "of day (UTC, 'Z')",
    "invalid_json": "JSONL only: the first half of the row's JSON line (no closing "
    "brace); CSV and Parquet files cycle through the other kinds",
}
assert all(kinds[-1] == "invalid_json"
           for kinds in (USAGE_BAD_KINDS, GATEWAY_BAD_KINDS, CALL_BAD_KINDS))
UNKNOWN_WORKSPACE_PREFIX = "ws_unknown_"
NO_RATE_USAGE = ("vonage", "call_minutes")
NO_RATE_GATEWAY = ("mistral", "mistral-large")
UNKNOWN_RESOURCE_TYPE = "video_minutes"
FUTURE_DAYS = 30


def kind_numbers(kinds: tuple[str, ...]) -> dict[str, int]:
    """Bad-row kind -> the number the row SQL compares its `kind` column with."""
    return {name: number for number, name in enumerate(kinds)}


def bad_rows_per_day(rows_per_day: list[int], bad_row_rate: float) -> list[int]:
    """The bad rows of each day: the running total rounded, so the rate holds overall."""
    per_day = []
    cumulative = 0
    bad_before = 0
    for rows in rows_per_day:
        cumulative += rows
        bad_total = math.floor(bad_row_rate * cumulative + 0.5)
        bad = max(0, min(rows, bad_total - bad_before))
        bad_before += bad
        per_day.append(bad)
    return per_day


@dataclass(frozen=True)
class BadSlots:
    """The bad rows of one part file: their bad-row numbers of the day lie in
    [first_start, first_stop) then [second_start, second_stop); `earlier` = bad rows
    already written in files of the same format class (JSONL / other), so that each
    class cycles through its kinds."""

    first_start: int = 0
    first_stop: int = 0
    second_start: int = 0
    second_stop: int = 0
    earlier: int = 0

    @property
    def count(self) -> int:
        return (self.first_stop - self.first_start) + (self.second_stop - self.second_start)

    def kind_and_variant_sql(self, kind_count: int, jsonl: bool) -> tuple[str, str]:
        """SQL for the kind number (NULL = good row) and the variant round of a row.
        JSONL files cycle through every kind, other files through all but invalid_json
        (always the last kind)."""
        cycle = kind_count if jsonl else kind_count - 1
        rank = (f"(case when bad_number >= {self.first_start} "
                f"and bad_number < {self.first_stop} then bad_number - {self.first_start} "
                f"else {self.first_stop - self.first_start} + bad_number - {self.second_start} "
                "end)")
        return (f"case when is_bad then ({self.earlier} + {rank}) % {cycle} end",
                f"({self.earlier} + {rank}) // {cycle}")


def bad_slots_of_part(day_rows: int, day_bad_rows: int, bad_offset: int, first_row: int,
                      stop_row: int, earlier: int) -> BadSlots:
    """Bad rows among rows [first_row, stop_row) of a day (see the is_bad_row macro: a
    row is bad when its rotated position (row_index + bad_offset) % day_rows crosses a
    multiple of day_rows / day_bad_rows, and its bad-row number is then
    position * day_bad_rows // day_rows)."""
    if not day_bad_rows or stop_row <= first_row:
        return BadSlots(earlier=earlier)
    start = (first_row + bad_offset) % day_rows
    stop = start + (stop_row - first_row)
    if stop <= day_rows:
        return BadSlots(start * day_bad_rows // day_rows, stop * day_bad_rows // day_rows,
                        0, 0, earlier)
    return BadSlots(start * day_bad_rows // day_rows, day_bad_rows,
                    0, (stop - day_rows) * day_bad_rows // day_rows, earlier)


def create_bad_row_macros(db: Database, future_base: datetime) -> None:
    """is_bad_row, and the values bad rows carry: invalid_timestamp_text,
    future_timestamp_text (`future_base` = end date + FUTURE_DAYS), unknown_workspace_id."""
    db.execute("create or replace macro is_bad_row(row_index, day_rows, day_bad_rows, "
               "bad_offset) as case when day_bad_rows = 0 then false else "
               "((((row_index + bad_offset) % day_rows) + 1) * day_bad_rows) // day_rows > "
               "(((row_index + bad_offset) % day_rows) * day_bad_rows) // day_rows end")
    db.execute(
        "create or replace macro invalid_timestamp_text(ts, variant) as case "
        "when variant % 2 = 0 then strftime(ts, '%Y-%m-%d') || 'T25:61:00Z' "
        "else strftime(ts, '%d/%m/%Y %H:%M') end"
    )
    db.execute(
        "create or replace macro future_timestamp_text(day_start, ts) as strftime("
        f"timestamp '{future_base:%Y-%m-%d %H:%M:%S}' + (ts - day_start), "
        "'%Y-%m-%dT%H:%M:%SZ')"
    )
    db.execute(
        "create or replace macro unknown_workspace_id(bad_number) as "
        f"'{UNKNOWN_WORKSPACE_PREFIX}' || lpad(cast(bad_number % 1000 as varchar), 3, '0')"
    )


# ---- the columns that every streamed source spoils the same way


def bad_row_columns_sql() -> str:
    """is_bad and bad_number (the bad row's number of the day) of a row, as SQL columns."""
    position = "((row_index + bad_offset) % day_rows)"
    return ("is_bad_row(row_index, day_rows, day_bad_rows, bad_offset) as is_bad, "
            f"({position} * day_bad_rows) // day_rows as bad_number")


def workspace_id_sql(kind: dict[str, int], missing_when: str, id_column: str,
                     width: int) -> str:
    """The workspace id column: empty for missing_value rows matching `missing_when`,
    an unknown id for unknown_workspace rows."""
    return (f"case when kind = {kind['missing_value']} and {missing_when} then null\n"
            f"                when kind = {kind['unknown_workspace']} "
            "then unknown_workspace_id(bad_number)\n"
            f"                else 'ws_' || lpad(cast(workspace_index as varchar), {width}, '0') "
            f"end as {id_column}")


def invalid_number_text_sql() -> str:
    return "case when variant % 2 = 0 then '12,5' else 'abc' end"


def timestamp_sql(kind: dict[str, int], missing_when: str, column: str) -> str:
    """The event's instant as text: empty, invalid or in the future for those bad rows."""
    return (f"case when kind = {kind['missing_value']} and {missing_when} then null\n"
            f"                when kind = {kind['invalid_timestamp']} "
            "then invalid_timestamp_text(ts, variant)\n"
            f"                when kind = {kind['future_timestamp']} "
            "then future_timestamp_text(day_start, ts)\n"
            f"                else timestamp_text(ts, hash_4) end as {column}")

