"""dbt models and seeds as Dagster assets; dbt tests become asset checks."""


from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)
from dagster_duckdb import DuckDBResource

from dagster_project.defs.dbt.project import dbt_project, ensure_manifest, keep_partial_parse
from dagster_project.defs.partitions import run_as_of
from dagster_project.lib.billing_state import ensure_billing_state
from dagster_project.lib.connections import warehouse_connection
from dagster_project.lib.dbt_args import build_args, pinned_as_of
from dagster_project.lib.landing import ensure_raw_schema
from dagster_project.settings import load_settings


class LayeredTranslator(DagsterDbtTranslator):
    """Groups mirror the layers, so lineage reads left to right in the UI; descriptions are
    the models' own."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        if len(fqn) > 2 and fqn[1] in ("staging", "intermediate", "marts"):
            return fqn[1]
        return super().get_group_name(dbt_resource_props)

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        """A source table is the asset that writes it: keyed by its schema (`raw/usage_records`
        for the landing source's tables), unless its meta names another key."""
        key = super().get_asset_key(dbt_resource_props)
        if dbt_resource_props["resource_type"] == "source" and key == dg.AssetKey(
            [dbt_resource_props["source_name"], dbt_resource_props["name"]]
        ):
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return key

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        """The model's own description; its SQL is one click away (the code view), not
        pasted under it."""
        return (dbt_resource_props.get("description") or "").strip() or (
            f"dbt {dbt_resource_props['resource_type']} {dbt_resource_props['name']}")


class DbtBuildConfig(dg.Config):
    as_of: str | None = None
    """Evaluate the run at this instant (ISO timestamp, UTC) instead of now."""
    full_refresh: bool = False


@dbt_assets(
    manifest=ensure_manifest(),
    dagster_dbt_translator=LayeredTranslator(
        settings=DagsterDbtTranslatorSettings(enable_source_tests_as_checks=True)
    ),
    project=dbt_project,
)
def warehouse_dbt_assets(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    duckdb: DuckDBResource,
    config: DbtBuildConfig,
):
    # the tables outside dbt that the staging models read: the raw tables, with every
    # column of this version, and the billing state, also before the first ingest or
    # the first finalization, or after an upgrade
    with warehouse_connection(duckdb) as con:
        ensure_raw_schema(con)
        ensure_billing_state(con)
    # a run for a day (the daily pipeline, a backfill) is evaluated at that day's end
    as_of = config.as_of or run_as_of(context.run.tags)
    args = build_args(full_refresh=config.full_refresh)
    context.log.info(f"dbt {' '.join(args)}" + (f", as of {as_of}" if as_of else ""))
    with pinned_as_of(as_of):
        invocation = dbt.cli(args, context=context)
    yield from invocation.stream()
    keep_partial_parse(load_settings(), invocation.target_path)

