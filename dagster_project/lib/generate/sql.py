"""SQL text helpers, and the DuckDB connection a generation runs on."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb


def sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def quote_identifier(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


@dataclass(frozen=True)
class Database:
    """The generation's in-memory DuckDB and a scratch folder for the tables fed to it."""

    con: duckdb.DuckDBPyConnection
    scratch: Path

    def execute(self, sql: str) -> duckdb.DuckDBPyConnection:
        return self.con.execute(sql)

    def load_table(self, name: str, header: Sequence[str], rows: Iterable[Sequence[object]],
                   types: dict[str, str]) -> None:
        """A small Python-built table into DuckDB, through a CSV file (no NULL vs '')."""
        path = self.scratch / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        casts = ", ".join(
            f"cast({quote_identifier(column)} as {types.get(column, 'VARCHAR')}) "
            f"as {quote_identifier(column)}"
            for column in header)
        spec = ", ".join(f"{sql_string(column)}: 'VARCHAR'" for column in header)
        self.con.execute(
            f"create or replace table {name} as select {casts} from read_csv("
            f"{sql_string(str(path))}, header = true, auto_detect = false, "
            f"columns = {{{spec}}})"
        )
        path.unlink()
