"""The workspaces/ and agents/ sources: each day a dump of the table as of 00:00 UTC,
then one row per change during the day."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from dagster_project.lib.generate.files import Column, LandingWriter
from dagster_project.lib.generate.randomness import unit
from dagster_project.lib.generate.sql import Database
from dagster_project.lib.generate.timestamps import iso_text
from dagster_project.lib.generate.workspaces import History, Workspace

WORKSPACE_COLUMNS = (
    Column("workspace_id"), Column("name", "text"), Column("status"), Column("plan_id"),
    Column("billing_email", "text"), Column("country"), Column("region"),
    Column("created_at"), Column("cancelled_at"),
    Column("markup_percentage", "num", "DECIMAL(9,2)"),
    Column("usage_limit_monthly", "num", "DECIMAL(18,2)"),
    Column("alert_threshold_percentage", "num", "DECIMAL(9,2)"),
    Column("auto_pause_on_limit"), Column("snapshot_at"),
)
AGENT_COLUMNS = (
    Column("agent_id"), Column("workspace_id"), Column("name", "text"), Column("status"),
    Column("snapshot_at"),
)
# Sort keys: the dump (0) before the changes (1), changes by instant, then by key.
_SORT_COLUMNS = ("_sort_1", "_sort_2", "_sort_3")


def snapshot_rows(histories: Iterable[History], day_start: datetime, seed: int,
                  salt: str) -> list[dict[str, object]]:
    """The day's dump of the table as of 00:00 UTC plus a row per change during the day."""
    day_end = day_start + timedelta(days=1)
    dump: list[dict[str, object]] = []
    changes: list[dict[str, object]] = []
    for history in histories:
        if history.created_at < day_start:
            row = dict(history.state_at(day_start))
            row["snapshot_at"] = day_start.strftime("%Y-%m-%dT%H:%M:%SZ")
            row.update(zip(_SORT_COLUMNS, (0, 0, history.key), strict=True))
            dump.append(row)
        for at, state in zip(history.instants, history.states, strict=True):
            if day_start <= at < day_end:
                row = dict(state)
                shape_draw = unit(seed, salt, history.key, at.isoformat())
                row["snapshot_at"] = iso_text(at, shape_draw, unit(seed, salt, "off", history.key))
                row.update(zip(_SORT_COLUMNS, (1, int(at.timestamp()), history.key), strict=True))
                changes.append(row)
    return dump + changes


def write_snapshots(db: Database, writer: LandingWriter, workspaces: list[Workspace],
                    seed: int) -> None:
    for source, columns, histories in (
        ("workspaces", WORKSPACE_COLUMNS, [workspace.history for workspace in workspaces]),
        ("agents", AGENT_COLUMNS,
         [agent for workspace in workspaces for agent in workspace.agents]),
    ):
        header = [column.name for column in columns] + list(_SORT_COLUMNS)
        for day in range(writer.window.days):
            rows = snapshot_rows(histories, writer.window.day_start(day), seed, source)
            if not rows:
                continue
            db.load_table("snapshot_rows", header,
                          ([row.get(name) for name in header] for row in rows),
                          {"_sort_1": "BIGINT", "_sort_2": "BIGINT"})
            sql = ("select *, false as _invalid_json, false as _quote_numbers "
                   "from snapshot_rows")
            writer.write_part(source, day, 1, writer.next_format(source), sql, columns)
