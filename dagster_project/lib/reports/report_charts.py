"""The charts of a report, drawn from its figures and written beside it."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import repeat
from pathlib import Path

from dagster_project.lib.reports import charts
from dagster_project.lib.reports.figures import ZERO, Figures

TOP_AGENTS = 10
# below this many reports a pool of drawing processes costs more than it saves
POOL_FROM_REPORTS = 8


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    png: bytes
    path: Path
    """Where the PNG was written."""
    link: str
    """The path relative to the report file (for Markdown)."""


def trend_days(figures: Figures) -> list[date]:
    """Every day from the first to the last day with data in the period (gaps as 0)."""
    if not figures.days:
        return []
    first = min(day.day for day in figures.days)
    last = max(day.day for day in figures.days)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def draw(figures: Figures, names: tuple[str, ...]) -> dict[str, tuple[str, bytes]]:
    """{name: (title, png)} for the requested charts."""
    drawn: dict[str, tuple[str, bytes]] = {}
    for name in names:
        if name == "calls_by_hour":
            title = "Calls by hour of day (UTC)"
            png = charts.calls_by_hour(figures.calls_by_hour, title)
        elif name == "calls_by_agent":
            top = figures.agents[:TOP_AGENTS]
            title = "Calls by agent" + (f" (top {TOP_AGENTS})" if len(figures.agents) > TOP_AGENTS
                                        else "")
            # platform-wide, agents of different workspaces may share a name
            labels = [a.label if figures.workspace_id is not None
                      else f"{a.label} ({a.workspace_id})" for a in top]
            png = charts.calls_by_agent(labels, [a.calls for a in top], title)
        elif name == "cost_trend":
            by_day = {day.day: day for day in figures.days}
            days = trend_days(figures)
            title = "Provider cost and revenue per day (USD)"
            png = charts.cost_trend(days, {
                "provider cost": [by_day[d].provider_cost if d in by_day else ZERO
                                  for d in days],
                "revenue (excl. tax)": [by_day[d].revenue if d in by_day else ZERO
                                        for d in days],
            }, title)
        elif name == "sentiment":
            title = "Sentiment of rated calls"
            png = charts.sentiment(figures.sentiment, title)
        elif name == "cost_by_provider":
            title = "Provider cost by provider (USD)"
            providers = figures.usage_by_provider
            png = charts.cost_by_provider([u.provider for u in providers],
                                          [u.provider_cost for u in providers], title)
        else:
            raise ValueError(f"unknown chart {name!r}")
        drawn[name] = (title, png)
    return drawn


def draw_each(reports: Sequence[Figures], names: tuple[str, ...]
              ) -> list[dict[str, tuple[str, bytes]]]:
    """draw() of every report, in order. Drawing is CPU-bound (matplotlib holds the GIL),
    so many reports are drawn by one process per core; the figures travel pickled."""
    workers = min(os.cpu_count() or 1, len(reports))
    if workers < 2 or len(reports) < POOL_FROM_REPORTS:
        return [draw(figures, names) for figures in reports]
    # forkserver: the workers start clean, not as copies of a process holding the
    # warehouse connection and the run's threads
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver")
                             ) as pool:
        return list(pool.map(draw, reports, repeat(names),
                             chunksize=max(1, len(reports) // (4 * workers))))


def write_charts(figures: Figures, names: tuple[str, ...], folder: Path, stem: str,
                 relative_to: Path, drawn: dict[str, tuple[str, bytes]] | None = None
                 ) -> dict[str, Chart]:
    """Write `<folder>/<stem>-<name>.png`, drawing the charts unless already `drawn`."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, (title, png) in (drawn or draw(figures, names)).items():
        path = folder / f"{stem}-{name}.png"
        path.write_bytes(png)
        written[name] = Chart(name, title, png, path, path.relative_to(relative_to).as_posix())
    return written
