"""The dbt project as Dagster sees it: where it lives, its manifest, how dbt is called."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from dagster_project.settings import DBT_PROFILES_DIR, DBT_PROJECT_DIR, Settings

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROFILES_DIR)

# What a manifest is built from; a manifest older than any of these is stale.
_DBT_SOURCES = ("models", "seeds", "dbt", "dbt_project.yml")


def _newest_source_mtime(project_dir: Path) -> float:
    newest = 0.0
    for name in _DBT_SOURCES:
        path = project_dir / name
        paths = [path] if path.is_file() else path.rglob("*") if path.is_dir() else []
        for item in paths:
            if item.is_file():
                newest = max(newest, item.stat().st_mtime)
    return newest


def ensure_manifest() -> Path:
    """Parse the dbt project when its manifest is missing or older than its sources.

    `dagster dev` does this by itself; the CLI, the tests and `make ui` come through here,
    so a changed model is never run from a stale manifest.
    """
    manifest = dbt_project.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime(
        dbt_project.project_dir
    ):
        DbtCliResource(
            project_dir=dbt_project,
            profiles_dir=str(DBT_PROFILES_DIR),
            dbt_executable=_dbt_executable(),
        ).cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()
    return manifest


def dbt_cli_resource(settings: Settings) -> DbtCliResource:
    # dbt reads its connection from profiles.yml, which reads these variables; they are
    # exported here from the one settings module so dbt and Dagster see the same warehouse.
    os.environ["WAREHOUSE_PATH"] = str(settings.warehouse_path)
    os.environ["DUCKDB_MEMORY_LIMIT"] = settings.duckdb_memory_limit
    return DbtCliResource(
        project_dir=dbt_project,
        profiles_dir=str(DBT_PROFILES_DIR),
        dbt_executable=_dbt_executable(),
    )


def _dbt_executable() -> str:
    """The dbt installed beside this interpreter, so a virtualenv works without activation."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")
