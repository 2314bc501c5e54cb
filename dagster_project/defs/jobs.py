"""Jobs and schedules of the pipeline."""

import dagster as dg

ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=dg.AssetSelection.groups("ingestion"),
    description="Load new landing files into the raw layer.",
)

build_job = dg.define_asset_job(
    "build_job",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("ingestion"),
    description="dbt build: seeds, staging, intermediate and marts, with their tests and checks.",
)

daily_pipeline_job = dg.define_asset_job(
    "daily_pipeline_job",
    selection=dg.AssetSelection.all(),
    description="Ingest the new landing files, then build every model.",
)

daily_pipeline_schedule = dg.ScheduleDefinition(
    job=daily_pipeline_job,
    cron_schedule="0 0 * * *",
    execution_timezone="UTC",
    description="Daily usage run at 00:00 UTC.",
)
