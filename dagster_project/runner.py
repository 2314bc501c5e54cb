"""Running the pipeline's jobs from the command line.

Each job runs in-process against the instance in $DAGSTER_HOME, so it is recorded and
shows in the Dagster UI. The terminal gets what a person reads (progress, the summary,
one line when something fails); Dagster's event stream and dbt's own log lines go to
`$LOG_DIR/billing.log` (and, as always, to the run's log in the UI), unless `--verbose`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from dagster_project.settings import CODE_LOCATION, DBT_PROJECT_DIR, Settings, load_settings

# Dagster's run tag naming the repository and code location a run belongs to
REPOSITORY_LABEL_TAG = ".dagster/repository"

DAGSTER_YAML = """\
telemetry:
  enabled: false
# DuckDB has one writer: queued runs that write the warehouse go one at a time.
run_queue:
  tag_concurrency_limits:
    - key: billing/warehouse
      value: writer
      limit: 1
"""

# terminal colours, in text that reaches one line of a message
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_DBT_ERROR_HEADER = re.compile(r"^(?:Runtime|Compilation|Database) Error in \w+ \S+ \(.*\)$")


class Console:
    """Where a command's own lines go: the terminal, also while a run's output is
    redirected to the log file."""

    verbose = False
    _out: TextIO | None = None
    _err: TextIO | None = None

    @classmethod
    def say(cls, text: str = "") -> None:
        print(text, file=cls._out or sys.stdout, flush=True)

    @classmethod
    def error(cls, text: str) -> None:
        print(text, file=cls._err or sys.stderr, flush=True)


def ensure_dagster_home(settings: Settings | None = None) -> None:
    """$DAGSTER_HOME with the instance settings the pipeline relies on."""
    settings = settings or load_settings()
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    config = settings.dagster_home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML)


def _instance(settings: Settings):
    import dagster as dg

    ensure_dagster_home(settings)
    # Dagster finds its instance through this variable; the settings module decided its value.
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home)
    return dg.DagsterInstance.get()


@contextlib.contextmanager
def _run_output(settings: Settings) -> Iterator[None]:
    """Send what runs print (Dagster's console log, dbt's lines) to the log file."""
    if Console.verbose:
        yield
        return
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    Console._out, Console._err = sys.stdout, sys.stderr
    try:
        with (
            (settings.log_dir / "billing.log").open("a", encoding="utf-8") as log,
            contextlib.redirect_stdout(log),
            contextlib.redirect_stderr(log),
        ):
            yield
    finally:
        Console._out = Console._err = None


@dataclass(frozen=True)
class RunOutcome:
    job_name: str
    run_id: str | None
    success: bool
    reason: str | None = None

    def __bool__(self) -> bool:
        return self.success


def run_job(
    job_name: str, run_config: dict[str, Any] | None = None, partition_key: str | None = None
) -> RunOutcome:
    """Execute one job of the definitions in-process, recorded in $DAGSTER_HOME; on
    failure print its reason in one line (the whole story is in the run's log)."""
    from dagster_project.lib.warehouse_lock import holder_of

    settings = load_settings()
    holder = holder_of(settings.warehouse_path)
    if holder:
        # the run waits for it (lib/warehouse_lock.py); say so, or the terminal looks stuck
        Console.say(f"{job_name} waits for the warehouse: it is in use by {holder}")
    started = time.monotonic()
    with _run_output(settings):
        from dagster_project.definitions import defs

        with _instance(settings) as instance:
            job = defs().resolve_job_def(job_name)
            # INFO, not Dagster's DEBUG event stream; every event is still recorded in
            # the run's log in $DAGSTER_HOME
            config = {
                "loggers": {"console": {"config": {"log_level": "INFO"}}},
                **(run_config or {}),
            }
            result = job.execute_in_process(
                run_config=config,
                instance=instance,
                partition_key=partition_key,
                raise_on_error=False,
                # the label the UI files runs under: the job's page and the Overview of
                # the code location list this run beside those launched there
                tags={REPOSITORY_LABEL_TAG: f"__repository__@{CODE_LOCATION}"},
            )
            reason = None if result.success else failure_reason(result, settings)
    outcome = RunOutcome(job_name, result.run_id, result.success, reason)
    if not result.success:
        Console.error(
            f"{reason} (run {result.run_id[:8]} of {job_name}; details in "
            f"{_shown(settings.log_dir / 'billing.log')} and in the Dagster UI)"
        )
    elif Console.verbose:
        Console.say(f"{job_name} succeeded in {time.monotonic() - started:.1f} s")
    return outcome


def _shown(path: Path) -> str:
    """A path as a person typed it: relative to the current folder when inside it."""
    with contextlib.suppress(ValueError):
        return str(path.relative_to(Path.cwd()))
    return str(path)


class CommandError(Exception):
    """A command cannot go on; its message is the one line a person reads."""


def open_warehouse(settings: Settings, *, read_only: bool = True):
    """A connection to the warehouse, or a CommandError saying which file is wrong and
    what to do about it."""
    shown = _shown(settings.warehouse_path)
    return _open(
        settings, settings.warehouse_path, read_only=read_only,
        missing=f"there is no warehouse at {shown} yet: run `billing ingest` and "
        "`billing build` first (or set WAREHOUSE_PATH to the warehouse)",
        unbuilt=f"the warehouse {shown} has not been built yet: run `billing build` first",
    )


def open_published(settings: Settings):
    """A read-only connection to the published copy of the marts (what exports and reports
    read), or a CommandError saying which file is wrong and what to do about it."""
    shown = _shown(settings.published_warehouse_path)
    return _open(
        settings, settings.published_warehouse_path, read_only=True,
        missing=f"there is no published copy of the marts at {shown} yet: run `billing "
        "build` first (each build publishes it)",
        unbuilt=f"{shown} holds no marts: run `billing build` first",
    )


@contextlib.contextmanager
def _open(settings: Settings, path: Path, *, read_only: bool, missing: str,
          unbuilt: str) -> Iterator[Any]:
    import duckdb

    if read_only and not path.exists():
        raise CommandError(missing)
    config = settings.duckdb_config if path == settings.warehouse_path else {}
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=config)
    except duckdb.IOException as error:
        raise CommandError(_unopenable(error, _shown(path), settings)) from None
    try:
        yield con
    except duckdb.CatalogException:
        raise CommandError(unbuilt) from None
    finally:
        con.close()


