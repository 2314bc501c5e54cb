"""Instants and their text: the shapes producers send (`Z`, an offset, no offset), and the
intraday rhythm (business hours busier, weekends flatter) events are placed on."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dagster_project.lib.generate.sql import Database

UTC_OFFSETS = (("+02:00", 120), ("-05:00", -300), ("+05:30", 330), ("+09:00", 540),
               ("-08:00", -480), ("+01:00", 60))
# UTC hour weights: European afternoon and American morning overlap at 13-17 UTC.
WEEKDAY_HOURS = (
    0.25, 0.2, 0.2, 0.2, 0.25, 0.3, 0.45, 0.7, 1.0, 1.3, 1.4, 1.4,
    1.3, 1.6, 1.7, 1.7, 1.6, 1.5, 1.2, 1.0, 0.8, 0.6, 0.45, 0.3,
)
WEEKEND_HOURS = (
    0.3, 0.25, 0.25, 0.25, 0.3, 0.35, 0.45, 0.55, 0.7, 0.8, 0.85, 0.85,
    0.85, 0.9, 0.9, 0.9, 0.85, 0.8, 0.7, 0.65, 0.55, 0.45, 0.4, 0.35,
)
# A day's quantiles [0, 1) fall into this many buckets of the time_of_day table.
TIME_BUCKETS = 4096
LAST_MILLISECOND_OF_DAY = 86_399_999


def iso_text(moment: datetime, shape_draw: float, offset_draw: float) -> str:
    """ISO-8601 text of a UTC instant, in one of the shapes producers send."""
    if shape_draw < 0.70:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if shape_draw < 0.80:
        label, minutes = UTC_OFFSETS[int(offset_draw * len(UTC_OFFSETS))]
        return (moment + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S") + label
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def moment_in_day(day_start: datetime, draw: float) -> datetime:
    """An instant inside the day, away from midnight (whole seconds)."""
    return day_start + timedelta(seconds=600 + int(draw * (86400 - 1200)))


def _second_of_day(hour_weights: tuple[float, ...]) -> Callable[[float], float]:
    """The inverse of the day's cumulative hour weights: quantile -> second of the day."""
    cumulative = [0.0]
    for weight in hour_weights:
        cumulative.append(cumulative[-1] + weight)
    cumulative = [total / cumulative[-1] for total in cumulative]

    def second(quantile: float) -> float:
        hour = min(23, bisect_right(cumulative, quantile) - 1)
        return 3600.0 * (hour + (quantile - cumulative[hour])
                         / (cumulative[hour + 1] - cumulative[hour]))

    return second


def load_time_of_day(db: Database) -> None:
    """time_of_day(weekend, bucket) -> [start_second, start_second + span_seconds): the
    stretch of the day that bucket `bucket` of the day's quantiles covers."""
    rows = []
    for weekend, hours in ((0, WEEKDAY_HOURS), (1, WEEKEND_HOURS)):
        second = _second_of_day(hours)
        for bucket in range(TIME_BUCKETS):
            start = second(bucket / TIME_BUCKETS)
            stop = second((bucket + 1) / TIME_BUCKETS) if bucket + 1 < TIME_BUCKETS else 86400.0
            rows.append((weekend, bucket, repr(start), repr(stop - start)))
    db.load_table("time_of_day", ("weekend", "bucket", "start_second", "span_seconds"), rows,
                  {"weekend": "INTEGER", "bucket": "BIGINT", "start_second": "DOUBLE",
                   "span_seconds": "DOUBLE"})


def time_bucket_sql(quantile: str) -> str:
    """The time_of_day bucket of a quantile of the day (SQL)."""
    return f"least({TIME_BUCKETS - 1}, cast(floor({quantile} * {TIME_BUCKETS}) as bigint))"


def millisecond_of_day_sql(quantile: str, times: str) -> str:
    """The millisecond of the day at a quantile, inside its bucket of `times` (a joined
    time_of_day row)."""
    return (f"least({LAST_MILLISECOND_OF_DAY}, cast(floor(({times}.start_second + ({quantile} "
            f"* {TIME_BUCKETS} - {times}.bucket) * {times}.span_seconds) * 1000) as bigint))")


def create_timestamp_macro(db: Database) -> None:
    """timestamp_text(ts, hash_value): an event's instant as the text a producer sent."""
    offsets = " ".join(
        f"when {number} then strftime(ts + interval ({minutes}) minute, "
        f"'%Y-%m-%dT%H:%M:%S') || '{label}'"
        for number, (label, minutes) in enumerate(UTC_OFFSETS)
    )
    db.execute(
        "create or replace macro timestamp_text(ts, hash_value) as case "
        "when hash_unit(hash_value, 0) < 0.70 then strftime(ts, '%Y-%m-%dT%H:%M:%SZ') "
        "when hash_unit(hash_value, 0) < 0.78 then strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ') "
        "when hash_unit(hash_value, 0) < 0.90 then case cast(floor(hash_unit(hash_value, 1) "
        f"* {len(UTC_OFFSETS)}) as int) {offsets} end "
        "else strftime(ts, '%Y-%m-%d %H:%M:%S') end"
    )
