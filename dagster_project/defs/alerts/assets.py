"""The usage-limit check: raise threshold alerts and deliver them to the outbox."""

from datetime import UTC, datetime

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.defs.config import AsOfConfig
from dagster_project.defs.dbt.assets import warehouse_dbt_assets
from dagster_project.defs.ingestion.assets import ROW_COUNTS_KEY, conservation_checks
from dagster_project.defs.jobs import (
    USAGE_ALERTS_KEY,
    WAREHOUSE_WRITER,
    dbt_source_checks,
    ingestion,
    published,
)
from dagster_project.defs.partitions import day_key, run_as_of
from dagster_project.lib.alerts import deliver_alerts, raise_alerts
from dagster_project.lib.connections import warehouse_connection
from dagster_project.lib.dbt_args import as_of_instant
from dagster_project.settings import load_settings


@dg.asset(
    key=["billing", "usage_alert_check"],
    group_name="limits",
    deps=[dg.AssetKey(["intermediate", "int_usage_alerts_due"])],
    kinds={"duckdb"},
    description="Raises each usage-limit threshold once per workspace and period, the first "
    "time it is crossed, and writes it to the outbox (table + JSON-lines files).",
)
def usage_alert_check(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, config: AsOfConfig
) -> dg.MaterializeResult:
    now = as_of_instant(config.as_of or run_as_of(context.run.tags))
    with warehouse_connection(duckdb) as con:
        raised = raise_alerts(con, now=now)
        delivered = deliver_alerts(con, load_settings().outbox_dir / "alerts", now=now)
        total = con.execute("select count(*) from billing.usage_alerts").fetchone()[0]
    context.log.info(f"{raised} new alerts, {delivered} written to the outbox")
    context.log_event(dg.AssetMaterialization(
        USAGE_ALERTS_KEY, metadata={"alerts_raised": raised, "dagster/row_count": total}
    ))
    return dg.MaterializeResult(
        metadata={"alerts_raised": raised, "alerts_delivered": delivered,
                  "dagster/row_count": total}
    )


# billing.usage_alerts, the table the check writes and marts.fct_usage_alerts reads. Not
# materialized by an asset of its own: as the check's output, the view would be rebuilt
# after it in further dbt steps of every hourly run (Dagster splits the dbt step in three).
# The check reports each of its writes as a materialization of the table instead.
usage_alerts_table = dg.AssetSpec(
    USAGE_ALERTS_KEY,
    group_name="limits",
    kinds={"duckdb"},
    deps=[usage_alert_check],
    description="billing.usage_alerts: every usage-limit alert raised (workspace, period, "
    "threshold), written once each by billing/usage_alert_check.",
)


# What the limits read, and only that: the hourly check loads the new landing files,
# takes them through validation and de-duplication (so the row conservation of every
# source is checked as in the daily run) and builds the models up to the limit marts;
# the daily aggregates of calls, the invoice and analytics marts wait for the daily run
# or the new-files sensor, which build everything.
LIMIT_MARTS = [
    dg.AssetKey(["intermediate", "int_usage_alerts_due"]),
    dg.AssetKey(["marts", "agents_to_pause"]),
    dg.AssetKey(["marts", "workspaces_over_quota"]),
    dg.AssetKey(["marts", "fct_usage_alerts"]),
]
# dim_workspaces: the relationships test of the agent states compares with it
HOURLY_MODELS = [*LIMIT_MARTS, ROW_COUNTS_KEY, dg.AssetKey(["marts", "dim_workspaces"])]


def _sources_upstream(keys: list[dg.AssetKey]) -> set[dg.AssetKey]:
    """The tables outside dbt that the dbt models `keys` read, directly or not."""
    deps, seen, todo = warehouse_dbt_assets.asset_deps, set(), list(keys)
    while todo:
        for dep in deps.get(todo.pop(), ()):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen - set(warehouse_dbt_assets.keys)


limit_check_selection = (
    (
        dg.AssetSelection.assets(*HOURLY_MODELS).upstream()
        & (dg.AssetSelection.assets(warehouse_dbt_assets) | ingestion)
    )
    # the row-count view's own dbt tests (one row per source) wait for the daily run; the
    # conservation checks read it
    - dg.AssetSelection.checks_for_assets(ROW_COUNTS_KEY)
    | dg.AssetSelection.checks(*conservation_checks)
    # dbt's tests of the tables outside dbt that the models read (the landing sources,
    # the frozen billing state)
    | dbt_source_checks(*_sources_upstream(HOURLY_MODELS))
    | dg.AssetSelection.assets(usage_alert_check)
    | published
)

limit_check_job = dg.define_asset_job(
    "limit_check_job",
    tags=WAREHOUSE_WRITER,
    selection=limit_check_selection,
    description="Load the new usage, gateway, workspace and agent files, build what the "
    "usage limits read, raise the alerts due, publish the marts.",
)

@dg.schedule(
    name="limit_check_job_schedule",
    job=limit_check_job,
    cron_schedule="15 * * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Hourly usage-limit check, on the running day's files.",
)
def hourly_limit_check_schedule(context: dg.ScheduleEvaluationContext):
    return dg.RunRequest(partition_key=day_key(context.scheduled_execution_time
                                               or datetime.now(UTC)))
