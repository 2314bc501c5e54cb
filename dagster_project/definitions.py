"""The one entry point: every definition lives under `defs/` and is loaded from there."""

import dagster as dg

from dagster_project.settings import PROJECT_ROOT


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions.merge(
        dg.load_from_defs_folder(path_within_project=PROJECT_ROOT),
        # Every run's steps share one process: the warehouse has one writer, and a step
        # of a few seconds is not worth a process start (the checks, the publish).
        dg.Definitions(executor=dg.in_process_executor),
    )
