"""Landing zone -> `raw` schema loader.

Each landing source is a folder of JSONL, CSV and Parquet files (contract 1.1). A file
is loaded once, identified by (path, size, modification time), in its own transaction
together with its entry in `raw._files`, so a crash mid-file leaves nothing behind and
a re-run picks the file up again. Raw tables keep every listed column as text (typing
and validation are dbt's job), the unlisted columns as a JSON object in `_extra`, and
JSONL lines that are not JSON verbatim in `_unparsed`. A file the reader cannot parse
at all is recorded with status `failed` and the reader's message; the run goes on.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class LandingSource:
    name: str
    columns: tuple[str, ...]
    key: str


SOURCES: dict[str, LandingSource] = {
    source.name: source
    for source in (
        LandingSource(
            "workspaces",
            (
                "workspace_id", "name", "status", "plan_id", "billing_email", "country",
                "region", "created_at", "cancelled_at", "markup_percentage",
                "usage_limit_monthly", "alert_threshold_percentage", "auto_pause_on_limit",
                "snapshot_at",
            ),
            key="workspace_id",
        ),
        LandingSource(
            "agents",
            ("agent_id", "workspace_id", "name", "status", "snapshot_at"),
            key="agent_id",
        ),
        LandingSource(
            "usage_records",
            (
                "event_id", "workspace_id", "call_id", "resource_type", "provider", "model",
                "quantity", "unit_cost", "occurred_at",
            ),
            key="event_id",
        ),
        LandingSource(
            "gateway_requests",
            (
                "request_id", "organization_id", "provider", "model", "request_type",
                "input_tokens", "output_tokens", "actual_cost", "occurred_at",
            ),
            key="request_id",
        ),
        LandingSource(
            "calls",
            (
                "call_id", "workspace_id", "agent_id", "direction", "status", "started_at",
                "ended_at", "duration_seconds", "caller_number", "voice_provider",
                "sentiment", "intent", "latency_ms",
            ),
            key="call_id",
        ),
    )
}

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}
META_COLUMNS = ("_extra", "_unparsed", "_file_id", "_row_number")
# What a reader raises on a file it cannot parse. Anything else (a binder error, a full
# disk) is a fault of the pipeline or the machine and must stop the run, not mark the file.
PARSE_ERRORS = (duckdb.InvalidInputException, duckdb.ConversionException)


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative_path: str
    size_bytes: int
    modified_at: datetime
    file_format: str


@dataclass
class IngestResult:
    source: str
    files_loaded: int = 0
    files_failed: int = 0
    files_skipped: int = 0
    rows_loaded: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    con.execute("create sequence if not exists raw._file_ids start 1")
    con.execute(
        """
        create table if not exists raw._files (
            file_id integer primary key,
            source varchar not null,
            path varchar not null,
            size_bytes bigint not null,
            modified_at timestamp not null,
            file_format varchar not null,
            status varchar not null,
            rows_loaded bigint not null,
            error varchar,
            ingested_at timestamp not null,
            unique (source, path, size_bytes, modified_at)
        )
        """
    )
    for source in SOURCES.values():
        columns = ", ".join(f"{_quote(c)} varchar" for c in source.columns)
        con.execute(
            f"""
            create table if not exists raw.{source.name} (
                {columns},
                _extra varchar,
                _unparsed varchar,
                _file_id integer not null,
                _row_number bigint not null
            )
            """
        )


def discover_files(landing_dir: Path, source: str) -> Iterator[LandingFile]:
    """Every data file below `<landing_dir>/<source>/`, in a stable delivery order."""
    root = landing_dir / source
    if not root.is_dir():
        return
    found: list[LandingFile] = []
    for dirpath, _dirnames, filenames in os.walk(root):
        for filename in filenames:
            if filename.startswith("."):
                continue  # hidden and in-flight temporary files
            file_format = FORMATS.get(Path(filename).suffix.lower())
            if file_format is None:
                continue
            path = Path(dirpath) / filename
            stat = path.stat()
            found.append(
                LandingFile(
                    path=path,
                    relative_path=path.relative_to(landing_dir).as_posix(),
                    size_bytes=stat.st_size,
                    # microsecond precision: what a TIMESTAMP column stores
                    modified_at=datetime.fromtimestamp(stat.st_mtime_ns // 1000 / 1e6, UTC)
                    .replace(tzinfo=None),
                    file_format=file_format,
                )
            )
    # Delivery order: when the file landed, then its path (files of one delivery).
    yield from sorted(found, key=lambda f: (f.modified_at, f.relative_path))


def _reader_sql(file: LandingFile) -> str:
    path = str(file.path).replace("'", "''")
    if file.file_format == "parquet":
        return f"read_parquet('{path}', file_row_number = true)"
    if file.file_format == "csv":
        return (
            f"read_csv('{path}', header = true, all_varchar = true, auto_detect = true)"
        )
    # JSONL: read lines verbatim so a malformed line is quarantined on its own, not the file.
    return (
        f"read_csv('{path}', columns = {{'line': 'varchar'}}, header = false, delim = '\\0', "
        "quote = '', escape = '', auto_detect = false, strict_mode = false)"
    )


def _select_sql(
    con: duckdb.DuckDBPyConnection, source: LandingSource, file: LandingFile, file_id: int
) -> str:
    reader = _reader_sql(file)
    if file.file_format == "jsonl":
        paths = ", ".join(f"'$.{c}'" for c in source.columns)
        known = ", ".join(f"'{c}'" for c in source.columns)
        picks = ", ".join(f"v[{i + 1}] as {_quote(c)}" for i, c in enumerate(source.columns))
        return f"""
            with lines as (
                select line, _row_number, json_valid(line) as ok
                from (select line, row_number() over () as _row_number from {reader})
                where trim(coalesce(line, '')) <> ''
            )
            select
                {picks},
                case when ok and json_type(line) = 'OBJECT'
                     and not list_has_all([{known}], json_keys(line)) then line end as _extra,
                case when not ok or json_type(line) <> 'OBJECT' then line end as _unparsed,
                {file_id} as _file_id,
                _row_number
            from (
                select *, case when ok and json_type(line) = 'OBJECT'
                               then json_extract_string(line, [{paths}]) end as v
                from lines
            )
        """
    present = [
        row[0] for row in con.execute(f"describe select * from {reader}").fetchall()
    ]
    present_set = set(present)
    picks = ", ".join(
        f"cast({_quote(c)} as varchar) as {_quote(c)}" if c in present_set
        else f"cast(null as varchar) as {_quote(c)}"
        for c in source.columns
    )
    extras = [c for c in present if c not in source.columns and c != "file_row_number"]
    # CSV has no file_row_number; the streaming row_number() keeps the file's order.
    row_number = (
        "file_row_number + 1" if file.file_format == "parquet" else "row_number() over ()"
    )
    extra_sql = (
        "to_json(struct_pack(" + ", ".join(f"{_quote(c)} := {_quote(c)}" for c in extras) + "))"
        if extras
        else "null"
    )
    return f"""
        select {picks},
            cast({extra_sql} as varchar) as _extra,
            cast(null as varchar) as _unparsed,
            {file_id} as _file_id,
            {row_number} as _row_number
        from {reader}
    """


def _known_files(con: duckdb.DuckDBPyConnection, source: str) -> set[tuple[str, int, datetime]]:
    rows = con.execute(
        "select path, size_bytes, modified_at from raw._files where source = ?", [source]
    ).fetchall()
    return {(path, size, modified) for path, size, modified in rows}


def _record_file(
    con: duckdb.DuckDBPyConnection,
    file_id: int,
    source: str,
    file: LandingFile,
    status: str,
    rows_loaded: int,
    error: str | None,
) -> None:
    con.execute(
        """
        insert into raw._files
            (file_id, source, path, size_bytes, modified_at, file_format, status,
             rows_loaded, error, ingested_at)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            file_id, source, file.relative_path, file.size_bytes, file.modified_at,
            file.file_format, status, rows_loaded, error,
            datetime.now(UTC).replace(tzinfo=None),
        ],
    )


