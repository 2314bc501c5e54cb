"""Sample landing data for the demo, benchmarks and trials, generated through Dagster so
each generation is a recorded run."""

from datetime import date

import dagster as dg

from dagster_project.lib.generate import GenerateConfig, generate
from dagster_project.settings import load_settings


class SampleDataConfig(dg.Config):
    """The generator's options; the defaults are GenerateConfig's."""

    seed: int = GenerateConfig.seed
    workspaces: int = GenerateConfig.workspaces
    days: int = GenerateConfig.days
    end_date: str | None = None
    """Last day generated (YYYY-MM-DD, inclusive); empty = today (UTC)."""
    usage_events_per_day: int = GenerateConfig.usage_events_per_day
    calls_per_day: int = GenerateConfig.calls_per_day
    gateway_requests_per_day: int = GenerateConfig.gateway_requests_per_day
    formats: list[str] = list(GenerateConfig.formats)


@dg.op(description="Write a deterministic sample of every landing source to $LANDING_DIR.")
def generate_sample_data(context: dg.OpExecutionContext, config: SampleDataConfig) -> None:
    settings = load_settings()
    summary = generate(
        GenerateConfig(
            landing_dir=settings.landing_dir,
            seed=config.seed,
            workspaces=config.workspaces,
            days=config.days,
            end_date=date.fromisoformat(config.end_date) if config.end_date else None,
            usage_events_per_day=config.usage_events_per_day,
            calls_per_day=config.calls_per_day,
            gateway_requests_per_day=config.gateway_requests_per_day,
            formats=tuple(config.formats),
            memory_limit=settings.duckdb_memory_limit,
            threads=settings.duckdb_threads,
        )
    )
    for source, files in sorted(summary.files.items()):
        context.log.info(
            f"{source}: {files} files, {summary.rows[source]} rows "
            f"({summary.bad_rows[source]} bad, {summary.duplicate_rows[source]} re-delivered)"
        )


@dg.job(description="Generate sample landing data (see `billing generate --help`).")
def generate_sample_data_job():
    generate_sample_data()
