"""The command line answers a wrong argument or a warehouse it cannot use with one line:
what is wrong and what to do, never a traceback."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from dagster_project import cli
from dagster_project.runner import _dbt_message, _lock_message
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
         "'build', 'backfill', 'demo', 'finalize', 'check-limits', 'sync-stripe', "
         "'stripe-payments', 'stripe-webhook', 'summary', 'report', 'export') "
         "(see billing --help)"),
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


# the summary, exports and reports read the published copy of the marts
READ_COMMANDS = [
    (["summary"], "PUBLISHED_WAREHOUSE_PATH"),
    (["export", "--workspace", "ws_a", "--from", "2026-10-01", "--to", "2026-10-31"],
     "PUBLISHED_WAREHOUSE_PATH"),
    (["report", "--month", "2026-10"], "PUBLISHED_WAREHOUSE_PATH"),
]


@pytest.mark.parametrize(("argv", "variable"), READ_COMMANDS, ids=lambda v: str(v[0]))
def test_read_commands_on_a_missing_warehouse_say_what_to_run(argv, variable, nowhere,
                                                              monkeypatch, capsys):
    path = nowhere / "no such folder" / "warehouse.duckdb"
    monkeypatch.setenv("WAREHOUSE_PATH", str(path))
    assert cli.main(argv) == 1
    out, err = capsys.readouterr()
    missing = (
        f"there is no warehouse at {path} yet: run `billing ingest` and `billing build` "
        "first (or set WAREHOUSE_PATH to the warehouse)"
        if variable == "WAREHOUSE_PATH" else
        f"there is no published copy of the marts at {path.parent / 'published' / path.name} "
        "yet: run `billing build` first (each build publishes it)"
    )
    assert (out, err) == ("", f"billing {argv[0]}: {missing}\n")
    assert not path.parent.exists()  # a read command creates nothing


@pytest.mark.parametrize(("argv", "variable"), READ_COMMANDS, ids=lambda v: str(v[0]))
def test_read_commands_on_a_file_that_is_not_a_warehouse_say_so(argv, variable, nowhere,
                                                                monkeypatch, capsys):
    path = nowhere / "notes.duckdb"
    path.write_text("not a database\n")
    monkeypatch.setenv(variable, str(path))
    assert cli.main(argv) == 1
    out, err = capsys.readouterr()
    assert (out, err) == ("", (
        f"billing {argv[0]}: {path} is not a DuckDB database: restore the warehouse from a "
        "backup, or move the file away and run `billing ingest` and `billing build`\n"))
    assert path.read_text() == "not a database\n"  # left as it was


def test_summary_of_a_warehouse_never_built_says_to_build(nowhere, capsys):
    published = nowhere / "published" / "warehouse.duckdb"
    published.parent.mkdir()
    duckdb.connect(str(published)).close()
    assert cli.main(["summary"]) == 1
    assert capsys.readouterr().err == (
        f"billing summary: {published} holds no marts: run `billing build` first\n")


HOLDER = """
import sys, time
from pathlib import Path
import duckdb
from dagster_project.lib.warehouse_lock import warehouse_writer

path, mode, seconds = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
if mode == "run":  # what a run does: the writer lock, then the file
    with warehouse_writer(path, holder="run abcd1234 of build_job", wait_seconds=1,
                          outside_wait_seconds=1):
        con = duckdb.connect(str(path))
        print("ready", flush=True)
        time.sleep(seconds)
        con.close()
else:  # someone outside the pipeline who opened the file
    con = duckdb.connect(str(path))
    print("ready", flush=True)
    time.sleep(seconds)
