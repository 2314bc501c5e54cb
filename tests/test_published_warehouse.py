"""The published warehouse: analysts read a copy of the marts that every build swaps in
whole, so a reader never fails or waits because a run is writing, and never sees half a
build."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import duckdb
import pytest

from dagster_project import cli
from dagster_project.defs.publish.assets import PUBLISHED_KEY
from dagster_project.lib.publish import publish_warehouse, temp_path
from dagster_project.settings import load_settings
from tests.conftest import TODAY, make_pipeline, usage, write_october_billing

AS_OF = "2026-10-25T00:00:00Z"

# One query, so a reader that mixed two builds would show it: the invoice total and the
# sum of its lines come from different tables.
FIGURES_SQL = """
    select
        (select run_id from marts._published),
        (select cast(sum(quantity) as varchar) from marts.fct_usage_daily
         where workspace_id = 'ws_a' and resource_type = 'call_minutes'),
        (select cast(total as varchar) from marts.fct_invoices
         where invoice_id = 'inv_ws_a_202610'),
        (select cast(sum(amount) as varchar) from marts.fct_invoice_lines
         where invoice_id = 'inv_ws_a_202610')
"""

# An analyst in another process. `hold` keeps one connection open throughout (a notebook,
# a DuckDB CLI session); `poll` opens a new connection for every query. Both query until
# told to stop, then once more (the build is over by then), and report every change of
# what they saw, in order, and every error.
READER = r"""
import json, select, sys, duckdb

path, mode, sql = sys.argv[1:4]
held = duckdb.connect(path, read_only=True) if mode == "hold" else None
seen, errors, queries = [], [], 0


def observe():
    global queries
    try:
        if held is not None:
            row = held.execute(sql).fetchone()
        else:
            with duckdb.connect(path, read_only=True) as con:
                row = con.execute(sql).fetchone()
    except Exception as error:
        errors.append(repr(error))
        return
    queries += 1
    if not seen or seen[-1] != list(row):
        seen.append(list(row))


observe()
print("ready", flush=True)
while not select.select([sys.stdin], [], [], 0.25)[0]:
    observe()
observe()
print(json.dumps({"seen": seen, "errors": errors, "queries": queries}), flush=True)
"""


def _start_reader(path: Path, mode: str) -> subprocess.Popen:
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(path), mode, FIGURES_SQL],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert reader.stdout.readline() == "ready\n"
    return reader


def _stop_reader(reader: subprocess.Popen) -> dict:
    out, _ = reader.communicate("stop\n", timeout=60)
    assert reader.returncode == 0
    return json.loads(out)


def _figures(path: Path) -> list:
    with duckdb.connect(str(path), read_only=True) as con:
        return list(con.execute(FIGURES_SQL).fetchone())


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _build_config(full_refresh: bool = False) -> dict:
    return {"ops": {"warehouse_dbt_assets": {"config": {"as_of": AS_OF,
                                                        "full_refresh": full_refresh}}}}


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """The daily pipeline builds October; with two analysts reading, 500 more minutes for
    ws_a land and the pipeline runs again (full refresh); then a rebuild after a
    finalization fails its tests."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        p = make_pipeline(tmp_path_factory.mktemp("published"), monkeypatch)
        s = SimpleNamespace(p=p, path=load_settings().published_warehouse_path)
        write_october_billing(p)
        assert cli.run_job("daily_pipeline_job", _build_config(), partition_key=TODAY)
        s.first = _figures(s.path)

        # what a publish killed mid-copy leaves behind
        s.leftover = temp_path(s.path, "interrupted-run")
        s.leftover.write_bytes(b"half a copy")
        Path(f"{s.leftover}.wal").write_bytes(b"half a log")

        holder, poller = _start_reader(s.path, "hold"), _start_reader(s.path, "poll")
        p.write("usage_records", "2026-10-20/part-0001.jsonl", [
            usage("e_more", workspace_id="ws_a", resource_type="call_minutes",
                  provider="twilio", quantity="500", occurred_at="2026-10-20T09:00:00Z"),
        ])
        s.second_ok = cli.run_job("daily_pipeline_job", _build_config(full_refresh=True),
                                    partition_key=TODAY)
        s.holder, s.poller = _stop_reader(holder), _stop_reader(poller)
        s.second = _figures(s.path)
        s.files_after_second = sorted(f.name for f in s.path.parent.iterdir())
        with dg.DagsterInstance.from_config(str(p.dagster_home)) as instance:
            event = instance.get_latest_materialization_event(PUBLISHED_KEY)
            s.materialized_by = event.run_id
            s.metadata = {k: v.value for k, v in event.asset_materialization.metadata.items()}

        # One month finalized twice: the source test unique(period_start) fails, and with
        # it the rebuild after a finalization (the constraint that would refuse the row is
        # removed first, as a damaged state would be).
        s.digest, s.inode = _digest(s.path), s.path.stat().st_ino
        with duckdb.connect(str(p.warehouse_path)) as con:
            con.execute("create or replace table billing.finalized_periods as "
                        "from billing.finalized_periods")
            con.execute("insert into billing.finalized_periods values "
                        "(date '2026-09-01', timestamp '2026-10-01 02:00', 0, 0), "
                        "(date '2026-09-01', timestamp '2026-10-01 03:00', 0, 0)")
        s.failed_ok = cli.run_job("billing_rebuild_job", _build_config())
        yield s


