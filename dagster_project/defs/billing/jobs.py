"""The monthly finalization: a fresh ingest and build, then the month is frozen, then
the models that read the frozen state are rebuilt. Three runs chained by sensors, so
each shows on its own in the UI and a failure stops the chain where it happened."""

from datetime import datetime, timedelta

import dagster as dg

from dagster_project.defs.billing.assets import invoice_finalization
from dagster_project.defs.jobs import (
    WAREHOUSE_WRITER,
    billing_rebuild_job,
    daily_pipeline_job,
)
from dagster_project.defs.partitions import day_key, monthly_periods

FINALIZE_TAG = "billing/finalize_period"

finalize_invoices_job = dg.define_asset_job(
    "finalize_invoices_job",
    tags=WAREHOUSE_WRITER,
    # the finalization only: the dbt tests of the frozen tables run in the rebuild after it
    selection=dg.AssetSelection.assets(invoice_finalization).without_checks(),
    partitions_def=monthly_periods,
    description="Freeze one month's invoices (partition = the month).",
)


@dg.schedule(
    job=daily_pipeline_job,
    cron_schedule="0 1 1 * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="1st of the month, 01:00 UTC (after the late-event grace): ingest and "
    "build so the previous month's drafts hold all usage, then finalize it.",
)
def monthly_finalization_schedule(context: dg.ScheduleEvaluationContext):
    scheduled = context.scheduled_execution_time or datetime.now()
    previous_month = (scheduled.replace(day=1) - timedelta(days=1)).replace(day=1)
    # the running day's partition: the late events of the month delivered since 00:00
    return dg.RunRequest(partition_key=day_key(scheduled),
                         tags={FINALIZE_TAG: previous_month.strftime("%Y-%m")})


@dg.run_status_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[daily_pipeline_job],
    request_job=finalize_invoices_job,
    description="When the monthly build succeeded, finalize the month it was run for.",
)
def finalize_after_monthly_build(context: dg.RunStatusSensorContext):
    period = context.dagster_run.tags.get(FINALIZE_TAG)
    if not period:
        return dg.SkipReason("not a monthly finalization build")
    if period < monthly_periods.get_first_partition_key():
        return dg.SkipReason(f"{period} is before the first billed period "
                             f"{monthly_periods.get_first_partition_key()}: nothing to finalize")
    return dg.RunRequest(run_key=context.dagster_run.run_id, partition_key=period)


@dg.run_status_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[finalize_invoices_job],
    request_job=billing_rebuild_job,
    description="After a month is finalized, rebuild the models that read it.",
)
def rebuild_after_finalization(context: dg.RunStatusSensorContext):
    return dg.RunRequest(run_key=context.dagster_run.run_id)
