"""Report runs: the month's reports and invoice documents on the 2nd of each month (after
the finalization of the 1st), the quarter's executive summaries on the 2nd of the next
quarter; `billing report --month/--quarter` runs the same jobs for any period."""

from datetime import datetime, timedelta

import dagster as dg

from dagster_project.defs.partitions import daily_periods, monthly_periods, quarterly_periods
from dagster_project.defs.reports.assets import (
    daily_platform_report,
    executive_summaries,
    invoice_documents,
    monthly_workspace_reports,
)

# Reports read the published copy, not the warehouse: their runs do not queue with the
# writers.
monthly_reports_job = dg.define_asset_job(
    "monthly_reports_job",
    selection=dg.AssetSelection.assets(monthly_workspace_reports, invoice_documents),
    partitions_def=monthly_periods,
    description="The month's workspace reports and invoice documents (partition = the month).",
)

quarterly_reports_job = dg.define_asset_job(
    "quarterly_reports_job",
    selection=dg.AssetSelection.assets(executive_summaries),
    partitions_def=quarterly_periods,
    description="The quarter's executive summaries, platform and workspaces "
    "(partition = the quarter's first day: 2026-07-01 is 2026-Q3).",
)


daily_platform_report_job = dg.define_asset_job(
    "daily_platform_report_job",
    selection=dg.AssetSelection.assets(daily_platform_report),
    partitions_def=daily_periods,
    description="The platform's figures at the end of one UTC day (partition = the day).",
)


def previous_month(scheduled: datetime) -> str:
    return (scheduled.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


def previous_quarter(scheduled: datetime) -> str:
    first_month = 3 * ((scheduled.month - 1) // 3) + 1
    start = scheduled.replace(month=first_month, day=1)
    end_of_previous = start - timedelta(days=1)
    return end_of_previous.replace(month=3 * ((end_of_previous.month - 1) // 3) + 1,
                                   day=1).strftime("%Y-%m-%d")


@dg.schedule(
    job=monthly_reports_job,
    cron_schedule="0 2 2 * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="2nd of the month, 02:00 UTC: the previous month's reports and invoice "
    "documents (the month was finalized on the 1st).",
)
def monthly_reports_schedule(context: dg.ScheduleEvaluationContext):
    scheduled = context.scheduled_execution_time or datetime.now()
    key = previous_month(scheduled)
    return dg.RunRequest(run_key=key, partition_key=key)


@dg.schedule(
    job=quarterly_reports_job,
    cron_schedule="0 3 2 1,4,7,10 *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="2nd day of a quarter, 03:00 UTC: the previous quarter's executive summaries.",
)
def quarterly_reports_schedule(context: dg.ScheduleEvaluationContext):
    scheduled = context.scheduled_execution_time or datetime.now()
    key = previous_quarter(scheduled)
    return dg.RunRequest(run_key=key, partition_key=key)


@dg.schedule(
    job=daily_platform_report_job,
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Daily, 02:00 UTC: the platform report of the day just ended (the 00:00 "
    "run has built it).",
)
def daily_platform_report_schedule(context: dg.ScheduleEvaluationContext):
    scheduled = context.scheduled_execution_time or datetime.now()
    key = (scheduled - timedelta(days=1)).strftime("%Y-%m-%d")
    return dg.RunRequest(run_key=key, partition_key=key)
