"""Landing zone -> `raw` schema loader.

Each landing source is a folder of JSONL, CSV and Parquet files (contract 1.1). A file
is loaded once, identified by (path, size, modification time), in its own transaction
together with its entry in `raw._files`, so a crash mid-file leaves nothing behind and
a re-run picks the file up again. Raw tables keep every listed column as text (typing
and validation are dbt's job), the unlisted columns as a JSON object in `_extra`, and
JSONL lines that are not JSON verbatim in `_unparsed`. A JSONL line longer than
`MAX_LINE_BYTES` is kept as a row of its own with `_read_error = 'line_too_long'` and only
its first characters. A file the reader cannot parse at all is recorded with status
`failed` and the reader's message; the run goes on.
"""

from __future__ import annotations

import mmap
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath

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
META_COLUMNS = ("_extra", "_unparsed", "_file_id", "_row_number", "_read_error")

# A JSONL line longer than this is quarantined alone (`line_too_long`); no real record is
# that long, and the warehouse keeps only its first LINE_PREFIX_CHARS characters.
MAX_LINE_BYTES = 1_000_000
LINE_PREFIX_CHARS = 1_000
# The line reader's own limit (DuckDB's default): a longer line comes back as a reject
# (tolerant reader) or fails the file (strict one). It must stay above MAX_LINE_BYTES so
# that every line it rejects for its size is one ingestion quarantines as too long.
READER_MAX_LINE_BYTES = 2_000_000
LINE_SIZE_REJECT = "LINE SIZE OVER MAXIMUM"
REJECTS_TABLE = "_landing_rejects"
REJECT_SCANS_TABLE = "_landing_reject_scans"
UTF8_BOM = b"\xef\xbb\xbf"


class UnreadableLines(ValueError):
    """A file whose lines the reader cannot all return (a CSV line over its limit; a JSONL
    line skipped for another reason than its length, or lost): the file is failed rather
    than loaded with rows missing."""


# What a reader raises on a file it cannot parse. Anything else (a binder error, a full
# disk) is a fault of the pipeline or the machine and must stop the run, not mark the file.
PARSE_ERRORS = (duckdb.InvalidInputException, duckdb.ConversionException, UnreadableLines)


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative_path: str
    size_bytes: int
    modified_at: datetime
    file_format: str

    @property
    def delivery_day(self) -> date:
        """The UTC day the file is delivered for: the date of the innermost `YYYY-MM-DD`
        (or `dt=YYYY-MM-DD`) folder on its path, else the day it was last modified."""
        for folder in reversed(PurePosixPath(self.relative_path).parts[:-1]):
            if match := _DAY_FOLDER.fullmatch(folder):
                try:
                    return date.fromisoformat(match.group(1))
                except ValueError:  # 2026-13-45: not a day, an ordinary folder name
                    continue
        return self.modified_at.date()


_DAY_FOLDER = re.compile(r"(?:dt=)?(\d{4}-\d{2}-\d{2})")


