"""The whole Definitions load; every dbt test is an asset check; jobs and schedules exist."""

import json

import dagster as dg

from dagster_project.definitions import defs
from dagster_project.defs.dbt.project import ensure_manifest


def test_definitions_load():
    dg.Definitions.validate_loadable(defs())


def test_every_dbt_test_is_an_asset_check():
    manifest = json.loads(ensure_manifest().read_text())
    dbt_tests = {
        node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "test"
    }
    check_names = {key.name for key in defs().resolve_asset_graph().asset_check_keys}
    assert dbt_tests, "the dbt project has tests"
    assert dbt_tests - check_names == set()


def test_layers_are_asset_groups():
    graph = defs().resolve_asset_graph()
    groups = {
        key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()
    }
    assert groups["raw/usage_records"] == "ingestion"
    assert groups["staging/stg_landing__usage_records"] == "staging"
    assert groups["intermediate/int_usage_records_validated"] == "intermediate"
    assert groups["marts/fct_usage_daily"] == "marts"
    assert groups["reference/plans"] == "reference"


def test_jobs_and_schedules():
    definitions = defs()
    for job in ("ingest_job", "build_job", "daily_pipeline_job", "generate_sample_data_job"):
        assert definitions.resolve_job_def(job).name == job
    schedule = definitions.resolve_schedule_def("daily_pipeline_job_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 0 * * *", "UTC")


def test_monthly_finalization_builds_the_previous_month_first():
    from datetime import UTC, datetime

    schedule = defs().resolve_schedule_def("monthly_finalization_schedule")
    assert (schedule.cron_schedule, schedule.job_name) == ("0 1 1 * *", "daily_pipeline_job")
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2027, 1, 1, 1, 0, tzinfo=UTC),
        repository_def=defs().get_repository_def(),
    )
    [request] = schedule.evaluate_tick(context).run_requests
    assert request.tags["billing/finalize_period"] == "2026-12"


def test_every_warehouse_writing_job_is_limited_to_one_run_at_a_time():
    from dagster_project.runner import DAGSTER_YAML

    definitions = defs()
    for job in ("ingest_job", "build_job", "billing_rebuild_job", "daily_pipeline_job",
                "limit_check_job", "finalize_invoices_job"):
        assert definitions.resolve_job_def(job).tags["billing/warehouse"] == "writer"
    assert "key: billing/warehouse" in DAGSTER_YAML and "limit: 1" in DAGSTER_YAML


def test_every_job_runs_its_steps_in_one_process():
    """One writer per run, and no process start per check or publish step."""
    definitions = defs()
    jobs = [job.name for job in definitions.resolve_all_job_defs()]
    assert "__ASSET_JOB" in jobs  # what a one-off materialization in the UI runs
    assert {definitions.resolve_job_def(job).executor_def.name for job in jobs} == {"in_process"}


def test_resources_that_open_the_warehouse_hold_it_for_the_run():
    from dagster_project.defs.resources import WarehouseDbtResource, WarehouseResource

    resources = defs().resources
    assert (type(resources["duckdb"]), type(resources["dbt"])) == (
        WarehouseResource, WarehouseDbtResource)


def test_every_asset_has_a_group_and_the_state_tables_their_writers():
    """No placeholder in group `default`: the billing state and the load log are assets of
    the steps that write them."""
    graph = defs().resolve_asset_graph()
    assert [k for k in graph.get_all_asset_keys() if graph.get(k).group_name == "default"] == []
    finalization = graph.get(dg.AssetKey(["billing", "finalized_invoices"]))
    assert (finalization.is_materializable, finalization.group_name) == (True, "billing")
    from dagster_project.defs.billing.assets import invoice_finalization

    assert invoice_finalization.keys == {
        dg.AssetKey(["billing", name])
        for name in ("finalized_periods", "finalized_invoices", "finalized_invoice_lines")
    }
    upstream = {
        key: sorted(p.to_user_string() for p in graph.get(dg.AssetKey(list(key))).parent_keys)
        for key in (("billing", "usage_alerts"), ("raw", "files"))
    }
    assert upstream == {
        ("billing", "usage_alerts"): ["billing/usage_alert_check"],
        ("raw", "files"): ["raw/agents", "raw/calls", "raw/gateway_requests", "raw/usage_records",
                           "raw/workspaces"],
    }


def test_dbt_asset_descriptions_are_the_models_own_without_their_sql():
    graph = defs().resolve_asset_graph()
    descriptions = {key: graph.get(key).description or "" for key in graph.get_all_asset_keys()}
    assert [key for key, text in descriptions.items() if "Raw SQL" in text] == []
    assert descriptions[dg.AssetKey(["marts", "fct_invoices"])].startswith(
        "Every invoice: finalized invoices exactly as frozen by the monthly finalization")