def test_analyst_reading_during_a_build_sees_the_old_build_then_the_new_one_whole(
    published: SimpleNamespace,
):
    # 2500 minutes: 500 over the 2000 included; then 3000 minutes: 1000 over, at 0.045
    # = 45.00 more usage, less 10% welcome and 15% minutes promotion, plus 7.25% tax
    first_run, *first = published.first
    second_run, *second = published.second
    assert first == ["2500.000000", "118.63", "118.63"]
    assert second == ["3000.000000", "136.73", "136.73"]
    assert published.second_ok and first_run != second_run

    holder, poller = published.holder, published.poller
    # the connection opened before the build never failed and kept the first build whole
    assert holder["errors"] == [] and holder["queries"] > 2
    assert holder["seen"] == [published.first]
    # new connections saw the first build, then the second, and nothing in between
    assert poller["errors"] == [] and poller["queries"] > 2
    assert poller["seen"] == [published.first, published.second]


def test_published_file_holds_marts_and_reference_only(published: SimpleNamespace):
    with duckdb.connect(str(published.path), read_only=True) as con:
        schemas = {row[0] for row in con.execute(
            "select distinct table_schema from information_schema.tables").fetchall()}
        views = con.execute(
            "select count(*) from information_schema.tables where table_type = 'VIEW'"
        ).fetchone()[0]
        # a view in the warehouse (it reads raw and billing) is a table here
        accepted = con.execute(
            "select rows_accepted from marts.ingestion_row_counts "
            "where source_name = 'usage_records'").fetchone()[0]
    assert schemas == {"marts", "reference"}
    assert views == 0
    assert accepted == 3
    with duckdb.connect(str(published.p.warehouse_path), read_only=True) as con:
        warehouse_marts = {row[0] for row in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()}
    with duckdb.connect(str(published.path), read_only=True) as con:
        published_marts = {row[0] for row in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()}
    assert published_marts == warehouse_marts | {"_published"}


def test_published_build_names_its_run(published: SimpleNamespace):
    with duckdb.connect(str(published.path), read_only=True) as con:
        run_id, job_name, tables, total_rows = con.execute(
            "select run_id, job_name, tables, total_rows from marts._published").fetchone()
        counted = con.execute(
            "select count(*) from information_schema.tables "
            "where table_name <> '_published'").fetchone()[0]
    assert (run_id, job_name) == (published.materialized_by, "daily_pipeline_job")
    assert tables == counted == published.metadata["tables"]
    assert published.metadata["source_run_id"] == run_id
    assert published.metadata["dagster/row_count"] == total_rows
    assert published.metadata["path"] == str(published.path)


def test_leftovers_of_an_interrupted_publish_are_removed(published: SimpleNamespace):
    assert not published.leftover.exists()
    assert published.files_after_second == ["warehouse.duckdb"]


def test_failed_build_leaves_the_published_file_untouched(published: SimpleNamespace):
    assert (bool(published.failed_ok), published.failed_ok.reason) == (False, (
        "dbt build failed: test unique_stg_billing__finalized_periods_period_start failed "
        "(1 failing row)"))
    assert published.path.stat().st_ino == published.inode
    assert _digest(published.path) == published.digest
    assert _figures(published.path) == published.second
    assert sorted(f.name for f in published.path.parent.iterdir()) == ["warehouse.duckdb"]


def test_a_publish_that_fails_midway_keeps_the_previous_file(tmp_path: Path):
    target = tmp_path / "published" / "warehouse.duckdb"
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute("create schema marts; create schema reference; create schema raw")
        con.execute("create table marts.fct as select 1 as n")
        con.execute("create table raw.rows as select 1 as n")
        publish_warehouse(con, target, run_id="good", job_name="build_job",
                          now=datetime(2026, 10, 25))
        good = _digest(target)
        # a view that fails when read: the copy stops halfway through the marts
        con.execute("create view marts.zz_broken as select cast('x' as integer) as n")
        with pytest.raises(duckdb.ConversionException):
            publish_warehouse(con, target, run_id="bad", job_name="build_job",
                              now=datetime(2026, 10, 26))
        # the warehouse connection is usable again: nothing left attached or open
        assert con.execute("select count(*) from duckdb_databases() "
                           "where database_name = 'published_build'").fetchone()[0] == 0
    assert _digest(target) == good
    assert sorted(f.name for f in target.parent.iterdir()) == ["warehouse.duckdb"]
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("select run_id from marts._published").fetchone()[0] == "good"


def test_every_job_that_builds_marts_ends_by_publishing_them():
    from dagster_project.definitions import defs

    definitions = defs()
    graph = definitions.resolve_asset_graph()
    marts = {key for key in graph.get_all_asset_keys() if key.path[0] == "marts"
             and graph.get(key).is_materializable}
    upstream_of_publish = graph.get_ancestor_asset_keys(PUBLISHED_KEY)
    building = set()
    for job in definitions.resolve_all_job_defs():
        keys = job.asset_layer.selected_asset_keys
        if keys & marts and not job.name.startswith("__"):
            building.add(job.name)
            assert PUBLISHED_KEY in keys, job.name
            # nothing in the job writes the warehouse after the copy is taken
            assert keys - {PUBLISHED_KEY} <= upstream_of_publish, job.name
    assert building >= {"build_job", "daily_pipeline_job", "billing_rebuild_job",
                        "limit_check_job", "stripe_payments_job"}
