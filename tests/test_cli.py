"""The command line answers a wrong argument or a warehouse it cannot use with one line:
what is wrong and what to do, never a traceback."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import duckdb
import pytest

from dagster_project import cli
from dagster_project.runner import _lock_message
from dagster_project.settings import load_settings
from tests.conftest import make_pipeline


def _refused(argv: list[str], capsys: pytest.CaptureFixture) -> str:
    """The one line a wrong argument gets, after exit status 2."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    out, err = capsys.readouterr()
    assert (exit_.value.code, out, len(err.splitlines())) == (2, "", 1), err
    return err.strip()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["finalize", "--period", "2026-1"],
         "billing finalize: argument --period: '2026-1' is not a month: expected YYYY-MM, "
         "e.g. 2026-09 (see billing finalize --help)"),
        (["finalize", "--period", "2026-13"],
         "billing finalize: argument --period: '2026-13' is not a month: expected YYYY-MM, "
         "e.g. 2026-09 (see billing finalize --help)"),
        (["finalize", "--period", "2026-11-15"],
         "billing finalize: argument --period: '2026-11-15' is not a month: expected YYYY-MM, "
         "e.g. 2026-09 (see billing finalize --help)"),
        (["finalize", "--period", "garbage"],
         "billing finalize: argument --period: 'garbage' is not a month: expected YYYY-MM, "
         "e.g. 2026-09 (see billing finalize --help)"),
        (["finalize", "--period", "2099-01"],
         "billing finalize: argument --period: 2099-01 has not started yet (today is in "
         "{running}) (see billing finalize --help)"),
        (["sync-stripe", "--period", "2024-12"],
         "billing sync-stripe: argument --period: 2024-12 is before 2025-01, the first month "
         "the pipeline bills (see billing sync-stripe --help)"),
        (["build", "--as-of", "nonsense"],
         "billing build: argument --as-of: 'nonsense' is not an instant: expected ISO-8601 UTC, "
         "e.g. 2026-11-01T02:00:00Z (see billing build --help)"),
        (["finalize", "--period", "2026-10", "--as-of", "2026-02-30T00:00:00Z"],
         "billing finalize: argument --as-of: '2026-02-30T00:00:00Z' is not an instant: "
         "expected ISO-8601 UTC, e.g. 2026-11-01T02:00:00Z (see billing finalize --help)"),
        (["report", "--quarter", "2026-Q5"],
         "billing report: argument --quarter: '2026-Q5' is not a quarter: expected YYYY-QN, "
         "e.g. 2026-Q3 (see billing report --help)"),
        (["export", "--workspace", "ws_a", "--from", "2026-10-01", "--to", "31.10.2026"],
         "billing export: argument --to: '31.10.2026' is not a day: expected YYYY-MM-DD, "
         "e.g. 2026-10-31 (see billing export --help)"),
        (["generate", "--workspaces", "0"],
         "billing generate: argument --workspaces: '0' is not a positive whole number "
         "(see billing generate --help)"),
        (["generate", "--formats", "jsonl,xml"],
         "billing generate: argument --formats: 'jsonl,xml' is not a list of formats: expected "
         "a comma-separated mix of jsonl, csv, parquet (see billing generate --help)"),
        (["finalize"],
         "billing finalize: the following arguments are required: --period "
         "(see billing finalize --help)"),
        (["bill"],
         "billing: argument command: invalid choice: 'bill' (choose from 'generate', 'ingest', "
         "'build', 'demo', 'finalize', 'check-limits', 'sync-stripe', 'stripe-payments', "
         "'stripe-webhook', 'summary', 'report', 'export') (see billing --help)"),
    ],
)
def test_a_wrong_argument_gets_one_line_and_exit_status_2(argv, message, capsys):
    from datetime import UTC, datetime

    running = datetime.now(UTC).strftime("%Y-%m")
    assert _refused(argv, capsys) == message.format(running=running)


