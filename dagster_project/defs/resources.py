import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.defs.dbt.project import dbt_cli_resource
from dagster_project.settings import load_settings


@dg.definitions
def resources() -> dg.Definitions:
    settings = load_settings()
    return dg.Definitions(
        resources={
            "duckdb": DuckDBResource(
                database=str(settings.warehouse_path),
                connection_config=settings.duckdb_config,
            ),
            "dbt": dbt_cli_resource(settings),
        }
    )
