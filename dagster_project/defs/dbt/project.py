"""The dbt project as Dagster sees it: where it lives, its manifest, how dbt is called."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from dagster_project.settings import DBT_PROFILES_DIR, DBT_PROJECT_DIR, Settings

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROFILES_DIR)

PARTIAL_PARSE = "partial_parse.msgpack"

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

    def stale() -> bool:
        return not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime(
            dbt_project.project_dir
        )

    if not stale():
        return manifest
    # one parse at a time: processes started together would write the file over each other
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with (manifest.parent / "parse.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stale():
            DbtCliResource(
                project_dir=dbt_project,
                profiles_dir=str(DBT_PROFILES_DIR),
                dbt_executable=_dbt_executable(),
            ).cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()
    return manifest


def partial_parse_dir(settings: Settings) -> Path:
    """Where the partial-parse state of dbt runs against this profile is kept.

    dbt re-parses the whole project ("Unable to do partial parsing because profile has
    changed") when its partial-parse file was written under another profile, and the
    profile holds the warehouse path and memory limit. One folder per profile keeps a
    run against one warehouse from spoiling the next run against another.
    """
    profile = "|".join([str(settings.warehouse_path), settings.duckdb_memory_limit,
                        os.environ.get("DBT_TARGET", "duckdb")])
    return DBT_PROJECT_DIR / "target" / "runs" / hashlib.sha256(profile.encode()).hexdigest()[:12]


def keep_partial_parse(settings: Settings, run_target: Path) -> None:
    """After a dbt run that succeeded, its partial-parse file becomes the one the next run
    starts from, and the rest of its target folder goes (a failed run's stays, with its
    run_results.json, for whoever looks into it)."""
    produced = run_target / PARTIAL_PARSE
    if produced.exists():
        folder = partial_parse_dir(settings)
        folder.mkdir(parents=True, exist_ok=True)
        staged = folder / f"{PARTIAL_PARSE}.{os.getpid()}.partial"
        shutil.copyfile(produced, staged)
        os.replace(staged, folder / PARTIAL_PARSE)
    shutil.rmtree(run_target, ignore_errors=True)


def dbt_cli_resource(settings: Settings) -> DbtCliResource:
    # dbt reads its connection from profiles.yml, which reads these variables; they are
    # exported here from the one settings module so dbt and Dagster see the same warehouse.
    os.environ["WAREHOUSE_PATH"] = str(settings.warehouse_path)
    os.environ["DUCKDB_MEMORY_LIMIT"] = settings.duckdb_memory_limit
    # dagster-dbt starts each run from the partial-parse file under DBT_TARGET_PATH (every
    # run itself writes to a folder of its own, named by --target-path)
    os.environ["DBT_TARGET_PATH"] = str(partial_parse_dir(settings))
    return DbtCliResource(
        project_dir=dbt_project,
        profiles_dir=str(DBT_PROFILES_DIR),
        dbt_executable=_dbt_executable(),
    )


def _dbt_executable() -> str:
    """The dbt installed beside this interpreter, so a virtualenv works without activation."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")
