"""New landing files start an ingest and a build, without waiting for the 00:00 run."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import dagster as dg

from dagster_project.defs.jobs import daily_pipeline_job
from dagster_project.defs.partitions import day_key
from dagster_project.lib.landing import SOURCES, LandingFile, discover_files
from dagster_project.settings import load_settings


def new_files(cursor: str | None, files: list[LandingFile]) -> tuple[list[LandingFile], str]:
    """The files not seen by an earlier tick, and the cursor after this one.

    The cursor is a watermark, not a list of every file ever seen (that would grow with
    the landing folder): the newest modification time seen and the files carrying it.
    A file copied in with an older modification time than the watermark is not seen
    here; the daily run picks it up.
    """
    state = json.loads(cursor) if cursor else {"newest": None, "at_newest": []}
    newest = datetime.fromisoformat(state["newest"]) if state["newest"] else None
    seen_at_newest = set(state["at_newest"])
    fresh = [
        f for f in files
        if newest is None or f.modified_at > newest
        or (f.modified_at == newest and f.relative_path not in seen_at_newest)
    ]
    if not fresh:
        return [], cursor or json.dumps(state)
    top = max(f.modified_at for f in files)
    at_top = sorted(f.relative_path for f in files if f.modified_at == top)
    return fresh, json.dumps({"newest": top.isoformat(), "at_newest": at_top})


@dg.sensor(
    job=daily_pipeline_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Every minute: when files appeared in the landing folder since the last "
    "tick, ingest them and build (the run queue holds it while another run writes).",
)
def new_landing_files_sensor(context: dg.SensorEvaluationContext):
    landing_dir = load_settings().landing_dir
    files = [f for source in SOURCES for f in discover_files(landing_dir, source)]
    fresh, cursor = new_files(context.cursor, files)
    context.update_cursor(cursor)
    if not fresh:
        return dg.SkipReason(f"no new landing files ({len(files)} seen)")
    names = sorted(f.relative_path for f in fresh)
    # one run per new set of files, however often the sensor sees it
    run_key = hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]
    return dg.RunRequest(
        run_key=run_key,
        # the running day: every new file delivered for it or for a day before it
        partition_key=day_key(datetime.now(UTC)),
        tags={"billing/new_files": str(len(names))},
    )
