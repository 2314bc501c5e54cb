"""Monthly finalization: a month-partitioned asset that freezes a period's invoices."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.defs.config import AsOfConfig
from dagster_project.lib.connections import warehouse_connection
from dagster_project.lib.dbt_args import as_of_instant
from dagster_project.lib.finalize import FinalizationRefused, finalize_period

# end_offset=1: the running month is a partition too, so asking for it is refused by the
# finalization itself with a clear reason rather than by an unknown partition key.
# Keyed YYYY-MM, as the command line and the invoices spell a month.
monthly_periods = dg.MonthlyPartitionsDefinition(
    start_date="2025-01", fmt="%Y-%m", timezone="UTC", end_offset=1
)



@dg.asset(
    key=["billing", "invoice_finalization"],
    group_name="billing",
    partitions_def=monthly_periods,
    deps=[dg.AssetKey(["intermediate", "int_invoices_draft"]),
          dg.AssetKey(["intermediate", "int_invoice_lines_draft"])],
    kinds={"duckdb"},
    description="Freezes the month's draft invoices and lines (invoice numbers, due dates). "
    "A finalized month never changes again; finalizing it twice changes nothing.",
)
def invoice_finalization(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, config: AsOfConfig
) -> dg.MaterializeResult:
    now = as_of_instant(config.as_of)
    period = context.partition_key[:7]
    with warehouse_connection(duckdb) as con:
        try:
            result = finalize_period(con, period, now=now)
        except FinalizationRefused as refused:
            raise dg.Failure(description=str(refused)) from None
    if result.already_finalized:
        context.log.info(f"{period} was already finalized at {result.finalized_at}; unchanged")
    return dg.MaterializeResult(
        metadata={
            "period": period,
            "invoices": result.invoices,
            "no_charge_invoices": result.no_charge,
            "invoices_total_usd": str(result.total),
            "finalized_at": str(result.finalized_at),
            "already_finalized": result.already_finalized,
        }
    )