@pytest.fixture
def nowhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    make_pipeline(tmp_path, monkeypatch)
    return tmp_path


READ_COMMANDS = [
    ["summary"],
    ["export", "--workspace", "ws_a", "--from", "2026-10-01", "--to", "2026-10-31"],
    ["report", "--month", "2026-10"],
]


@pytest.mark.parametrize("argv", READ_COMMANDS, ids=lambda argv: argv[0])
def test_read_commands_on_a_missing_warehouse_say_what_to_run(argv, nowhere, monkeypatch,
                                                              capsys):
    path = nowhere / "no such folder" / "warehouse.duckdb"
    monkeypatch.setenv("WAREHOUSE_PATH", str(path))
    assert cli.main(argv) == 1
    out, err = capsys.readouterr()
    assert (out, err) == ("", (
        f"billing {argv[0]}: there is no warehouse at {path} yet: run `billing ingest` and "
        "`billing build` first (or set WAREHOUSE_PATH to the warehouse)\n"))
    assert not path.parent.exists()  # a read command creates nothing


@pytest.mark.parametrize("argv", READ_COMMANDS, ids=lambda argv: argv[0])
def test_read_commands_on_a_file_that_is_not_a_warehouse_say_so(argv, nowhere, monkeypatch,
                                                                capsys):
    path = nowhere / "notes.duckdb"
    path.write_text("not a database\n")
    monkeypatch.setenv("WAREHOUSE_PATH", str(path))
    assert cli.main(argv) == 1
    out, err = capsys.readouterr()
    assert (out, err) == ("", (
        f"billing {argv[0]}: {path} is not a DuckDB database: restore the warehouse from a "
        "backup, or move the file away and run `billing ingest` and `billing build`\n"))
    assert path.read_text() == "not a database\n"  # left as it was


def test_summary_of_a_warehouse_never_built_says_to_build(nowhere, capsys):
    duckdb.connect(str(nowhere / "warehouse.duckdb")).close()
    assert cli.main(["summary"]) == 1
    assert capsys.readouterr().err == (
        f"billing summary: the warehouse {nowhere / 'warehouse.duckdb'} has not been built "
        "yet: run `billing build` first\n")


def test_a_second_writer_is_not_started_and_names_the_running_job(nowhere, capsys):
    """Another process holds the warehouse, as a running `billing build` does: the second
    build is not started and one line names the run that holds it."""
    import dagster as dg

    settings = load_settings()
    cli.ensure_dagster_home(settings)
    run_id = str(uuid.uuid4())
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        instance.add_run(dg.DagsterRun(
            job_name="build_job", run_id=run_id, status=dg.DagsterRunStatus.STARTED,
            tags={"billing/warehouse": "writer"},
        ))
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
         "sys.stdin.read()", str(settings.warehouse_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline() == "ready\n"
        assert cli.main(["build"]) == 1
        assert cli.main(["summary"]) == 1
    finally:
        holder.communicate("")
    out, err = capsys.readouterr()
    in_use = (f"the warehouse is in use by run {run_id[:8]} of build_job (PID {holder.pid}); "
              "try again when it has finished")
    assert (out, err) == ("", f"build_job not started: {in_use}\nbilling summary: {in_use}\n")
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        assert [run.job_name for run in instance.get_runs()] == ["build_job"]  # none added


def test_a_lock_taken_during_a_run_is_one_line(nowhere):
    """DuckDB's message when a step could not open the warehouse, shortened to who holds it
    (no run of a writing job in progress here: the process is named)."""
    error = ('IO Error: Could not set lock on file "/srv/data/warehouse.duckdb": Conflicting '
             "lock is held in /usr/bin/python3.11 (PID 4242) by user root. See also "
             "https://duckdb.org/docs/connect/concurrency")
    assert _lock_message(error, load_settings()) == (
        "the warehouse is in use by another process (PID 4242, python3.11); try again when it "
        "has finished")
