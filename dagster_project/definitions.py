"""The one entry point: every definition lives under `defs/` and is loaded from there."""

import dagster as dg

from dagster_project.settings import PROJECT_ROOT


@dg.definitions
def defs() -> dg.Definitions:
    return dg.load_from_defs_folder(path_within_project=PROJECT_ROOT)
