"""One asset per landing source: load the new files of `$LANDING_DIR/<source>/` into
`raw.<source>`. Row-level validation happens in dbt; the conservation of rows (read =
accepted + quarantined + duplicates) is checked per source once dbt has built."""

from datetime import date

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.defs.partitions import daily_periods
from dagster_project.lib.connections import warehouse_connection
from dagster_project.lib.landing import SOURCES, ingest_source
from dagster_project.settings import load_settings

ROW_COUNTS_KEY = dg.AssetKey(["marts", "ingestion_row_counts"])
LOAD_LOG_KEY = dg.AssetKey(["raw", "files"])


def _ingestion_asset(source_name: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=source_name,
        key_prefix=["raw"],
        group_name="ingestion",
        kinds={"duckdb"},
        partitions_def=daily_periods,
        description=f"Landing files of `{source_name}/` loaded verbatim into raw.{source_name}; "
        "each file once (path + size + modification time). Partition = the delivery day: "
        "a run for a day loads the new files delivered for it and for the days before it "
        "(the `YYYY-MM-DD` folder of the file, else the day it landed).",
    )
    def _asset(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
        landing_dir = load_settings().landing_dir
        through = date.fromisoformat(context.partition_key)
        with warehouse_connection(duckdb) as con:
            result = ingest_source(con, landing_dir, source_name, through=through)
            total_rows = con.execute(f"select count(*) from raw.{source_name}").fetchone()[0]
            logged_files = con.execute("select count(*) from raw._files").fetchone()[0]
        for path, message in result.failures:
            context.log.warning(f"{path} could not be parsed and is quarantined: {message}")
        if result.files_loaded or result.files_failed:
            # the load log changed with this source's files: the UI shows when and by whom
            context.log_event(dg.AssetMaterialization(
                LOAD_LOG_KEY, metadata={"source": source_name, "dagster/row_count": logged_files}
            ))
        return dg.MaterializeResult(
            metadata={
                "files_loaded": result.files_loaded,
                "files_failed": result.files_failed,
                "files_already_loaded": result.files_skipped,
                "files_for_later_days": result.files_for_later_days,
                "rows_loaded": result.rows_loaded,
                "dagster/row_count": total_rows,
            }
        )

    return _asset


ingestion_assets = [_ingestion_asset(name) for name in SOURCES]

# raw._files, the load log: every ingestion asset writes a row to it per landing file,
# read by dbt (stg_landing__files), written by no asset of its own: each one that loads a
# file reports a materialization of it.
load_log = dg.AssetSpec(
    LOAD_LOG_KEY,
    group_name="ingestion",
    kinds={"duckdb"},
    deps=[asset.key for asset in ingestion_assets],
    description="raw._files: one row per landing file loaded or failed (source, path, size, "
    "modification time, status, rows, the reader's message), written by the ingestion "
    "assets in the same transaction as the file's rows.",
)


def _conservation_check(source_name: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=ROW_COUNTS_KEY,
        name=f"rows_conserved_{source_name}",
        description=f"{source_name}: rows read = rows accepted + rows quarantined + duplicates "
        "removed, each counted from its own table.",
        blocking=True,
    )
    def _check(duckdb: DuckDBResource) -> dg.AssetCheckResult:
        with warehouse_connection(duckdb) as con:
            row = con.execute(
                """
                select rows_read, rows_accepted, rows_quarantined, duplicates_removed,
                       files_loaded, files_failed
                from marts.ingestion_row_counts where source_name = ?
                """,
                [source_name],
            ).fetchone()
        read, accepted, quarantined, duplicates, files_loaded, files_failed = row
        return dg.AssetCheckResult(
            passed=read == accepted + quarantined + duplicates,
            metadata={
                "rows_read": read,
                "rows_accepted": accepted,
                "rows_quarantined": quarantined,
                "duplicates_removed": duplicates,
                "unaccounted_rows": read - accepted - quarantined - duplicates,
                "files_loaded": files_loaded,
                "files_failed": files_failed,
            },
        )

    return _check


conservation_checks = [_conservation_check(name) for name in SOURCES]