def ingest_source(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, source_name: str
) -> IngestResult:
    """Load every new file of one source; each file is one transaction."""
    source = SOURCES[source_name]
    ensure_raw_schema(con)
    result = IngestResult(source=source_name)
    known = _known_files(con, source_name)
    for file in discover_files(landing_dir, source_name):
        if (file.relative_path, file.size_bytes, file.modified_at) in known:
            result.files_skipped += 1
            continue
        file_id = con.execute("select nextval('raw._file_ids')").fetchone()[0]
        con.execute("begin transaction")
        try:
            select_sql = _select_sql(con, source, file, file_id)
            columns = ", ".join(_quote(c) for c in (*source.columns, *META_COLUMNS))
            con.execute(f"insert into raw.{source_name} ({columns}) {select_sql}")
            rows = con.execute(
                f"select count(*) from raw.{source_name} where _file_id = ?", [file_id]
            ).fetchone()[0]
            _record_file(con, file_id, source_name, file, "loaded", rows, None)
            con.execute("commit")
        except BaseException as error:
            con.execute("rollback")
            if not isinstance(error, PARSE_ERRORS):
                raise
            message = _parser_message(error, file)
            con.execute("begin transaction")
            _record_file(con, file_id, source_name, file, "failed", 0, message)
            con.execute("commit")
            result.files_failed += 1
            result.failures.append((file.relative_path, message))
            continue
        result.files_loaded += 1
        result.rows_loaded += rows
    return result


def _parser_message(error: Exception, file: LandingFile) -> str:
    """The reader's message, without the machine-specific absolute path."""
    message = str(error).replace(str(file.path), file.relative_path)
    return message.strip().splitlines()[0][:1000] if message.strip() else type(error).__name__
