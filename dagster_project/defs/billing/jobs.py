"""The monthly finalization job, its schedule, and the rebuild that follows it."""

import dagster as dg

from dagster_project.defs.billing.assets import invoice_finalization
from dagster_project.defs.jobs import billing_rebuild_job

finalize_invoices_job = dg.define_asset_job(
    "finalize_invoices_job",
    selection=dg.AssetSelection.assets(invoice_finalization),
    description="Freeze one month's invoices (partition = the month).",
)

# 1st of the month, 01:00 UTC: the previous month, once its late-event grace has passed.
monthly_finalization_schedule = dg.build_schedule_from_partitioned_job(
    finalize_invoices_job, hour_of_day=1, minute_of_hour=0
)


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[finalize_invoices_job],
    request_job=billing_rebuild_job,
    description="After a month is finalized, rebuild the models that read it.",
)
def rebuild_after_finalization(context: dg.RunStatusSensorContext):
    return dg.RunRequest(run_key=context.dagster_run.run_id)
