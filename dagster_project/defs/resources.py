import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.defs.dbt.project import dbt_cli_resource
from dagster_project.defs.stripe.resource import StripeResource
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
            "stripe": StripeResource(
                api_key=dg.EnvVar("STRIPE_API_KEY"),
                api_base=settings.stripe_api_base,
                timeout_seconds=settings.stripe_timeout_seconds,
                initial_backoff_seconds=settings.stripe_initial_backoff_seconds,
                requests_per_second=settings.stripe_requests_per_second,
            ),
        }
    )
