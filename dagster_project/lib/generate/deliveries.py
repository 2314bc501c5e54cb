"""Late and repeated deliveries: a `late_rate` share of usage rows is delivered 1 to
LATE_MAX_DAYS days after its day instead of on it, and a `duplicate_rate` share of rows
is delivered a second time 1 to DUP_MAX_DAYS days later. Whether a row is late or
re-delivered, and when, is a keyed hash of the row; bad rows are neither."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagster_project.lib.generate.randomness import HASH_UNIT_STEPS

if TYPE_CHECKING:
    from dagster_project.lib.generate.sql import Database

LATE_MAX_DAYS = 5   # a late usage row arrives 1..5 days after its day
DUP_MAX_DAYS = 3    # a duplicate is re-delivered 1..3 days after its first delivery

# The delivery column of a streamed row: its own day's file, late, or a second copy.
ON_TIME, LATE, DUPLICATE = 0, 1, 2


def late_threshold(late_rate: float) -> int:
    """A row is late when its 20-bit late hash is below this."""
    return int(late_rate * HASH_UNIT_STEPS)


def create_delivery_macros(db: Database, days: int, duplicate_rate: float) -> None:
    """late_day / is_late and duplicate_day / is_duplicate of a row of a source day;
    is_late and is_duplicate take (row_index, source_day, day_rows, day_bad_rows,
    bad_offset, source_name, late_threshold)."""
    last_day = days - 1
    row = "row_index, source_day, day_rows, day_bad_rows, bad_offset, source_name"
    db.execute("create or replace macro late_day(row_index, source_day, source_name) as "
               "source_day + 1 + cast(((row_hash(row_index, source_day, source_name || ':late')"
               f" >> 20) & 1048575) % {LATE_MAX_DAYS} as bigint)")
    db.execute(f"create or replace macro is_late({row}, late_threshold) as "
               "(row_hash(row_index, source_day, source_name || ':late') & 1048575) "
               "< late_threshold "
               f"and late_day(row_index, source_day, source_name) <= {last_day} "
               "and not is_bad_row(row_index, day_rows, day_bad_rows, bad_offset)")
    db.execute("create or replace macro duplicate_day(row_index, source_day, source_name) as "
               "source_day + 1 + cast(((row_hash(row_index, source_day, source_name || ':dup')"
               f" >> 20) & 1048575) % {DUP_MAX_DAYS} as bigint)")
    duplicate_threshold = int(duplicate_rate * HASH_UNIT_STEPS)
    db.execute(f"create or replace macro is_duplicate({row}, late_threshold) as "
               "(row_hash(row_index, source_day, source_name || ':dup') & 1048575) "
               f"< {duplicate_threshold} "
               f"and duplicate_day(row_index, source_day, source_name) <= {last_day} "
               "and not is_bad_row(row_index, day_rows, day_bad_rows, bad_offset) "
               f"and not is_late({row}, late_threshold)")
