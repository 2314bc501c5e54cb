"""The run's resources. Both that open the warehouse (DuckDB from Python, dbt) hold the
writer lock for as long as the run has them (the whole run: every job executes its
steps in one process), so one run writes the warehouse at a time, whoever started it."""

import contextlib
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from dagster_project.defs.dbt.project import dbt_cli_resource, dbt_project
from dagster_project.defs.stripe.resource import StripeResource
from dagster_project.lib.warehouse_lock import WarehouseBusy, warehouse_writer
from dagster_project.settings import Settings, load_settings


class WarehouseHold(dg.Config):
    """How long a run waits for the warehouse (lib/warehouse_lock.py)."""

    warehouse_path: str
    wait_seconds: float
    outside_wait_seconds: float


@contextlib.contextmanager
def hold_warehouse(hold: WarehouseHold, context: dg.InitResourceContext) -> Iterator[None]:
    run = context.dagster_run
    holder = f"run {run.run_id[:8]} of {run.job_name}" if run else "a run"
    log = context.log

    def say(text: str) -> None:
        if log is not None:
            log.info(text)

    try:
        with warehouse_writer(Path(hold.warehouse_path), holder=holder,
                              wait_seconds=hold.wait_seconds,
                              outside_wait_seconds=hold.outside_wait_seconds, say=say):
            yield
    except WarehouseBusy as busy:
        raise dg.Failure(description=str(busy)) from None


class WarehouseResource(DuckDBResource):
    """Dagster's DuckDBResource, holding the warehouse for the run."""

    hold: WarehouseHold

    @contextlib.contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator["WarehouseResource"]:
        with hold_warehouse(self.hold, context):
            yield self


class WarehouseDbtResource(DbtCliResource):
    """dagster-dbt's DbtCliResource, holding the warehouse for the run."""

    hold: WarehouseHold

    @contextlib.contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[DbtCliResource]:
        with hold_warehouse(self.hold, context), super().yield_for_execution(context) as dbt:
            yield dbt


class PublishedWarehouse(dg.ConfigurableResource):
    """The published copy of the marts, read-only: what reports read, so a report run
    neither waits for nor holds up the runs that write the warehouse."""

    path: str

    @contextlib.contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if not Path(self.path).exists():
            raise dg.Failure(description=f"there is no published copy of the marts at "
                             f"{self.path} yet: run a build first")
        con = duckdb.connect(self.path, read_only=True)
        try:
            yield con
        finally:
            con.close()


def warehouse_hold(settings: Settings) -> WarehouseHold:
    return WarehouseHold(
        warehouse_path=str(settings.warehouse_path),
        wait_seconds=settings.warehouse_wait_seconds,
        outside_wait_seconds=settings.warehouse_outside_wait_seconds,
    )


@dg.definitions
def resources() -> dg.Definitions:
    settings = load_settings()
    dbt = dbt_cli_resource(settings)
    return dg.Definitions(
        resources={
            "duckdb": WarehouseResource(
                database=str(settings.warehouse_path),
                connection_config=settings.duckdb_config,
                hold=warehouse_hold(settings),
            ),
            "dbt": WarehouseDbtResource(
                project_dir=dbt_project,
                profiles_dir=dbt.profiles_dir,
                dbt_executable=dbt.dbt_executable,
                hold=warehouse_hold(settings),
            ),
            "published": PublishedWarehouse(path=str(settings.published_warehouse_path)),
            "stripe": StripeResource(
                api_key=dg.EnvVar("STRIPE_API_KEY"),
                api_base=settings.stripe_api_base,
                timeout_seconds=settings.stripe_timeout_seconds,
                initial_backoff_seconds=settings.stripe_initial_backoff_seconds,
                requests_per_second=settings.stripe_requests_per_second,
            ),
        }
    )
