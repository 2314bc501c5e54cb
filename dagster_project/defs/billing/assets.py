"""Monthly finalization: a month-partitioned asset that freezes a period's invoices."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.defs.config import AsOfConfig
from dagster_project.defs.partitions import monthly_periods
from dagster_project.lib.connections import warehouse_connection
from dagster_project.lib.dbt_args import as_of_instant
from dagster_project.lib.finalize import FinalizationRefused, finalize_period

FINALIZED_PERIODS_KEY = dg.AssetKey(["billing", "finalized_periods"])
FINALIZED_INVOICES_KEY = dg.AssetKey(["billing", "finalized_invoices"])
FINALIZED_LINES_KEY = dg.AssetKey(["billing", "finalized_invoice_lines"])


def _frozen(key: dg.AssetKey, description: str) -> dg.AssetSpec:
    return dg.AssetSpec(key, group_name="billing", kinds={"duckdb"}, description=description)


# The three tables of the frozen billing state, written together in one transaction. The
# finalization reads the drafts, which are built from these tables (a finalized month
# decides the next one's discounts and adjustments): the graph can hold one direction of
# that loop only, and shows the tables as the drafts' sources. That the drafts are current
# is the finalization's own refusal (lib/finalize.py), not a dependency.
@dg.multi_asset(
    name="billing__invoice_finalization",
    specs=[
        _frozen(FINALIZED_PERIODS_KEY, "billing.finalized_periods: one row per finalized "
                "month, when it was finalized, its invoices and total."),
        _frozen(FINALIZED_INVOICES_KEY, "billing.finalized_invoices: the month's invoices "
                "frozen from the drafts (invoice numbers, due dates); never changed again."),
        _frozen(FINALIZED_LINES_KEY, "billing.finalized_invoice_lines: their lines, frozen "
                "with them."),
    ],
    partitions_def=monthly_periods,
    description="Freezes the month's draft invoices and lines (invoice numbers, due dates). "
    "A finalized month never changes again; finalizing it twice changes nothing.",
)
def invoice_finalization(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, config: AsOfConfig
):
    now = as_of_instant(config.as_of)
    period = context.partition_key[:7]
    with warehouse_connection(duckdb) as con:
        try:
            result = finalize_period(con, period, now=now)
        except FinalizationRefused as refused:
            raise dg.Failure(description=str(refused)) from None
    if result.already_finalized:
        context.log.info(f"{period} was already finalized at {result.finalized_at}; unchanged")
    summary = {"period": period, "finalized_at": str(result.finalized_at),
               "already_finalized": result.already_finalized}
    yield dg.MaterializeResult(asset_key=FINALIZED_PERIODS_KEY, metadata=summary)
    yield dg.MaterializeResult(asset_key=FINALIZED_INVOICES_KEY, metadata={
        **summary,
        "invoices": result.invoices,
        "no_charge_invoices": result.no_charge,
        "invoices_total_usd": str(result.total),
    })
    yield dg.MaterializeResult(asset_key=FINALIZED_LINES_KEY, metadata=summary)
