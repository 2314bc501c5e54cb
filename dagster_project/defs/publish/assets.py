"""The published warehouse: what analysts query, swapped in whole after each build."""

from datetime import UTC, datetime

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.defs.dbt.assets import warehouse_dbt_assets
from dagster_project.lib.connections import warehouse_connection
from dagster_project.lib.publish import PUBLISHED_SCHEMAS, publish_warehouse
from dagster_project.settings import load_settings

PUBLISHED_KEY = dg.AssetKey(["analytics", "published_warehouse"])

# Every dbt model and seed of the published schemas: a failed dbt step (a model error or
# a failing dbt test of severity error) skips this asset, as does a failing blocking
# check on any of them, so the previous published build stays.
PUBLISHED_MODELS = sorted(
    (key for key in warehouse_dbt_assets.keys if key.path[0] in PUBLISHED_SCHEMAS),
    key=lambda key: key.path,
)
# Steps that write the billing state after dbt in the same run. marts.fct_usage_alerts is
# a view of billing.usage_alerts, so the copy waits for the alerts raised in the run; and
# waiting for them keeps every step that opens the warehouse file one after the other.
WRITTEN_AFTER_DBT = [
    dg.AssetKey(["billing", "usage_alert_check"]),
    dg.AssetKey(["billing", "payment_reminders"]),
]


@dg.asset(
    key=PUBLISHED_KEY,
    group_name="analytics",
    deps=[*PUBLISHED_MODELS, *WRITTEN_AFTER_DBT],
    kinds={"duckdb"},
    description="A read-only copy of the `marts` and `reference` schemas for analysts, "
    "written to a new DuckDB file and renamed over $PUBLISHED_WAREHOUSE_PATH once "
    "complete: readers see the previous build or this one, never a mix, and never wait "
    "for a run. `marts._published` says which run it holds. Runs last in every job that "
    "builds marts, and only when the build and its blocking tests passed.",
)
def published_warehouse(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    path = load_settings().published_warehouse_path
    with warehouse_connection(duckdb) as con:
        result = publish_warehouse(
            con, path, run_id=context.run.run_id, job_name=context.job_name,
            now=datetime.now(UTC).replace(tzinfo=None),
        )
    for leftover in result.leftovers_removed:
        context.log.warning(f"removed {leftover}, left behind by an interrupted publish")
    context.log.info(f"published {len(result.tables)} tables ({result.rows} rows) to {path}")
    listing = "\n".join(f"| `{name}` | {rows} |" for name, rows in result.tables.items())
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "published_at": str(result.published_at),
            "source_run_id": result.run_id,
            "tables": len(result.tables),
            "dagster/row_count": result.rows,
            "size_bytes": result.size_bytes,
            "row_counts": dg.MetadataValue.md("| table | rows |\n| --- | --- |\n" + listing),
        }
    )
