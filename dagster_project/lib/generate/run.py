"""`generate()`: the order a generation runs in - the reference data and workspaces in
Python, the SQL side set up in DuckDB, then every source written day by day."""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from dagster_project.lib.generate.bad_rows import FUTURE_DAYS, create_bad_row_macros
from dagster_project.lib.generate.calls import calls_source
from dagster_project.lib.generate.config import GenerateConfig, GenerateSummary, Tally, validate
from dagster_project.lib.generate.deliveries import create_delivery_macros, late_threshold
from dagster_project.lib.generate.files import LandingWriter
from dagster_project.lib.generate.gateway import gateway_source
from dagster_project.lib.generate.randomness import create_hash_macros
from dagster_project.lib.generate.reference import load_product_tables, load_reference
from dagster_project.lib.generate.snapshots import write_snapshots
from dagster_project.lib.generate.sql import Database
from dagster_project.lib.generate.streams import IdWidths, StreamWriter, load_stream_days
from dagster_project.lib.generate.timestamps import create_timestamp_macro, load_time_of_day
from dagster_project.lib.generate.usage import usage_source
from dagster_project.lib.generate.volumes import plan_volumes
from dagster_project.lib.generate.window import Window
from dagster_project.lib.generate.workspaces import (
    build_workspaces,
    load_workspace_buckets,
    workspace_id_width,
)


def generate(config: GenerateConfig) -> GenerateSummary:
    """Write the deterministic sample landing data of `config` (see the package doc)."""
    import duckdb  # here, so that importing the package (for its config) stays light

    validate(config)
    config.landing_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="billing-generate-"))
    try:
        settings: dict[str, str | int | bool] = {
            "memory_limit": config.memory_limit,
            "preserve_insertion_order": True,
            "temp_directory": str(scratch / "spill"),
        }
        if config.threads:
            settings["threads"] = config.threads
        with duckdb.connect(":memory:", config=settings) as con:
            con.execute("set enable_progress_bar = false")
            return _write_landing(config, Database(con, scratch))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _create_macros(db: Database, config: GenerateConfig, window: Window) -> None:
    future_base = datetime(window.end.year, window.end.month, window.end.day) + timedelta(
        days=FUTURE_DAYS)
    create_hash_macros(db, config.seed)
    create_bad_row_macros(db, future_base)
    create_delivery_macros(db, config.days, config.duplicate_rate)
    create_timestamp_macro(db)


def _write_landing(config: GenerateConfig, db: Database) -> GenerateSummary:
    window = Window.of(config)
    reference = load_reference(window.end)
    workspace_width = workspace_id_width(config)
    workspaces = build_workspaces(config, reference, window, workspace_width)

    _create_macros(db, config, window)
    load_time_of_day(db)
    load_product_tables(db, reference)
    daily = load_workspace_buckets(db, workspaces, window, config.seed)

    tally = Tally()
    writer = LandingWriter(db, config.landing_dir, window, config.formats, tally)
    write_snapshots(db, writer, workspaces, config.seed)

    volumes = plan_volumes(
        config, window, daily.active, has_usage_products=bool(reference.usage_products),
        has_gateway_products=bool(reference.gateway_products),
        has_storage=reference.storage_product is not None)
    widths = IdWidths(workspace_width, volumes.event_id_width, volumes.call_id_width)
    sources = (
        usage_source(volumes.usage, volumes.streamed_usage, volumes.call_slots,
                     late_threshold(config.late_rate), widths, unparseable_day=config.days // 2),
        gateway_source(volumes.gateway, widths),
        calls_source(volumes.calls, widths, reference.voice_providers),
    )
    for source in sources:
        days = load_stream_days(db, source, window, config, daily.bucket_counts)
        StreamWriter(db, writer, source, days, config).write()
    return tally.summary()