@dataclass
class IngestResult:
    source: str
    files_loaded: int = 0
    files_failed: int = 0
    files_skipped: int = 0
    files_for_later_days: int = 0
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
                _row_number bigint not null,
                _read_error varchar
            )
            """
        )
        # warehouses created before the column existed
        con.execute(f"alter table raw.{source.name} add column if not exists _read_error varchar")


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


def _reader_sql(file: LandingFile, tolerant: bool = False) -> str:
    """The DuckDB reader of a file. `tolerant` (JSONL only) skips the lines the reader
    cannot read and lists them in REJECTS_TABLE instead of failing the file."""
    path = str(file.path).replace("'", "''")
    if file.file_format == "parquet":
        return f"read_parquet('{path}', file_row_number = true)"
    if file.file_format == "csv":
        return (
            f"read_csv('{path}', header = true, all_varchar = true, auto_detect = true)"
        )
    # JSONL: read lines verbatim so a malformed line is quarantined on its own, not the file.
    rejects = (
        f", ignore_errors = true, store_rejects = true, rejects_table = '{REJECTS_TABLE}', "
        f"rejects_scan = '{REJECT_SCANS_TABLE}'"
        if tolerant
        else ""
    )
    return (
        f"read_csv('{path}', columns = {{'line': 'varchar'}}, header = false, delim = '\\0', "
        "quote = '', escape = '', auto_detect = false, strict_mode = false, "
        f"max_line_size = {READER_MAX_LINE_BYTES}{rejects})"
    )


def _select_sql(
    con: duckdb.DuckDBPyConnection,
    source: LandingSource,
    file: LandingFile,
    file_id: int,
    tolerant: bool = False,
) -> str:
    reader = _reader_sql(file, tolerant)
    if file.file_format == "jsonl":
        paths = ", ".join(f"'$.{c}'" for c in source.columns)
        known = ", ".join(f"'{c}'" for c in source.columns)
        picks = ", ".join(f"v[{i + 1}] as {_quote(c)}" for i, c in enumerate(source.columns))
        # _row_number is the line's position among the lines read; the tolerant reader's
        # skipped lines are accounted for afterwards (_place_rejected_lines).
        return f"""
            with lines as (
                select line, _row_number, strlen(line) > {MAX_LINE_BYTES} as too_long
                from (select line, row_number() over () as _row_number from {reader})
                where trim(coalesce(line, '')) <> ''
            ),
            checked as (
                select *, case when too_long then false else json_valid(line) end as ok
                from lines
            )
            select
                {picks},
                case when ok and json_type(line) = 'OBJECT'
                     and not list_has_all([{known}], json_keys(line)) then line end as _extra,
                case when too_long then left(line, {LINE_PREFIX_CHARS})
                     when not ok or json_type(line) <> 'OBJECT' then line end as _unparsed,
                {file_id} as _file_id,
                _row_number,
                case when too_long then 'line_too_long' end as _read_error
            from (
                select *, case when ok and json_type(line) = 'OBJECT'
                               then json_extract_string(line, [{paths}]) end as v
                from checked
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
            {row_number} as _row_number,
            cast(null as varchar) as _read_error
        from {reader}
    """


def count_long_lines(path: Path, limit: int = MAX_LINE_BYTES) -> int:
    """How many lines of the file are longer than `limit` bytes, lines split at every CR
    or LF (as the line reader splits them; a CRLF ends one line) and a leading UTF-8 BOM
    not counted.

    The file is looked at in windows of limit/2 bytes: a longer line covers a whole window,
    so only a window without a line end is measured further. Every step is a C-level
    `find` over the memory-mapped file; nothing loops over lines.
    """
    if path.stat().st_size <= limit:
        return 0
    window = limit // 2
    count = 0
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        size = len(data)
        origin = len(UTF8_BOM) if data[: len(UTF8_BOM)] == UTF8_BOM else 0
        position = origin
        while position < size:
            window_end = min(position + window, size)
            if _next_line_end(data, position, window_end) < window_end:
                position = window_end
                continue
            earliest = max(origin, position - limit)
            line_start = max(data.rfind(b"\n", earliest, position),
                             data.rfind(b"\r", earliest, position)) + 1
            line_end = _next_line_end(data, window_end, size)
            # no line end within `limit` bytes before the window: the line is long anyway
            if line_end - max(line_start, earliest) > limit:
                count += 1
            position = line_end
    return count


def _next_line_end(data: mmap.mmap, start: int, end: int) -> int:
    """Offset of the first CR or LF in data[start:end], or `end`."""
    newline = data.find(b"\n", start, end)
    end = newline if newline >= 0 else end
    carriage_return = data.find(b"\r", start, end)
    return carriage_return if carriage_return >= 0 else end


def _place_rejected_lines(
    con: duckdb.DuckDBPyConnection, source_name: str, file_id: int, long_lines: int
) -> None:
    """After a tolerant read: the lines the reader skipped become `line_too_long` rows at
    their line numbers, and the rows read after them move down by as many lines.

    With skipped lines r_1 < r_2 < ..., the i-th line read is line i + #{j : r_j - (j-1) <= i}.
    The file fails when the reader skipped a line for another reason (a bad encoding, say)
    or lost one without saying so: the long lines found must be the `long_lines` counted
    in the file's bytes.
    """
    rejects_exist = con.execute(
        "select count(*) > 0 from duckdb_tables() where table_name = ?", [REJECTS_TABLE]
    ).fetchone()[0]
    if rejects_exist:
        other = con.execute(
            f"select line, error_message from {REJECTS_TABLE} where error_type <> ? "
            "order by line limit 1",
            [LINE_SIZE_REJECT],
        ).fetchone()
        if other is not None:
            line, message = other
            raise UnreadableLines(f"CSV Error on Line: {line}: {message}")
        con.execute(
            f"""
            update raw.{source_name} as landed
            set _row_number = landed._row_number + steps.skipped_before
            from (
                select
                    first_read_number,
                    lead(first_read_number, 1, {2**63 - 1})
                        over (order by first_read_number) as next_read_number,
                    skipped_before
                from (
                    select line - skipped + 1 as first_read_number, max(skipped) as skipped_before
                    from (
                        select line, row_number() over (order by line) as skipped
                        from {REJECTS_TABLE}
                    ) as rejected
                    group by 1
                ) as by_read_number
            ) as steps
            where landed._file_id = ?
                and landed._row_number >= steps.first_read_number
                and landed._row_number < steps.next_read_number
            """,
            [file_id],
        )
        con.execute(
            f"""
            insert into raw.{source_name} (_unparsed, _file_id, _row_number, _read_error)
            select left(csv_line, {LINE_PREFIX_CHARS}), ?, line, 'line_too_long'
            from {REJECTS_TABLE}
            """,
            [file_id],
        )
        con.execute(f"drop table {REJECTS_TABLE}")
        con.execute(f"drop table if exists {REJECT_SCANS_TABLE}")
    found = con.execute(
        f"select count(*) from raw.{source_name} "
        "where _file_id = ? and _read_error = 'line_too_long'",
        [file_id],
    ).fetchone()[0]
    if found != long_lines:
        # seen with lines of tens of MB across the reader's buffer boundaries
        raise UnreadableLines(
            f"the line reader lost {long_lines - found} of the {long_lines} lines longer "
            f"than {MAX_LINE_BYTES} bytes"
        )


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
    con: duckdb.DuckDBPyConnection, landing_dir: Path, source_name: str,
    through: date | None = None,
) -> IngestResult:
    """Load every new file of one source delivered for a day up to `through` (every new
    file when None); each file is one transaction."""
    source = SOURCES[source_name]
    ensure_raw_schema(con)
    result = IngestResult(source=source_name)
    known = _known_files(con, source_name)
    for file in discover_files(landing_dir, source_name):
        if (file.relative_path, file.size_bytes, file.modified_at) in known:
            result.files_skipped += 1
            continue
        if through is not None and file.delivery_day > through:
            result.files_for_later_days += 1
            continue
        file_id = con.execute("select nextval('raw._file_ids')").fetchone()[0]
        con.execute("begin transaction")
        try:
            if file.file_format == "csv" and count_long_lines(file.path, READER_MAX_LINE_BYTES):
                # the CSV reader fails on such a line, or drops it unnoticed, or stops
                raise UnreadableLines(
                    f"a line is longer than {READER_MAX_LINE_BYTES} bytes, the CSV reader's limit"
                )
            long_lines = count_long_lines(file.path) if file.file_format == "jsonl" else 0
            if long_lines:
                con.execute(f"drop table if exists {REJECTS_TABLE}")
                con.execute(f"drop table if exists {REJECT_SCANS_TABLE}")
            select_sql = _select_sql(con, source, file, file_id, tolerant=long_lines > 0)
            columns = ", ".join(_quote(c) for c in (*source.columns, *META_COLUMNS))
            con.execute(f"insert into raw.{source_name} ({columns}) {select_sql}")
            if long_lines:
                _place_rejected_lines(con, source_name, file_id, long_lines)
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
