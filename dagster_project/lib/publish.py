"""Publishing the marts for analysts: a read-only copy of the published schemas in its
own DuckDB file, swapped in whole after each successful build.

DuckDB lets one process write a database file and no other process open it meanwhile,
so analysts never open the warehouse itself. They open the published file, which no run
ever writes in place: each build is copied into a new file beside it, made durable, then
renamed over it. A reader that already has the file open keeps the build it opened (the
old inode stays readable until it closes); a reader that opens it later gets the new
build whole. There is no moment at which the file holds part of a build.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

# What analysts may read: the marts and the reference data they are priced with. Raw,
# staging, intermediate and the billing state stay in the warehouse.
PUBLISHED_SCHEMAS = ("marts", "reference")
# One row in the published file saying which build it holds.
BUILD_TABLE = "marts._published"

_ALIAS = "published_build"


class NothingToPublish(RuntimeError):
    """The warehouse holds none of the published tables (it was never built)."""


@dataclass(frozen=True)
class PublishResult:
    path: Path
    published_at: datetime
    run_id: str
    tables: dict[str, int]
    """Row count per published table (`schema.table`), the build table excluded."""
    size_bytes: int
    leftovers_removed: list[Path]

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def temp_path(published: Path, run_id: str) -> Path:
    """Where a run writes its copy: beside the published file (the same file system,
    so the final rename is atomic), named by the run."""
    return published.with_name(f"{published.stem}.tmp-{run_id}{published.suffix}")


def remove_leftovers(published: Path) -> list[Path]:
    """Delete the copies (and their write-ahead logs) that a crashed publish left behind.

    Runs that write the warehouse go one at a time, so no other publish is under way.
    """
    pattern = f"{published.stem}.tmp-*{published.suffix}"
    removed = []
    for path in sorted(published.parent.glob(pattern)) + sorted(
        published.parent.glob(pattern + ".wal")
    ):
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def published_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(schema, table) of every table and view of the published schemas in the warehouse."""
    return [
        (schema, name)
        for schema, name in con.execute(
            """
            select table_schema, table_name from information_schema.tables
            where table_catalog = current_database() and list_contains($schemas, table_schema)
            order by table_schema, table_name
            """,
            {"schemas": list(PUBLISHED_SCHEMAS)},
        ).fetchall()
    ]


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish_warehouse(
    con: duckdb.DuckDBPyConnection,
    published: Path,
    *,
    run_id: str,
    job_name: str,
    now: datetime,
) -> PublishResult:
    """Copy the published schemas of the warehouse `con` is connected to into a new file
    and swap it in for `published` in one rename.

    Every table and view is copied as a table (a view of the marts reads schemas that
    are not published), all in one transaction, so the copy is one consistent state of
    the warehouse. On any error the previous published file is left as it was.
    """
    published.parent.mkdir(parents=True, exist_ok=True)
    leftovers = remove_leftovers(published)
    tables = published_tables(con)
    if not any(schema == "marts" for schema, _ in tables):
        raise NothingToPublish(f"the warehouse has no marts to publish to {published}")
    source = _quote(con.execute("select current_database()").fetchone()[0])
    temp = temp_path(published, run_id)
    literal = str(temp).replace("'", "''")
    con.execute(f"attach '{literal}' as {_ALIAS}")
    attached = True
    try:
        con.execute("begin transaction")
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"create schema {_ALIAS}.{_quote(schema)}")
        counts = {}
        for schema, name in tables:
            target = f"{_ALIAS}.{_quote(schema)}.{_quote(name)}"
            con.execute(
                f"create table {target} as select * from {source}.{_quote(schema)}.{_quote(name)}"
            )
            counts[f"{schema}.{name}"] = con.execute(f"select count(*) from {target}").fetchone()[0]
        con.execute(
            f"""
            create table {_ALIAS}.{BUILD_TABLE} as
            select cast($published_at as timestamp) as published_at,
                   cast($run_id as varchar) as run_id,
                   cast($job_name as varchar) as job_name,
                   cast($tables as integer) as tables,
                   cast($rows as bigint) as total_rows
            """,
            {"published_at": now, "run_id": run_id, "job_name": job_name,
             "tables": len(counts), "rows": sum(counts.values())},
        )
        con.execute("commit")
        # everything into the file itself, no write-ahead log left for a reader to miss
        con.execute(f"checkpoint {_ALIAS}")
        con.execute(f"detach {_ALIAS}")
        attached = False
        if Path(f"{temp}.wal").exists():
            raise RuntimeError(f"{temp}.wal remained after the checkpoint")
        _fsync(temp)
        os.replace(temp, published)
        _fsync(published.parent)  # the rename itself survives a power loss
    except BaseException:
        if attached:
            with contextlib.suppress(duckdb.Error):  # no transaction may be open
                con.execute("rollback")
            with contextlib.suppress(duckdb.Error):
                con.execute(f"detach {_ALIAS}")
        temp.unlink(missing_ok=True)
        Path(f"{temp}.wal").unlink(missing_ok=True)
        raise
    return PublishResult(
        path=published,
        published_at=now,
        run_id=run_id,
        tables=counts,
        size_bytes=published.stat().st_size,
        leftovers_removed=leftovers,
    )