"""


@contextlib.contextmanager
def held(path: Path, mode: str, seconds: float):
    duckdb.connect(str(path)).close()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), mode, str(seconds)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "ready\n"
        yield holder
    finally:
        holder.kill()
        holder.wait()


def test_a_second_run_waits_for_the_one_holding_the_warehouse(nowhere, capsys):
    settings = load_settings()
    # held long enough to outlast loading the definitions before the run starts
    with held(settings.warehouse_path, "run", 8) as holder:
        started = time.monotonic()
        # the summary reads the published copy (none yet), never the warehouse held
        assert cli.main(["summary"]) == 1
        assert cli.main(["ingest"]) == 0
        waited = time.monotonic() - started
    out, err = capsys.readouterr()
    in_use = f"in use by run abcd1234 of build_job (PID {holder.pid})"
    published = settings.published_warehouse_path
    assert (out, err) == (f"ingest_job waits for the warehouse: it is {in_use}\n",
                          f"billing summary: there is no published copy of the marts at "
                          f"{published} yet: run `billing build` first (each build publishes "
                          "it)\n")
    assert waited > 3
    log = (nowhere / "logs" / "billing.log").read_text()
    assert f"waiting for the warehouse: it is {in_use}" in log


def test_a_process_outside_the_pipeline_is_waited_for(nowhere, monkeypatch, capsys):
    monkeypatch.setenv("WAREHOUSE_OUTSIDE_WAIT_SECONDS", "60")
    with held(load_settings().warehouse_path, "outside", 3) as holder:
        assert cli.main(["ingest"]) == 0
    assert capsys.readouterr() == ("", "")
    log = (nowhere / "logs" / "billing.log").read_text()
    assert (f"waiting for the warehouse: it is open in a process outside the pipeline "
            f"(PID {holder.pid}, ") in log


def test_a_process_outside_the_pipeline_that_keeps_it_is_named_in_one_line(nowhere, monkeypatch,
                                                                         capsys):
    import dagster as dg

    monkeypatch.setenv("WAREHOUSE_OUTSIDE_WAIT_SECONDS", "1")
    settings = load_settings()
    with held(settings.warehouse_path, "outside", 30) as holder:
        assert cli.main(["ingest"]) == 1
    program = Path(sys.executable).resolve().name
    out, err = capsys.readouterr()
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        [run] = instance.get_runs()
    assert (out, err) == ("", (
        f"the warehouse is held by a process outside the pipeline (PID {holder.pid}, "
        f"{program}) for over 1 s; close it there (analysts read the published copy) and run "
        f"again (run {run.run_id[:8]} of ingest_job; details in "
        f"{nowhere / 'logs' / 'billing.log'} and in the Dagster UI)\n"))


def test_a_lock_taken_during_a_run_is_one_line(nowhere):
    """DuckDB's message when a step could not open the warehouse, shortened to who holds it
    (no run holds the writer lock here: the process is named)."""
    error = ('IO Error: Could not set lock on file "/srv/data/warehouse.duckdb": Conflicting '
             "lock is held in /usr/bin/python3.11 (PID 4242) by user root. See also "
             "https://duckdb.org/docs/connect/concurrency")
    assert _lock_message(error, load_settings()) == (
        "the warehouse is in use by another process (PID 4242, python3.11); try again when it "
        "has finished")


@pytest.mark.parametrize(("message", "line"), [
    ("Compilation Error in model int_usage_records_later_copies "
     "(models/intermediate/validation/int_usage_records_later_copies.sql)\n"
     "  'later_copies' is undefined. This can happen when calling a macro that does not "
     "exist.\n",
     "'later_copies' is undefined. This can happen when calling a macro that does not "
     "exist."),
    ("Database Error in model fct_invoices (models/marts/billing/fct_invoices.sql)\n"
     "  Out of Memory Error: could not allocate block of size 256.0 KiB\n  more",
     "Out of Memory Error: could not allocate block of size 256.0 KiB"),
    ("\x1b[31mDivision by zero\x1b[0m\nsecond line", "Division by zero"),
])
def test_a_failed_dbt_node_is_named_with_the_line_saying_what_went_wrong(message, line):
    assert _dbt_message(message) == line
