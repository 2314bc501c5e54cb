"""One writer at a time, whoever starts the run: `make ui`'s Dagster (webserver, daemon,
run queue, one process per run) launches runs through its GraphQL API as the UI does,
beside a `billing build` from the command line; every run succeeds and no two hold the
warehouse at the same time. A process outside the pipeline holding the file is waited for."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.lib.warehouse_lock import HOLDING, RELEASED
from tests.conftest import TODAY, Pipeline, make_pipeline, write_october_billing

BUILD_AT = "2026-11-01T02:00:00Z"
LAUNCH = """
mutation($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
  }
}"""
STATUS = "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"


class Ui:
    def __init__(self, port: int):
        self.url = f"http://127.0.0.1:{port}/graphql"

    def query(self, query: str, variables: dict | None = None) -> dict:
        request = urllib.request.Request(
            self.url, json.dumps({"query": query, "variables": variables or {}}).encode(),
            {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)["data"]

    def launch(self, job: str, assets: list[list[str]] | None = None,
               partition: str | None = None) -> str:
        selector: dict = {"repositoryLocationName": "billing",
                          "repositoryName": "__repository__", "jobName": job}
        if assets:
            selector["assetSelection"] = [{"path": path} for path in assets]
        params: dict = {"selector": selector, "runConfigData": {}}
        if partition:  # what the UI's partition picker sends
            params["executionMetadata"] = {
                "tags": [{"key": "dagster/partition", "value": partition}]}
        launched = self.query(LAUNCH, {"params": params})
        assert launched["launchRun"]["__typename"] == "LaunchRunSuccess", launched
        return launched["launchRun"]["run"]["runId"]

    def wait(self, run_id: str, timeout: float = 400) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.query(STATUS, {"id": run_id})["runOrError"]["status"]
            if status in ("SUCCESS", "FAILURE", "CANCELED"):
                return status
            time.sleep(1)
        raise AssertionError(f"run {run_id} did not finish")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory):
    with pytest.MonkeyPatch.context() as monkeypatch:
        p = make_pipeline(tmp_path_factory.mktemp("one_writer"), monkeypatch)
        monkeypatch.delenv("STRIPE_API_KEY", raising=False)
        write_october_billing(p)
        p.run("ingest")
        p.run("build", "--as-of", BUILD_AT)
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "dagster_project.ui", "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        ui = Ui(port)
        try:
            deadline = time.monotonic() + 180
            while True:
                try:
                    entries = ui.query("{ workspaceOrError { ... on Workspace { "
                                       "locationEntries { name loadStatus } } } }")
                    if entries["workspaceOrError"]["locationEntries"] == [
                            {"name": "billing", "loadStatus": "LOADED"}]:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, "the UI did not start"
                time.sleep(1)
            ui.pipeline = p
            yield ui
        finally:
            server.terminate()  # the UI stops dagster dev, then the emulator
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)


def _holds(p: Pipeline) -> dict[str, tuple[float, float]]:
    """Each finished run's time holding the warehouse, from its log (the schedules and
    the new-files sensor run too, as they do under `make ui`)."""
    holds: dict[str, tuple[float, float]] = {}
    finished = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE]
    with dg.DagsterInstance.from_config(str(p.dagster_home)) as instance:
        for run in instance.get_runs(dg.RunsFilter(statuses=finished)):
            messages = [(entry.timestamp, entry.user_message)
                        for entry in instance.all_logs(run.run_id)]
            taken = [t for t, m in messages if m.startswith(HOLDING)]
            given = [t for t, m in messages if m == RELEASED]
            assert (len(taken), len(given)) == (1, 1), (run.job_name, messages[-5:])
            holds[run.run_id] = (taken[0], given[0])
    return holds


def _wait_until_idle(ui: Ui, timeout: float = 400) -> None:
    """No run queued or in progress."""
    deadline = time.monotonic() + timeout
    busy = "{ runsOrError(filter: {statuses: [QUEUED, NOT_STARTED, STARTING, STARTED]}) " \
           "{ ... on Runs { results { runId } } } }"
    while ui.query(busy)["runsOrError"]["results"]:
        assert time.monotonic() < deadline, "runs still in progress"
        time.sleep(1)


def _log(p: Pipeline, run_id: str) -> str:
    with dg.DagsterInstance.from_config(str(p.dagster_home)) as instance:
        return "\n".join(entry.user_message for entry in instance.all_logs(run_id))


def test_runs_from_the_ui_and_the_command_line_hold_the_warehouse_one_after_another(ui: Ui):
    p: Pipeline = ui.pipeline
    ingestion = ui.query(
        '{ assetNodes(group: {groupName: "ingestion", repositoryName: "__repository__", '
        'repositoryLocationName: "billing"}) { assetKey { path } isMaterializable } }'
    )["assetNodes"]
    # what "Materialize all" launches: the group's materializable assets
    ingestion = [node for node in ingestion if node["isMaterializable"]]
    assert len(ingestion) == 5
    runs = [
        ui.launch("build_job"),
        ui.launch("__ASSET_JOB", [["marts", "fct_usage_daily"]]),  # a one-off Materialize
        ui.launch("__ASSET_JOB", [node["assetKey"]["path"] for node in ingestion], TODAY),
    ]
    cli = subprocess.run([str(Path(sys.executable).parent / "billing"), "build",
                          "--as-of", BUILD_AT], capture_output=True, text=True, check=False)
    assert (cli.returncode, cli.stderr) == (0, "")
    assert [ui.wait(run_id) for run_id in runs] == ["SUCCESS"] * 3
    with dg.DagsterInstance.from_config(str(p.dagster_home)) as instance:
        cli_run = instance.get_runs(dg.RunsFilter(job_name="build_job"), limit=1)[0]
    holds = _holds(p)
    # the fixture's ingest and build, the three launched in the UI, the command line's
    assert set(runs) | {cli_run.run_id} <= set(holds) and len(holds) >= 2 + 3 + 1
    ordered = sorted(holds.values())
    for (_, released), (taken, _) in zip(ordered, ordered[1:], strict=False):
        assert released <= taken
    # the command line's run is filed under the code location, beside the UI's
    assert cli_run.tags[".dagster/repository"] == "__repository__@billing"


def test_a_run_waits_for_a_process_outside_the_pipeline_and_succeeds(ui: Ui):
    p: Pipeline = ui.pipeline
    waiting = ("waiting for the warehouse: it is open in a process outside the pipeline "
               f"(PID {os.getpid()}, ")
    _wait_until_idle(ui)  # the schedules' and the sensor's runs included
    outside = duckdb.connect(str(p.warehouse_path))  # an analyst opened the file itself
    try:
        run_id = ui.launch("ingest_job", partition=TODAY)
        deadline = time.monotonic() + 300
        while waiting not in _log(p, run_id):  # (it may first wait for a scheduled run)
            assert time.monotonic() < deadline, _log(p, run_id)
            time.sleep(0.5)
        time.sleep(3)
    finally:
        outside.close()
    assert ui.wait(run_id) == "SUCCESS"
    assert _log(p, run_id).count(HOLDING) == 1


def test_stripe_jobs_run_under_the_ui_against_the_local_emulator(ui: Ui):
    run_id = ui.launch("stripe_payments_job")
    assert ui.wait(run_id) == "SUCCESS"
    with dg.DagsterInstance.from_config(str(ui.pipeline.dagster_home)) as instance:
        event = instance.get_latest_materialization_event(
            dg.AssetKey(["stripe", "payment_events"]))
    stripe = event.asset_materialization.metadata["stripe"].value
    assert stripe.startswith("the local Stripe emulator at http://127.0.0.1:")
    assert stripe.endswith(" (test data, not Stripe)")
