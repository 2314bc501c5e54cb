"""The one place that reads the environment.

Every other module gets its configuration from here (or from Dagster resources built
from here), so a reader can see every knob of the pipeline in one file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# the dbt seeds: the lookup tables and settings both dbt and the Python steps read
SEEDS_DIR = PROJECT_ROOT / "seeds"
DBT_PROJECT_DIR = PROJECT_ROOT
DBT_PROFILES_DIR = PROJECT_ROOT / "dbt"
# the code location's name in the Dagster UI ([tool.dagster] in pyproject.toml)
CODE_LOCATION = "billing"


def _path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    path = Path(value) if value else default
    return path if path.is_absolute() else (PROJECT_ROOT / path)


@dataclass(frozen=True)
class Settings:
    warehouse_path: Path
    published_warehouse_path: Path
    landing_dir: Path
    dagster_home: Path
    reports_dir: Path
    outbox_dir: Path
    log_dir: Path
    duckdb_memory_limit: str
    # how long a run waits for the warehouse: held by another run, then by a process
    # outside the pipeline (lib/warehouse_lock.py)
    warehouse_wait_seconds: float
    warehouse_outside_wait_seconds: float
    duckdb_threads: int | None
    stripe_api_base: str
    stripe_timeout_seconds: float
    stripe_initial_backoff_seconds: float
    stripe_requests_per_second: float
    # Secrets never reach a repr, a log line or run metadata. STRIPE_API_KEY is read by
    # Dagster itself (dg.EnvVar in defs/resources.py), so it stays out of run config.
    stripe_webhook_secret: str | None = field(default=None, repr=False)

    @property
    def duckdb_config(self) -> dict[str, str | int]:
        """Connection settings for DuckDB connections opened from Python.

        (TimeZone=UTC is set by dbt's profile, where timestamps are parsed; DuckDB
        refuses it as a connect-time option.)
        """
        config: dict[str, str | int] = {"memory_limit": self.duckdb_memory_limit}
        if self.duckdb_threads:
            config["threads"] = self.duckdb_threads
        return config

    @property
    def stripe_is_local_emulator(self) -> bool:
        """STRIPE_API_BASE points at this machine (the demo's and `make ui`'s emulator)."""
        return urlsplit(self.stripe_api_base).hostname in ("127.0.0.1", "localhost", "::1")

    @property
    def stripe_api_key_is_set(self) -> bool:
        """Whether STRIPE_API_KEY is there (its value is read by Dagster, never here)."""
        return bool(os.environ.get("STRIPE_API_KEY"))


def load_settings() -> Settings:
    threads = os.environ.get("DUCKDB_THREADS")
    warehouse_path = _path("WAREHOUSE_PATH", PROJECT_ROOT / "data" / "warehouse.duckdb")
    return Settings(
        warehouse_path=warehouse_path,
        # what analysts open: a copy of the marts swapped in whole after each build; by
        # default beside the warehouse, so a warehouse moved elsewhere takes it along
        published_warehouse_path=_path(
            "PUBLISHED_WAREHOUSE_PATH", warehouse_path.parent / "published" / warehouse_path.name
        ),
        landing_dir=_path("LANDING_DIR", PROJECT_ROOT / "data" / "landing"),
        dagster_home=_path("DAGSTER_HOME", PROJECT_ROOT / "data" / "dagster_home"),
        reports_dir=_path("REPORTS_DIR", PROJECT_ROOT / "data" / "reports"),
        outbox_dir=_path("OUTBOX_DIR", PROJECT_ROOT / "data" / "outbox"),
        # what the command line's runs print (Dagster's console log, dbt's log lines)
        log_dir=_path("LOG_DIR", warehouse_path.parent / "logs"),
        duckdb_memory_limit=os.environ.get("DUCKDB_MEMORY_LIMIT", "4GB"),
        duckdb_threads=int(threads) if threads else None,
        warehouse_wait_seconds=float(os.environ.get("WAREHOUSE_WAIT_SECONDS", "3600")),
        warehouse_outside_wait_seconds=float(
            os.environ.get("WAREHOUSE_OUTSIDE_WAIT_SECONDS", "120")
        ),
        stripe_api_base=os.environ.get("STRIPE_API_BASE") or "https://api.stripe.com",
        stripe_timeout_seconds=float(os.environ.get("STRIPE_TIMEOUT_SECONDS", "20")),
        stripe_initial_backoff_seconds=float(
            os.environ.get("STRIPE_INITIAL_BACKOFF_SECONDS", "0.5")
        ),
        stripe_requests_per_second=float(os.environ.get("STRIPE_REQUESTS_PER_SECOND", "20")),
        stripe_webhook_secret=os.environ.get("STRIPE_WEBHOOK_SECRET") or None,
    )


def use_local_stripe(api_base: str, api_key: str, webhook_secret: str,
                     requests_per_second: float = 100.0) -> None:
    """Point this process's Stripe settings at a local Stripe-compatible server (the
    demo's emulator); the runs started afterwards read them like any other setting."""
    os.environ.update({
        "STRIPE_API_BASE": api_base,
        "STRIPE_API_KEY": api_key,
        "STRIPE_WEBHOOK_SECRET": webhook_secret,
        "STRIPE_REQUESTS_PER_SECOND": str(requests_per_second),
    })
