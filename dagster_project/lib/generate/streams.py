"""The streamed sources (usage records, gateway requests, calls): set-based, one
`COPY (...) TO` per part file from `range()`. Python loops over days and files only, so
memory does not grow with the volume; each row's values are a pure function of (source
day, row index, seed), and its place in the file of (delivery, source day, row index)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from dagster_project.lib.generate.bad_rows import (
    BadSlots,
    bad_rows_per_day,
    bad_slots_of_part,
    kind_numbers,
)
from dagster_project.lib.generate.config import GenerateConfig
from dagster_project.lib.generate.deliveries import (
    DUP_MAX_DAYS,
    DUPLICATE,
    LATE,
    LATE_MAX_DAYS,
    ON_TIME,
)
from dagster_project.lib.generate.files import Column, LandingWriter
from dagster_project.lib.generate.randomness import unit
from dagster_project.lib.generate.sql import Database
from dagster_project.lib.generate.window import Window


@dataclass(frozen=True)
class IdWidths:
    """Digits of the numbers in the generated ids (zero-padded, so ids sort)."""

    workspace: int
    event: int
    call: int


@dataclass(frozen=True)
class Part:
    """One part file of a streamed source, as its row SQL sees it."""

    keys_sql: str          # select source_day, row_index, delivery: the rows of the file
    first_day: int         # the oldest source day its rows can come from
    last_day: int          # the day of its folder
    jsonl: bool
    bad_slots: BadSlots


@dataclass(frozen=True)
class StreamSource:
    name: str
    rows_per_day: list[int]     # rows generated per day (before late moves and duplicates)
    late_threshold: int         # see deliveries.late_threshold (0 = never late)
    columns: tuple[Column, ...]
    rows_sql: Callable[[Part], str]
    extra_day_columns: dict[str, list[int]] = field(default_factory=dict)
    unparseable_day: int | None = None  # the day whose folder gets one unparseable file


@dataclass(frozen=True)
class StreamDay:
    """A source day's rows: `rows` of them, `bad_rows` evenly spread over them, the
    spread rotated by `bad_offset`."""

    day: int
    rows: int
    bad_rows: int
    bad_offset: int


# ---- SQL shared by the row SQL of every streamed source


def day_rows_sql(part: Part, source_name: str, salts: tuple[str, ...],
                 extra_day_columns: tuple[str, ...] = ()) -> str:
    """The CTEs `part_keys` and `keyed`: the part's rows with their day's parameters and
    one row hash per salt (hash_1, hash_2, ...)."""
    day_columns = ("day_start", "day_label", "weekend", "day_rows", "day_bad_rows",
                   "bad_offset", *extra_day_columns, "bucket_count")
    hashes = ", ".join(
        f"row_hash(part_keys.row_index, part_keys.source_day, '{salt}') as hash_{number}"
        for number, salt in enumerate(salts, start=1))
    return f"""part_keys as ({part.keys_sql}),
        keyed as (
            select part_keys.source_day, part_keys.row_index, part_keys.delivery,
                {", ".join(f"day_params.{name}" for name in day_columns)},
                {hashes}
            from part_keys join {source_name}_days day_params
                on day_params.source_day = part_keys.source_day
        )"""


def workspace_join_sql(part: Part, rows: str, bucket: str) -> str:
    """`rows` joined to the workspace of its bucket, among the buckets of the part's days."""
    return (f"{rows} join (select * from workspace_buckets "
            f"where source_day between {part.first_day} and {part.last_day}) buckets\n"
            f"                on buckets.source_day = {rows}.source_day "
            f"and buckets.bucket = {bucket}")


def file_columns_sql(kind: dict[str, int]) -> str:
    """The columns every row SQL ends with: its sort keys in the file (delivery, source
    day, row) and the two flags the JSONL writer reads."""
    return ("delivery as _sort_1, source_day as _sort_2, row_index as _sort_3,\n"
            f"            coalesce(kind = {kind['invalid_json']}, false) as _invalid_json,\n"
            f"            coalesce(kind = {kind['invalid_number']}, false) as _quote_numbers")


def kinds_of(source_kinds: tuple[str, ...], part: Part) -> tuple[dict[str, int], str, str]:
    """The kind numbers, and the SQL of a row's kind and variant in this part."""
    kind_sql, variant_sql = part.bad_slots.kind_and_variant_sql(len(source_kinds), part.jsonl)
    return kind_numbers(source_kinds), kind_sql, variant_sql


# ---- the per-day parameters


def load_stream_days(db: Database, source: StreamSource, window: Window,
                     config: GenerateConfig, bucket_counts: list[int]) -> list[StreamDay]:
    """<source>_days: the parameters of each source day the row SQL joins to."""
    days = []
    for day, (rows, bad_rows) in enumerate(zip(
            source.rows_per_day, bad_rows_per_day(source.rows_per_day, config.bad_row_rate),
            strict=True)):
        bad_offset = int(unit(config.seed, source.name, "off", day) * rows) if rows else 0
        days.append(StreamDay(day, rows, bad_rows, bad_offset))
    header = ["source_day", "day_start", "day_label", "weekend", "day_rows", "day_bad_rows",
              "bad_offset", "bucket_count", *source.extra_day_columns]
    table = [
        [params.day, window.day_start(params.day).strftime("%Y-%m-%d %H:%M:%S"),
         window.day_start(params.day).strftime("%Y%m%d"),
         1 if window.is_weekend(params.day) else 0,
         params.rows, params.bad_rows, params.bad_offset, bucket_counts[params.day],
         *(values[params.day] for values in source.extra_day_columns.values())]
        for params in days
    ]
    types = dict.fromkeys(header, "BIGINT")
    types.update(day_start="TIMESTAMP", day_label="VARCHAR")
    db.load_table(f"{source.name}_days", header, table, types)
    return days


