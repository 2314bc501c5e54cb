"""Landing files: the format each file is written in, the COPY that writes a part file
in that format, and the atomic publish (a hidden temporary name, then a rename; a file
whose bytes would not change is left untouched)."""

from __future__ import annotations

import filecmp
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dagster_project.lib.generate.config import FORMAT_SUFFIX, Tally
from dagster_project.lib.generate.sql import Database, quote_identifier, sql_string
from dagster_project.lib.generate.window import Window

# Offsets into the format rotation, so that small sources still see every format.
FORMAT_ROTATION_OFFSET = {
    "workspaces": 0, "agents": 1, "usage_records": 0, "gateway_requests": 1, "calls": 2,
}
_SORT_KEYS = "order by _sort_1, _sort_2, _sort_3"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "id"         # id: plain string; text: free text; num: number (text in parquet)
    parquet_type: str = "VARCHAR"


def publish(temporary: Path, dest: Path) -> None:
    """Atomically move a finished file into place; keep the old one if identical."""
    if dest.exists() and dest.stat().st_size == temporary.stat().st_size \
            and filecmp.cmp(temporary, dest, shallow=False):
        temporary.unlink()
        return
    os.replace(temporary, dest)


def _temporary_path(dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    return dest.with_name(f".{dest.name}.{os.getpid()}.tmp")


def _csv_copy(sql: str, columns: Sequence[Column]) -> tuple[str, str]:
    select = ", ".join(quote_identifier(column.name) for column in columns)
    return f"select {select} from ({sql}) {_SORT_KEYS}", "format csv, header true"


def _parquet_copy(sql: str, columns: Sequence[Column]) -> tuple[str, str]:
    select = ", ".join(
        quote_identifier(column.name) if column.parquet_type == "VARCHAR"
        else f"cast({quote_identifier(column.name)} as {column.parquet_type}) "
        f"as {quote_identifier(column.name)}"
        for column in columns
    )
    return f"select {select} from ({sql}) {_SORT_KEYS}", "format parquet, compression zstd"


def _json_value_sql(column: Column) -> str:
    quoted = quote_identifier(column.name)
    if column.kind == "text":
        return f"coalesce(cast(to_json({quoted}) as varchar), 'null')"
    if column.kind == "num":
        return (f"case when {quoted} is null then 'null' when _quote_numbers "
                f"then '\"' || {quoted} || '\"' else {quoted} end")
    # controlled vocabulary: no quote or backslash to escape
    return f"coalesce('\"' || {quoted} || '\"', 'null')"


def _jsonl_copy(sql: str, columns: Sequence[Column]) -> tuple[str, str]:
    """One JSON object per line, built as text; an invalid_json row keeps its first half."""
    pieces = [f"'\"{column.name}\":' || {_json_value_sql(column)}" for column in columns]
    line = "'{' || " + " || ',' || ".join(pieces) + " || '}'"
    query = (
        "select case when _invalid_json then left(line, length(line) // 2) else line end "
        f"from (select {line} as line, _invalid_json, _sort_1, _sort_2, _sort_3 "
        f"from ({sql})) {_SORT_KEYS}"
    )
    return query, "format csv, header false, quote '', escape '', delimiter '\x1f'"


_COPY_BY_FORMAT = {"csv": _csv_copy, "parquet": _parquet_copy, "jsonl": _jsonl_copy}


class LandingWriter:
    """Writes the part files of every source under the landing folder, counting them."""

    def __init__(self, db: Database, landing_dir: Path, window: Window,
                 formats: tuple[str, ...], tally: Tally):
        self.db = db
        self.landing_dir = landing_dir
        self.window = window
        self.formats = formats
        self.tally = tally
        self.files_started = dict.fromkeys(FORMAT_ROTATION_OFFSET, 0)

    def folder(self, source: str, day: int) -> Path:
        return self.landing_dir / source / self.window.day_start(day).strftime("%Y-%m-%d")

    def next_format(self, source: str) -> str:
        """The format of the source's next file: its files rotate through the mix."""
        position = self.files_started[source] + FORMAT_ROTATION_OFFSET[source]
        self.files_started[source] += 1
        return self.formats[position % len(self.formats)]

    def write_part(self, source: str, day: int, number: int, fmt: str, sql: str,
                   columns: Sequence[Column]) -> None:
        """COPY the rows of `sql` (with _sort_1.._sort_3, _invalid_json, _quote_numbers)
        to part file `number` of the source's day folder."""
        dest = self.folder(source, day) / f"part-{number:04d}{FORMAT_SUFFIX[fmt]}"
        temporary = _temporary_path(dest)
        query, options = _COPY_BY_FORMAT[fmt](sql, columns)
        count = self.db.execute(
            f"copy ({query}) to {sql_string(str(temporary))} ({options})").fetchone()[0]
        publish(temporary, dest)
        self.tally.files[source] += 1
        self.tally.rows[source] += count

    def write_unparseable(self, source: str, day: int, number: int, seed: int) -> None:
        """A whole file no reader can parse: the Parquet magic, then garbage, no footer."""
        dest = self.folder(source, day) / f"part-{number:04d}.parquet"
        garbage = hashlib.shake_256(f"{seed}:unparseable".encode()).digest(4096)
        temporary = _temporary_path(dest)
        temporary.write_bytes(b"PAR1" + garbage)
        publish(temporary, dest)
        self.tally.files[source] += 1
