"""Report periods: calendar months and quarters, half-open `[start, end)` in UTC."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Period:
    """A report period: `label` names it (2026-10, 2026-Q3); `end` is exclusive."""

    label: str
    start: date
    end: date

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.end.toordinal() - 1)


def _next_month(day: date, months: int = 1) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month(label: str) -> Period:
    """`YYYY-MM` (or a partition key `YYYY-MM-DD` of its first day) -> the month."""
    match = _MONTH.match(label[:7])
    if not match or len(label) not in (7, 10):
        raise ValueError(f"not a month: {label!r} (expected YYYY-MM)")
    start = date(int(match[1]), int(match[2]), 1)
    return Period(f"{start:%Y-%m}", start, _next_month(start))


def quarter(label: str) -> Period:
    """`YYYY-QN` -> the quarter: Q1 = January to March ... Q4 = October to December."""
    match = _QUARTER.match(label)
    if not match:
        raise ValueError(f"not a quarter: {label!r} (expected YYYY-Q1 ... YYYY-Q4)")
    start = date(int(match[1]), 3 * int(match[2]) - 2, 1)
    return Period(label, start, _next_month(start, 3))


def quarter_of(day: date) -> Period:
    """The quarter a day falls in (a quarterly partition key is its first day)."""
    return quarter(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