# ---- writing a source day by day


class StreamWriter:
    """Writes one streamed source: each day its own rows (less the late ones) in part
    files of at most rows_per_file, plus the late rows and duplicates of earlier days due
    that day, appended to the last part if they fit, else in parts of their own."""

    def __init__(self, db: Database, writer: LandingWriter, source: StreamSource,
                 days: list[StreamDay], config: GenerateConfig):
        self.db = db
        self.writer = writer
        self.source = source
        self.days = days
        self.rows_per_file = max(1, config.rows_per_file)
        self.seed = config.seed
        late_days = LATE_MAX_DAYS if source.late_threshold else 0
        self.max_lag = max(DUP_MAX_DAYS, late_days)
        # bad rows written so far per format class, so each class cycles through its kinds
        self.bad_written = {"jsonl": 0, "other": 0}

    def write(self) -> None:
        for day in range(len(self.days)):
            self.write_day(day)

    def _delivery_args(self, day: int) -> str:
        """The arguments of is_late / is_duplicate for the rows of a source day."""
        params = self.days[day]
        return (f"row_index, {day}, {params.rows}, {params.bad_rows}, {params.bad_offset}, "
                f"'{self.source.name}', {self.source.late_threshold}")

    def _own_rows_sql(self, day: int, first_row: int, stop_row: int) -> str:
        return (f"select cast({day} as bigint) as source_day, row_index, "
                f"{ON_TIME} as delivery from range({first_row}, {stop_row}) t(row_index) "
                f"where not is_late({self._delivery_args(day)})")

    def _stage_redeliveries(self, day: int) -> tuple[int, int]:
        """The temp table redeliveries: late rows and duplicates of earlier days due
        today, numbered; returns (their count, the duplicates')."""
        name = self.source.name
        selects = [
            f"select cast({earlier} as bigint) as source_day, row_index, "
            f"case when is_late({self._delivery_args(earlier)}) then {LATE} "
            f"else {DUPLICATE} end as delivery "
            f"from range({self.days[earlier].rows}) t(row_index) "
            f"where (is_late({self._delivery_args(earlier)}) "
            f"and late_day(row_index, {earlier}, '{name}') = {day}) "
            f"or (is_duplicate({self._delivery_args(earlier)}) "
            f"and duplicate_day(row_index, {earlier}, '{name}') = {day})"
            for earlier in range(max(0, day - self.max_lag), day) if self.days[earlier].rows
        ]
        if not selects:
            return 0, 0
        self.db.execute(
            "create or replace temp table redeliveries as select source_day, row_index, "
            "delivery, row_number() over (order by delivery, source_day, row_index) "
            "as redelivery_number from (" + " union all ".join(selects) + ")"
        )
        return self.db.execute(
            f"select count(*), count(*) filter (where delivery = {DUPLICATE}) "
            "from redeliveries").fetchone()

    def _parts(self, day: int, redelivered: int) -> list[tuple[str, int, int]]:
        """The day's part files: (keys SQL, first and stop row of the day's own rows)."""
        own_rows = self.days[day].rows
        per_file = self.rows_per_file
        bounds = [(first, min(own_rows, first + per_file))
                  for first in range(0, own_rows, per_file)]
        parts = [self._own_rows_sql(day, first, stop) for first, stop in bounds]
        redelivery_parts: list[str] = []
        if redelivered:
            last_part_rows = 0
            if bounds:
                last_part_rows = self.db.execute(
                    f"select count(*) from ({parts[-1]})").fetchone()[0]
            if bounds and last_part_rows + redelivered <= per_file:
                parts[-1] += " union all select source_day, row_index, delivery from redeliveries"
            else:
                redelivery_parts = [
                    "select source_day, row_index, delivery from redeliveries where "
                    f"redelivery_number between {first} and {first + per_file - 1}"
                    for first in range(1, redelivered + 1, per_file)
                ]
        return [(keys, first, stop) for keys, (first, stop) in
                zip(parts + redelivery_parts, bounds + [(0, 0)] * len(redelivery_parts),
                    strict=True)]

    def write_day(self, day: int) -> None:
        source, tally = self.source, self.writer.tally
        redelivered, duplicates = self._stage_redeliveries(day)
        tally.duplicate_rows[source.name] += duplicates
        parts = self._parts(day, redelivered)
        params = self.days[day]
        for number, (keys, first_row, stop_row) in enumerate(parts, start=1):
            fmt = self.writer.next_format(source.name)
            format_class = "jsonl" if fmt == "jsonl" else "other"
            slots = bad_slots_of_part(params.rows, params.bad_rows, params.bad_offset,
                                      first_row, stop_row, self.bad_written[format_class])
            self.bad_written[format_class] += slots.count
            tally.bad_rows[source.name] += slots.count
            part = Part(keys, max(0, day - self.max_lag), day, fmt == "jsonl", slots)
            self.writer.write_part(source.name, day, number, fmt, source.rows_sql(part),
                                   source.columns)
        if day == source.unparseable_day and params.rows:
            self.writer.write_unparseable(source.name, day, len(parts) + 1, self.seed)
