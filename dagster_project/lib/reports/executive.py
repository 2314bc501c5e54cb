"""The quarterly executive summary, per workspace and for the platform: Markdown and
HTML with charts. It covers exactly the quarter asked for: every query is restricted to
the quarter's dates, and every figure comes from the marts (figures.collect)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_project.lib.reports import figures as figures_module
from dagster_project.lib.reports.figures import PLATFORM, Figures
from dagster_project.lib.reports.files import StagedFolder, safe_name, write_text_atomic
from dagster_project.lib.reports.periods import Period
from dagster_project.lib.reports.render import render_html, render_markdown
from dagster_project.lib.reports.report_charts import Chart, draw_each, write_charts

CHARTS = ("calls_by_hour", "calls_by_agent", "cost_trend", "sentiment", "cost_by_provider")
TOP_WORKSPACES = 10
PLATFORM_STEM = "platform"


@dataclass(frozen=True)
class WrittenSummary:
    figures: Figures
    markdown: str
    files: dict[str, Path]
    charts: dict[str, Chart]


def top_workspaces(collected: dict[str | None, Figures], top: int = TOP_WORKSPACES
                   ) -> list[Figures]:
    """The workspaces with the most revenue in the period (then calls, then id). Each
    figure was aggregated on its own per workspace, so nothing is multiplied by a join."""
    return sorted(figures_module.workspace_figures(collected),
                  key=lambda f: (-f.revenue, -f.calls_total, f.workspace_id))[:top]


def _write(folder: Path, stem: str, f: Figures, drawn: dict[str, tuple[str, bytes]],
           context: dict) -> tuple[str, dict[str, Chart]]:
    charts = write_charts(f, CHARTS, folder / "charts", stem, relative_to=folder, drawn=drawn)
    markdown = render_markdown("executive_summary.md.j2", f=f, charts=charts, **context)
    write_text_atomic(folder / f"{stem}.md", markdown)
    write_text_atomic(folder / f"{stem}.html",
                      render_html("executive_summary.html.j2", f=f, charts=charts, **context))
    return markdown, charts


def write_executive_summaries(
    con: duckdb.DuckDBPyConnection, quarter: Period, reports_dir: Path
) -> tuple[WrittenSummary, list[WrittenSummary]]:
    """`<reports_dir>/executive/YYYY-QN/platform.md|.html` and
    `.../workspaces/<workspace_id>.md|.html` (charts beside them, in charts/); the
    quarter's folder is replaced whole. Returns (platform, workspaces)."""
    collected = figures_module.collect(con, quarter, workspaces=True, platform=True)
    target = reports_dir / "executive" / quarter.label
    done: list[tuple[Figures, str, str, dict[str, Chart], str]] = []
    with StagedFolder(target) as staging:
        platform = collected[PLATFORM]
        workspaces = figures_module.workspace_figures(collected)
        platform_drawn, *workspaces_drawn = draw_each([platform, *workspaces], CHARTS)
        markdown, charts = _write(staging, PLATFORM_STEM, platform, platform_drawn,
                                  {"top_workspaces": top_workspaces(collected)})
        done.append((platform, "", PLATFORM_STEM, charts, markdown))
        for f, drawn in zip(workspaces, workspaces_drawn, strict=True):
            stem = safe_name(f.workspace_id)
            markdown, charts = _write(staging / "workspaces", stem, f, drawn,
                                      {"top_workspaces": []})
            done.append((f, "workspaces", stem, charts, markdown))

    def written(f: Figures, sub: str, stem: str, charts: dict[str, Chart], markdown: str):
        folder = target / sub if sub else target
        return WrittenSummary(
            f, markdown,
            {"md": folder / f"{stem}.md", "html": folder / f"{stem}.html"},
            {name: Chart(c.name, c.title, c.png, folder / c.link, c.link)
             for name, c in charts.items()},
        )

    platform_summary, *workspace_summaries = [written(*item) for item in done]
    return platform_summary, workspace_summaries
