"""The generated days: `days` whole UTC days ending on `end_date` (inclusive)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from dagster_project.lib.generate.config import GenerateConfig


@dataclass(frozen=True)
class Window:
    end: date            # the last day generated
    days: int
    start: datetime      # 00:00 UTC of the first day (naive, like every instant generated)

    @classmethod
    def of(cls, config: GenerateConfig) -> Window:
        end = config.end_date or datetime.now(UTC).date()
        first = end - timedelta(days=config.days - 1)
        return cls(end=end, days=config.days, start=datetime(first.year, first.month, first.day))

    @property
    def stop(self) -> datetime:
        """00:00 UTC after the last day."""
        return self.start + timedelta(days=self.days)

    def day_start(self, day: int) -> datetime:
        return self.start + timedelta(days=day)

    def is_weekend(self, day: int) -> bool:
        return self.day_start(day).weekday() >= 5
