"""Stripe runs: each finalized month is pushed to Stripe right after its finalization;
payment state is read back every hour (and after every push), then the invoice marts
are rebuilt and payment reminders written."""

import dagster as dg
from dagster_dbt import build_dbt_asset_selection

from dagster_project.defs.billing.jobs import finalize_invoices_job
from dagster_project.defs.dbt.assets import warehouse_dbt_assets
from dagster_project.defs.jobs import WAREHOUSE_WRITER, published
from dagster_project.defs.partitions import monthly_periods
from dagster_project.defs.stripe.assets import (
    INVOICES_KEY,
    payment_reminders,
    stripe_customers,
    stripe_invoices,
    stripe_payment_events,
    stripe_totals_reconciled,
)

stripe_sync_job = dg.define_asset_job(
    "stripe_sync_job",
    tags=WAREHOUSE_WRITER,
    # the push's own checks only: the dbt tests of the billing.stripe_* sources run in
    # stripe_payments_job, which rebuilds everything that reads them (one dbt start-up
    # per month less)
    selection=(
        dg.AssetSelection.assets(stripe_customers, stripe_invoices).without_checks()
        | dg.AssetSelection.checks(
            dg.AssetCheckKey(INVOICES_KEY, "every_invoice_synced"), stripe_totals_reconciled
        )
    ),
    partitions_def=monthly_periods,
    description="Push one finalized month to Stripe (partition = the month), then reconcile.",
)

stripe_payments_job = dg.define_asset_job(
    "stripe_payments_job",
    tags=WAREHOUSE_WRITER,
    selection=(
        dg.AssetSelection.assets(stripe_payment_events, payment_reminders)
        | build_dbt_asset_selection(
            [warehouse_dbt_assets],
            dbt_select="source:billing.stripe_events+ source:billing.stripe_invoices+",
        )
        | published
    ),
    description="Read Stripe payment events, rebuild the invoice marts (statuses, "
    "workspaces_to_suspend), write payment reminders to the outbox, publish the marts.",
)

hourly_payments_schedule = dg.ScheduleDefinition(
    job=stripe_payments_job,
    cron_schedule="45 * * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Hourly: payment state from Stripe, overdue invoices, reminders.",
)


@dg.run_status_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[finalize_invoices_job],
    request_job=stripe_sync_job,
    description="After a month is finalized, push its invoices to Stripe.",
)
def sync_after_finalization(context: dg.RunStatusSensorContext):
    partition = context.dagster_run.tags.get("dagster/partition")
    if not partition:
        return dg.SkipReason("the finalization run carries no month")
    return dg.RunRequest(run_key=context.dagster_run.run_id, partition_key=partition)


@dg.run_status_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[stripe_sync_job],
    request_job=stripe_payments_job,
    description="After a push to Stripe, record the Stripe ids and states in the marts.",
)
def payments_after_sync(context: dg.RunStatusSensorContext):
    return dg.RunRequest(run_key=context.dagster_run.run_id)
