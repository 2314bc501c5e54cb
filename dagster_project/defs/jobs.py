"""Jobs and schedules of the pipeline."""

from datetime import UTC, datetime, timedelta

import dagster as dg
from dagster_dbt import build_dbt_asset_selection

from dagster_project.defs.dbt.assets import warehouse_dbt_assets
from dagster_project.defs.partitions import day_key
from dagster_project.defs.publish.assets import published_warehouse

# DuckDB has one writer at a time: every job that writes the warehouse carries this
# tag, and the run queue (dagster.yaml in $DAGSTER_HOME) runs one such job at a time.
WAREHOUSE_WRITER = {"billing/warehouse": "writer"}

ingestion = dg.AssetSelection.groups("ingestion")
# dbt's tests of its sources are checks of the assets that write those tables (the
# landing files' registry, written by ingestion): a full dbt build runs them, so its
# jobs select them too; the billing state is tested on its staging views
# the table of the billing state written by the limit check
USAGE_ALERTS_KEY = dg.AssetKey(["billing", "usage_alerts"])


def dbt_source_checks(*asset_keys: dg.AssetKey) -> dg.AssetSelection:
    """dbt's tests of the sources written by these assets (all sources when none given)."""
    return dg.AssetSelection.checks(*(
        key for key in warehouse_dbt_assets.check_keys
        if key.asset_key not in warehouse_dbt_assets.keys
        and (not asset_keys or key.asset_key in asset_keys)
    ))


dbt_models = dg.AssetSelection.assets(warehouse_dbt_assets) | dbt_source_checks()
# Every job that builds marts ends by publishing them for analysts.
published = dg.AssetSelection.assets(published_warehouse)

ingest_job = dg.define_asset_job(
    "ingest_job",
    tags=WAREHOUSE_WRITER,
    selection=ingestion,
    description="Load new landing files into the raw layer.",
)

build_job = dg.define_asset_job(
    "build_job",
    tags=WAREHOUSE_WRITER,
    selection=dbt_models | published,
    description="dbt build: seeds, staging, intermediate and marts, with their tests and "
    "checks; then publish the marts for analysts.",
)

# What a finalization changes: the models that read the frozen billing state.
billing_rebuild_job = dg.define_asset_job(
    "billing_rebuild_job",
    tags=WAREHOUSE_WRITER,
    selection=build_dbt_asset_selection([warehouse_dbt_assets], dbt_select="source:billing+")
    | published,
    description="Rebuild the models downstream of the frozen billing state (after a "
    "finalization), with their tests; then publish the marts.",
)

daily_pipeline_job_selection = ingestion | dbt_models | published

daily_pipeline_job = dg.define_asset_job(
    "daily_pipeline_job",
    tags=WAREHOUSE_WRITER,
    selection=daily_pipeline_job_selection,
    description="Ingest the new landing files, build every model, publish the marts.",
)

@dg.schedule(
    name="daily_pipeline_job_schedule",
    job=daily_pipeline_job,
    cron_schedule="0 0 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Daily usage run at 00:00 UTC: the day just ended (its files, evaluated at "
    "its end).",
)
def daily_pipeline_schedule(context: dg.ScheduleEvaluationContext):
    scheduled = context.scheduled_execution_time or datetime.now(UTC)
    return dg.RunRequest(partition_key=day_key(scheduled - timedelta(days=1)))
