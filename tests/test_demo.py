"""`billing demo` on a small sample: what the terminal shows (one line per step, the
summary, where the reports are), what lands on disk, and Dagster's and dbt's own log
lines in the log file instead of on the terminal."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from dagster_project import cli
from tests.conftest import make_pipeline

DEMO = ["demo", "--workspaces", "3", "--days", "40", "--end-date", "2026-10-10",
        "--usage-events-per-day", "50", "--calls-per-day", "10",
        "--gateway-requests-per-day", "10", "--as-of", "2026-10-10T12:00:00Z"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    """One demo run for the module, its terminal output captured (capfd is per test)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        p = make_pipeline(tmp_path_factory.mktemp("demo"), monkeypatch)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            p.code = cli.main(DEMO)
        p.out, p.err = out.getvalue(), err.getvalue()
        yield p


def _files(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()
                  and path.parent.name != "charts")


def test_the_demo_prints_its_steps_and_where_the_reports_are(demo):
    reports = demo.root / "reports"
    lines = demo.out.splitlines()
    assert (demo.code, demo.err) == (0, "")
    # one line per step, in order
    steps = [line for line in lines if line.endswith(" ...")]
    assert steps == [
        f"generating sample data into {demo.landing_dir} ...",
        "ingesting ...",
        "building ...",
        "finalizing 2026-09 ...",
        "checking usage limits ...",
        "syncing 2026-09 to Stripe ...",
        "writing the reports of 2026-09 ...",
        "writing the executive summaries of 2026-Q3 ...",
        "writing the daily platform report of 2026-10-09 ...",
    ]
    assert lines[lines.index("Reports"):] == [
        "Reports",
        f"  2026-09 monthly reports: {reports / 'monthly' / '2026-09'}",
        f"  2026-09 invoice documents: {reports / 'invoices' / '2026-09'}",
        f"  2026-Q3 executive summaries: {reports / 'executive' / '2026-Q3'}",
        f"  2026-10-09 daily platform report: {reports / 'daily' / '2026-10-09.md'} (and .json)",
    ]
    assert "Billing starts with 2026-09 (billing_start is empty in seeds/settings.csv: the " \
           "first finalized period)" in lines


def test_the_demo_writes_the_reports_of_every_finalized_month_and_quarter(demo):
    reports = demo.root / "reports"
    workspaces = ["ws_0001", "ws_0002", "ws_0003"]
    assert _files(reports / "monthly" / "2026-09") == sorted(
        f"{ws}.{ext}" for ws in workspaces for ext in ("html", "json"))
    assert _files(reports / "invoices" / "2026-09") == [
        "INV-202609-00001.html", "INV-202609-00002.html", "INV-202609-00003.html"]
    assert _files(reports / "daily") == ["2026-10-09.json", "2026-10-09.md"]
    assert _files(reports / "executive" / "2026-Q3") == ["platform.html", "platform.md"] + sorted(
        f"workspaces/{ws}.{ext}" for ws in workspaces for ext in ("html", "md"))


def test_dagster_and_dbt_log_lines_go_to_the_log_file(demo):
    log = (demo.root / "logs" / "billing.log").read_text()
    for marker in ("Running dbt command", "dagster - INFO", "OK created sql table model"):
        assert marker in log
        assert marker not in demo.out
    assert "Traceback" not in log