def _unopenable(error: Exception, shown: str, settings: Settings) -> str:
    lock = _lock_message(str(error), settings)
    if lock:
        return lock
    if "not a valid DuckDB database file" in str(error):
        return (f"{shown} is not a DuckDB database: restore the warehouse from a backup, or "
                "move the file away and run `billing ingest` and `billing build`")
    return f"cannot open {shown}: {_first_line(str(error)).split(': ', 1)[-1]}"


def _lock_message(text: str, settings: Settings) -> str | None:
    """DuckDB's lock error as one line naming who holds the warehouse."""
    from dagster_project.lib.warehouse_lock import duckdb_holder, holder_of

    found = duckdb_holder(text)
    if found is None:
        return None
    pid, program = found
    run = holder_of(settings.warehouse_path)
    who = run or f"another process (PID {pid}, {program})"
    return f"the warehouse is in use by {who}; try again when it has finished"


def failure_reason(result: Any, settings: Settings) -> str:
    """One line saying why a run failed: who holds the warehouse when the file lock was
    the problem, the dbt nodes that failed, a refusal's own reason, else the first line
    of the first step error."""
    for event in result.all_events:
        if not event.is_step_failure:
            continue
        data = event.step_failure_data
        lock = _lock_message(_error_text(data.error), settings)
        if lock:
            return lock
        dbt = dbt_failure(result.run_id)
        if dbt:
            return dbt
        if data.user_failure_data is not None and data.user_failure_data.description:
            return _first_line(data.user_failure_data.description)
        return _first_line(data.error.message if data.error else "")
    for event in result.all_events:
        if event.is_resource_init_failure:
            error = event.engine_event_data.error
            text = _error_text(error)
            refusal = _raised_failure(error)
            return _lock_message(text, settings) or refusal or _first_line(text)
    for event in result.all_events:
        if event.event_type_value == "RUN_FAILURE" and event.message:
            return _first_line(event.message)
    return "the run failed"


def _chain(error: Any) -> Iterator[Any]:
    """An error and its causes."""
    while error is not None:
        yield error
        error = error.cause or getattr(error, "context", None)


def _raised_failure(error: Any) -> str | None:
    """The description of a `dg.Failure` among an error and its causes."""
    for link in _chain(error):
        if link.cls_name == "Failure":
            return _first_line(link.message.split(": ", 1)[-1])
    return None


def _error_text(error: Any) -> str:
    """An error with its causes, as text."""
    return "\n".join(link.message or "" for link in _chain(error))


def _first_line(text: str) -> str:
    text = _ANSI.sub("", text).strip()
    line = text.splitlines()[0] if text else "the run failed"
    return line.removeprefix("dagster._core.errors.").strip()


def _dbt_message(text: str) -> str:
    """The line of a dbt node's error that says what went wrong: the one after dbt's
    "<Kind> Error in model <name> (<path>)" header, which only repeats the node."""
    lines = [line.strip() for line in _ANSI.sub("", text).strip().splitlines() if line.strip()]
    if len(lines) > 1 and _DBT_ERROR_HEADER.match(lines[0]):
        return lines[1]
    return _first_line(text)


def dbt_failure(run_id: str) -> str | None:
    """The dbt nodes that failed in this run, from its run_results.json."""
    target = DBT_PROJECT_DIR / "target"
    candidates = sorted(
        target.glob(f"**/*-{run_id[:7]}-*/run_results.json"), key=lambda path: path.stat().st_mtime
    )
    if not candidates:
        return None
    results = json.loads(candidates[-1].read_text())["results"]
    failed = [r for r in results if r.get("status") in ("error", "fail")]
    if not failed:
        return None
    names = []
    for r in failed[:3]:
        parts = r["unique_id"].split(".")
        kind, name = parts[0], parts[-1] if parts[0] == "unit_test" else parts[2]
        if r["status"] == "fail":
            rows = r.get("failures")
            names.append(f"{kind} {name} failed ({rows} failing row{'s' if rows != 1 else ''})")
        else:
            names.append(f"{kind} {name} failed: {_dbt_message(r.get('message') or 'error')}")
    more = f" and {len(failed) - 3} more" if len(failed) > 3 else ""
    return "dbt build failed: " + "; ".join(names) + more
