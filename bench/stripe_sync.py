"""Stripe sync throughput against the local emulator.

    .venv/bin/python bench/stripe_sync.py --warehouse data/warehouse.duckdb

Copies the warehouse (one with finalized months, e.g. after `make demo`), forgets its
Stripe state, starts a fresh emulator and pushes every finalized month with no request
rate bound, then prints invoices, API calls per invoice and invoices per second.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from dagster_project.lib.stripe_api import RetryPolicy, StripeApi
from dagster_project.lib.stripe_sync import sync_period
from dagster_project.stripe_emulator import StripeEmulator

STRIPE_TABLES = ("stripe_customers", "stripe_invoices", "stripe_sync_errors")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warehouse", type=Path, default=Path("data/warehouse.duckdb"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "warehouse.duckdb"
        shutil.copy(args.warehouse, copy)
        with duckdb.connect(str(copy)) as con, StripeEmulator() as emulator:
            for table in STRIPE_TABLES:
                con.execute(f"delete from billing.{table}")
            periods = [row[0] for row in con.execute(
                "select period_start from billing.finalized_periods order by 1").fetchall()]
            api = StripeApi("sk_test_benchmark", emulator.base_url,
                            retry=RetryPolicy(6, 0.05, 1.0), requests_per_second=0)
            started = time.perf_counter()
            invoices = lines = 0
            for period in periods:
                result = sync_period(con, api, period, now=datetime.now(UTC).replace(tzinfo=None))
                invoices += result.completed
                lines += result.items_created
            seconds = time.perf_counter() - started
    print(f"{len(periods)} months, {invoices} invoices, {lines} items, {api.calls} API calls "
          f"({api.calls / invoices:.1f} per invoice, {lines / invoices:.1f} items per invoice), "
          f"{seconds:.2f} s: {invoices / seconds:.1f} invoices/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
