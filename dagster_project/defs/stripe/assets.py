"""Stripe: customers and invoices pushed once per finalized month, payment events read
back, payment reminders written to the outbox."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.defs.billing.assets import FINALIZED_INVOICES_KEY
from dagster_project.defs.config import AsOfConfig
from dagster_project.defs.partitions import monthly_periods
from dagster_project.defs.stripe.resource import StripeResource
from dagster_project.lib.connections import warehouse_connection
from dagster_project.lib.dbt_args import as_of_instant
from dagster_project.lib.finalize import period_bounds
from dagster_project.lib.reminders import deliver_reminders, raise_reminders
from dagster_project.lib.stripe_payments import fetch_events
from dagster_project.lib.stripe_sync import reconcile, sync_customers, sync_period
from dagster_project.settings import load_settings

INVOICES_KEY = dg.AssetKey(["stripe", "invoices"])


def _endpoint() -> str:
    """Which Stripe the assets talk to, said in their descriptions and metadata."""
    settings = load_settings()
    if settings.stripe_is_local_emulator:
        return f"the local Stripe emulator at {settings.stripe_api_base} (test data, not Stripe)"
    return f"Stripe at {settings.stripe_api_base}"


def _listing(failures: dict[str, str]) -> str:
    return "\n".join(f"- `{key}`: {message}" for key, message in sorted(failures.items()))


@dg.asset(
    key=["stripe", "customers"],
    group_name="stripe",
    partitions_def=monthly_periods,
    deps=[FINALIZED_INVOICES_KEY],
    kinds={"stripe", "duckdb"},
    description="One Stripe customer per workspace with a chargeable invoice in the month, "
    "created once (found again by metadata workspace_id) and remembered in "
    f"billing.stripe_customers. Talks to {_endpoint()}.",
)
def stripe_customers(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, stripe: StripeResource
) -> dg.MaterializeResult:
    period_start, _ = period_bounds(context.partition_key[:7])
    api = stripe.client()
    with warehouse_connection(duckdb) as con:
        workspaces, created, failed = sync_customers(con, api, period_start,
                                                     now=as_of_instant(None))
    for workspace_id, message in sorted(failed.items()):
        context.log.warning(f"customer of {workspace_id} not synced: {message}")
    return dg.MaterializeResult(metadata={
        "workspaces": workspaces, "customers_created": created,
        "failures": len(failed), "api_calls": api.calls, "stripe": _endpoint(),
    })


@dg.asset(
    key=INVOICES_KEY,
    group_name="stripe",
    partitions_def=monthly_periods,
    deps=[stripe_customers],
    kinds={"stripe", "duckdb"},
    check_specs=[dg.AssetCheckSpec(
        "every_invoice_synced", asset=INVOICES_KEY,
        description="Every finalized invoice of the month with total > 0 is finalized in "
        "Stripe; failures are listed with their reason.",
    )],
    description="Each finalized invoice of the month with total > 0: a Stripe draft with "
    "metadata, one item per line in cents, then finalized in Stripe. Idempotency keys plus "
    f"a look-up of what an earlier attempt created make every re-run safe. Talks to "
    f"{_endpoint()}.",
)
def stripe_invoices(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, stripe: StripeResource
):
    period = context.partition_key[:7]
    period_start, _ = period_bounds(period)
    api = stripe.client()
    with warehouse_connection(duckdb) as con:
        result = sync_period(con, api, period_start, now=as_of_instant(None))
    for invoice_id, message in sorted(result.failed.items()):
        context.log.error(f"{invoice_id} not synced: {message}")
    context.log.info(
        f"{period}: {result.chargeable} chargeable invoices, {result.already_synced} already "
        f"in Stripe, {result.completed} completed now, {len(result.failed)} failed; "
        f"{api.calls} API calls ({api.retries} retries)"
    )
    yield dg.MaterializeResult(metadata={
        "period": period,
        "chargeable_invoices": result.chargeable,
        "already_synced": result.already_synced,
        "completed_now": result.completed,
        "invoices_created": result.invoices_created,
        "items_created": result.items_created,
        "customers_created": result.customers_created,
        "failed": len(result.failed),
        "api_calls": api.calls,
        "retries": api.retries,
        "stripe": _endpoint(),
    })
    yield dg.AssetCheckResult(
        check_name="every_invoice_synced",
        passed=not result.failed,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"failed": len(result.failed),
                  "failures": dg.MetadataValue.md(_listing(result.failed) or "none")},
    )


@dg.asset_check(
    asset=stripe_invoices,
    description="Reconciliation: for every synced invoice, Stripe holds exactly one invoice "
    "with its invoice_id and its total equals the warehouse total to the cent.",
)
def stripe_totals_reconciled(
    duckdb: DuckDBResource, stripe: StripeResource
) -> dg.AssetCheckResult:
    api = stripe.client()
    with warehouse_connection(duckdb) as con:
        result = reconcile(con, api)
    return dg.AssetCheckResult(
        passed=not result.mismatches,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "invoices_checked": result.checked,
            "mismatches": len(result.mismatches),
            "details": dg.MetadataValue.md(_listing(result.mismatches) or "none"),
        },
    )


@dg.asset(
    key=["stripe", "payment_events"],
    group_name="stripe",
    kinds={"stripe", "duckdb"},
    description="Stripe invoice events since the last one received, stored once per event "
    f"id in billing.stripe_events (verified webhooks land there too). Talks to {_endpoint()}.",
)
def stripe_payment_events(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, stripe: StripeResource
) -> dg.MaterializeResult:
    api = stripe.client()
    with warehouse_connection(duckdb) as con:
        listed, new = fetch_events(con, api, now=as_of_instant(None))
        total = con.execute("select count(*) from billing.stripe_events").fetchone()[0]
    context.log.info(f"{listed} events listed, {new} new")
    return dg.MaterializeResult(metadata={
        "events_listed": listed, "events_new": new, "dagster/row_count": total,
        "api_calls": api.calls, "stripe": _endpoint(),
    })



@dg.asset(
    key=["billing", "payment_reminders"],
    group_name="stripe",
    deps=[dg.AssetKey(["intermediate", "int_payment_reminders_due"])],
    kinds={"duckdb"},
    description="Reminders for open invoices, written to the alerts outbox: one a few days "
    "before the due date (payment_due_soon_days), one when the invoice becomes overdue, "
    "each exactly once (which are due: intermediate/int_payment_reminders_due).",
)
def payment_reminders(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, config: AsOfConfig
) -> dg.MaterializeResult:
    now = as_of_instant(config.as_of)
    with warehouse_connection(duckdb) as con:
        raised = raise_reminders(con, now=now)
        delivered = deliver_reminders(con, load_settings().outbox_dir / "alerts", now=now)
        total = con.execute("select count(*) from billing.payment_reminders").fetchone()[0]
    context.log.info(f"{raised} new payment reminders, {delivered} written to the outbox")
    return dg.MaterializeResult(metadata={
        "reminders_raised": raised, "reminders_delivered": delivered,
        "dagster/row_count": total,
    })
