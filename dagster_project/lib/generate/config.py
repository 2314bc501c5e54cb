"""What to generate (`GenerateConfig`, the one place its defaults live), what was written
(`GenerateSummary`), and the checks a config must pass first."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

SOURCE_NAMES = ("workspaces", "agents", "usage_records", "gateway_requests", "calls")
FORMAT_SUFFIX = {"jsonl": ".jsonl", "csv": ".csv", "parquet": ".parquet"}


@dataclass(frozen=True)
class GenerateConfig:
    landing_dir: Path
    seed: int = 42
    workspaces: int = 50
    days: int = 90
    end_date: date | None = None          # last day generated (inclusive); None = today (UTC)
    usage_events_per_day: int = 20_000
    calls_per_day: int = 2_000
    gateway_requests_per_day: int = 5_000
    formats: tuple[str, ...] = ("jsonl", "csv", "parquet")   # the mix; files rotate through it
    bad_row_rate: float = 0.002          # share of rows turned into bad rows
    duplicate_rate: float = 0.003        # share of rows delivered a second time in a later file
    late_rate: float = 0.002             # share of usage rows delivered in a file of a later day
    rows_per_file: int = 5_000_000       # split a day into part files beyond this
    memory_limit: str = "2GB"            # DuckDB memory_limit for generation
    threads: int | None = None


@dataclass(frozen=True)
class GenerateSummary:
    files: dict[str, int]          # source -> files written
    rows: dict[str, int]           # source -> rows written (including duplicates and bad rows)
    bad_rows: dict[str, int]       # source -> bad rows written
    duplicate_rows: dict[str, int] # source -> re-delivered duplicate rows written


def _per_source() -> dict[str, int]:
    return dict.fromkeys(SOURCE_NAMES, 0)


@dataclass
class Tally:
    """The running counts of a generation, per source; frozen into a `GenerateSummary`."""

    files: dict[str, int] = field(default_factory=_per_source)
    rows: dict[str, int] = field(default_factory=_per_source)
    bad_rows: dict[str, int] = field(default_factory=_per_source)
    duplicate_rows: dict[str, int] = field(default_factory=_per_source)

    def summary(self) -> GenerateSummary:
        return GenerateSummary(
            files=dict(self.files), rows=dict(self.rows), bad_rows=dict(self.bad_rows),
            duplicate_rows=dict(self.duplicate_rows),
        )


def validate(config: GenerateConfig) -> None:
    if config.workspaces < 1 or config.days < 1:
        raise ValueError("workspaces and days must be at least 1")
    if not config.formats or any(fmt not in FORMAT_SUFFIX for fmt in config.formats):
        raise ValueError(f"formats must be a non-empty subset of {sorted(FORMAT_SUFFIX)}")
    for name in ("bad_row_rate", "duplicate_rate", "late_rate"):
        if not 0.0 <= getattr(config, name) <= 1.0:
            raise ValueError(f"{name} must be within [0, 1]")
    for name in ("usage_events_per_day", "calls_per_day", "gateway_requests_per_day"):
        if getattr(config, name) < 0:
            raise ValueError(f"{name} must not be negative")
    if config.rows_per_file < 1:
        raise ValueError("rows_per_file must be at least 1")
