"""`billing`: the pipeline's command line. Every command runs a Dagster job against the
instance in $DAGSTER_HOME, so each run shows in the Dagster UI afterwards."""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from dagster_project.settings import Settings, load_settings

DAGSTER_YAML = """\
telemetry:
  enabled: false
# DuckDB has one writer: queued runs that write the warehouse go one at a time.
run_queue:
  tag_concurrency_limits:
    - key: billing/warehouse
      value: writer
      limit: 1
"""


def ensure_dagster_home(settings: Settings | None = None) -> None:
    """$DAGSTER_HOME with the instance settings the pipeline relies on."""
    settings = settings or load_settings()
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    config = settings.dagster_home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML)


def _instance(settings: Settings):
    import dagster as dg

    ensure_dagster_home(settings)
    # Dagster finds its instance through this variable; the settings module decided its value.
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home)
    return dg.DagsterInstance.get()


def run_job(
    job_name: str, run_config: dict[str, Any] | None = None, partition_key: str | None = None
) -> bool:
    """Execute one job of the definitions in-process, recorded in $DAGSTER_HOME."""
    from dagster_project.definitions import defs

    settings = load_settings()
    with _instance(settings) as instance:
        job = defs().resolve_job_def(job_name)
        # INFO, not Dagster's DEBUG event stream: the terminal shows progress and
        # warnings; every event is still recorded in the run's log in $DAGSTER_HOME.
        config = {"loggers": {"console": {"config": {"log_level": "INFO"}}},
                  **(run_config or {})}
        result = job.execute_in_process(
            run_config=config,
            instance=instance,
            partition_key=partition_key,
            raise_on_error=False,
        )
    if not result.success:
        print(f"run {result.run_id} of {job_name} failed; see the Dagster UI (make ui)",
              file=sys.stderr)
    return result.success


def _generate_config(args: argparse.Namespace) -> dict[str, Any]:
    config: dict[str, Any] = {
        "seed": args.seed,
        "workspaces": args.workspaces,
        "days": args.days,
        "usage_events_per_day": args.usage_events_per_day,
        "calls_per_day": args.calls_per_day,
        "gateway_requests_per_day": args.gateway_requests_per_day,
        "formats": [f.strip() for f in args.formats.split(",") if f.strip()],
    }
    if args.end_date:
        config["end_date"] = args.end_date
    return {"ops": {"generate_sample_data": {"config": config}}}


def _build_config(as_of: str | None, full_refresh: bool) -> dict[str, Any]:
    config: dict[str, Any] = {"full_refresh": full_refresh}
    if as_of:
        config["as_of"] = as_of
    return {"ops": {"warehouse_dbt_assets": {"config": config}}}


def cmd_generate(args: argparse.Namespace) -> bool:
    return run_job("generate_sample_data_job", _generate_config(args))


def cmd_ingest(args: argparse.Namespace) -> bool:
    return run_job("ingest_job")


def cmd_build(args: argparse.Namespace) -> bool:
    return run_job("build_job", _build_config(args.as_of, args.full_refresh))


def _finalize_config(as_of: str | None) -> dict[str, Any]:
    return {"ops": {"billing__invoice_finalization": {
        "config": {"as_of": as_of} if as_of else {}
    }}}


def cmd_finalize(args: argparse.Namespace) -> bool:
    """Ingest, build when files arrived since the last build (the drafts must hold all
    usage ingested until now), freeze the month, rebuild what reads the frozen state."""
    import duckdb

    from dagster_project.lib.dbt_args import normalize_as_of
    from dagster_project.lib.finalize import drafts_are_current, period_bounds

    period_start, _ = period_bounds(args.period)
    build = _build_config(args.as_of, False)
    if not run_job("ingest_job"):
        return False
    try:
        with duckdb.connect(str(load_settings().warehouse_path), read_only=True) as con:
            current = drafts_are_current(con, normalize_as_of(args.as_of))
    except duckdb.CatalogException:  # never built
        current = False
    if not current and not run_job("build_job", build):
        return False
    return run_job(
        "finalize_invoices_job", _finalize_config(args.as_of),
        partition_key=period_start.isoformat(),
    ) and run_job("billing_rebuild_job", build)


def finalize_complete_periods(as_of: str | None) -> bool:
    """Finalize, oldest first, every complete period not finalized yet (after a build)."""
    import duckdb

    from dagster_project.lib.dbt_args import as_of_instant
    from dagster_project.lib.finalize import finalizable_periods

    settings = load_settings()
    now = as_of_instant(as_of)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        periods = finalizable_periods(con, now=now)
    for period in periods:
        # each month's drafts are rebuilt after the previous month is frozen: its
        # first-invoice discounts and late-usage adjustments depend on it
        print(f"finalizing {period:%Y-%m} ...")
        if not (
            run_job("finalize_invoices_job", _finalize_config(as_of),
                    partition_key=period.isoformat())
            and run_job("billing_rebuild_job", _build_config(as_of, False))
        ):
            return False
    return True


def cmd_check_limits(args: argparse.Namespace) -> bool:
    config = _build_config(args.as_of, False)
    config["ops"]["billing__usage_alert_check"] = {
        "config": {"as_of": args.as_of} if args.as_of else {}
    }
    return run_job("limit_check_job", config)


def _payments_config(as_of: str | None) -> dict[str, Any]:
    config = _build_config(as_of, False)
    config["ops"]["billing__payment_reminders"] = {"config": {"as_of": as_of} if as_of else {}}
    return config


def _stripe_configured() -> bool:
    if load_settings().stripe_api_key_is_set:
        return True
    print("STRIPE_API_KEY is not set; export it (and STRIPE_API_BASE for a Stripe-compatible "
          "server) first", file=sys.stderr)
    return False


def sync_stripe(periods: Sequence[str], as_of: str | None,
                after_push: Callable[[], None] | None = None) -> bool:
    """Push the finalized months to Stripe, then read payment state back and rebuild the
    invoice marts; True when every chargeable invoice is in Stripe."""
    from dagster_project.lib.finalize import period_bounds
    from dagster_project.lib.summary import print_stripe_status

    ok = True
    for period in periods:
        start, _ = period_bounds(period)
        print(f"syncing {start:%Y-%m} to Stripe ...")
        ok = run_job("stripe_sync_job", partition_key=start.isoformat()) and ok
    if after_push is not None:
        after_push()
    ok = run_job("stripe_payments_job", _payments_config(as_of)) and ok
    return print_stripe_status(load_settings(), periods) and ok


def cmd_sync_stripe(args: argparse.Namespace) -> bool:
    return _stripe_configured() and sync_stripe([args.period], args.as_of)


def cmd_stripe_payments(args: argparse.Namespace) -> bool:
    return _stripe_configured() and run_job("stripe_payments_job", _payments_config(args.as_of))


def cmd_stripe_webhook(args: argparse.Namespace) -> bool:
    """Verify a webhook payload's Stripe-Signature and store its event."""
    import duckdb

    from dagster_project.lib.dbt_args import as_of_instant
    from dagster_project.lib.stripe_payments import WebhookRejected, accept_webhook

    settings = load_settings()
    if not settings.stripe_webhook_secret:
        print("STRIPE_WEBHOOK_SECRET is not set", file=sys.stderr)
        return False
    payload = sys.stdin.buffer.read() if args.payload == "-" else open(args.payload, "rb").read()
    with duckdb.connect(str(settings.warehouse_path), config=settings.duckdb_config) as con:
        try:
            new = accept_webhook(con, payload, args.signature, settings.stripe_webhook_secret,
                                 now=as_of_instant(None))
        except WebhookRejected as rejected:
            print(f"webhook refused: {rejected}", file=sys.stderr)
            return False
    print("event stored" if new else "event already stored or not an invoice event")
    return True


def cmd_demo(args: argparse.Namespace) -> bool:
    from dagster_project.lib.summary import print_summary

    settings = load_settings()
    if not (settings.landing_dir.exists() and any(settings.landing_dir.iterdir())):
        print(f"generating sample data into {settings.landing_dir} ...")
        if not cmd_generate(args):
            return False
    else:
        print(f"using the landing data already in {settings.landing_dir}")
    print("ingesting ...")
    if not cmd_ingest(args):
        return False
    print("building ...")
    ok = cmd_build(args) and finalize_complete_periods(args.as_of)
    if ok:
        print("checking usage limits ...")
        ok = cmd_check_limits(args)
    if ok:
        ok = demo_stripe(settings, args.as_of)
    print_summary(settings)
    return ok


# The demo's Stripe is the local emulator: a test-mode key it accepts, never a real one.
DEMO_STRIPE_API_KEY = "sk_test_local_emulator_demo"
DEMO_WEBHOOK_SECRET = "whsec_local_emulator_demo"


def simulate_payments(emulator: Any) -> Counter:
    """Customers paying: of the open invoices never attempted, by a hash of invoice_id,
    3 in 5 are paid, 1 in 5 fails its payment, 1 in 5 stays open (deterministic, so a
    re-run of the demo changes nothing that was settled)."""
    import hashlib

    outcomes: Counter = Counter()
    for invoice in emulator.objects("invoice"):
        if invoice["status"] != "open" or invoice["attempt_count"]:
            continue
        digest = hashlib.sha256(invoice["metadata"]["invoice_id"].encode()).digest()
        bucket = digest[0] % 5
        if bucket < 3:
            emulator.mark_paid(invoice["id"])
            outcomes["paid"] += 1
        elif bucket == 3:
            emulator.fail_payment(invoice["id"])
            outcomes["payment failed"] += 1
    return outcomes


def demo_stripe(settings: Settings, as_of: str | None) -> bool:
    """Push every finalized month to a local Stripe emulator (its account kept beside the
    warehouse between demo runs), let some customers pay or fail, read the events back."""
    import duckdb

    from dagster_project.settings import use_local_stripe
    from dagster_project.stripe_emulator import StripeEmulator

    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        periods = [row[0] for row in con.execute(
            "select strftime(period_start, '%Y-%m') from billing.finalized_periods "
            "order by period_start").fetchall()]
    if not periods:
        return True
    emulator = StripeEmulator(state_path=settings.warehouse_path.parent
                              / "stripe_emulator.json").start()
    print(f"local Stripe emulator on {emulator.base_url}")
    try:
        use_local_stripe(emulator.base_url, DEMO_STRIPE_API_KEY, DEMO_WEBHOOK_SECRET)

        def pay() -> None:
            outcomes = simulate_payments(emulator)
            print("simulated payments: " + (", ".join(
                f"{count} {kind}" for kind, count in sorted(outcomes.items())) or "none"))

        return sync_stripe(periods, as_of, after_push=pay)
    finally:
        emulator.stop()


def cmd_summary(args: argparse.Namespace) -> bool:
    from dagster_project.lib.summary import print_summary

    print_summary(load_settings())
    return True


def cmd_report(args: argparse.Namespace) -> bool:
    """Materialize the report assets of one month or one quarter through Dagster."""
    from dagster_project.lib.reports import periods

    try:
        period = periods.month(args.month) if args.month else periods.quarter(args.quarter)
    except ValueError as error:
        print(error, file=sys.stderr)
        return False
    job = "monthly_reports_job" if args.month else "quarterly_reports_job"
    if not run_job(job, partition_key=period.start.isoformat()):
        return False
    folder = "monthly" if args.month else "executive"
    reports_dir = load_settings().reports_dir
    print(f"reports for {period.label} written to {reports_dir / folder / period.label}")
    if args.month:
        print(f"invoice documents in {reports_dir / 'invoices' / period.label}")
    return True


def cmd_export(args: argparse.Namespace) -> bool:
    """A workspace's calls from --from to --to (UTC days, both included) as CSV or JSON."""
    from datetime import date

    import duckdb

    from dagster_project.lib.reports.export import ExportRefused, export_calls

    try:
        first, last = date.fromisoformat(args.date_from), date.fromisoformat(args.date_to)
    except ValueError as error:
        print(f"invalid date: {error}", file=sys.stderr)
        return False
    settings = load_settings()
    try:
        with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
            if args.output:
                with open(args.output, "w", newline="", encoding="utf-8") as out:
                    written = export_calls(con, out, workspace_id=args.workspace, first=first,
                                           last=last, fmt=args.format)
                print(f"{written} calls written to {args.output}", file=sys.stderr)
            else:
                export_calls(con, sys.stdout, workspace_id=args.workspace, first=first,
                             last=last, fmt=args.format)
    except ExportRefused as refused:
        print(f"export refused: {refused}", file=sys.stderr)
        return False
    return True


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="billing", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    def add_generate_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--seed", type=int, default=42)
        p.add_argument("--workspaces", type=int, default=50)
        p.add_argument("--days", type=int, default=90)
        p.add_argument("--end-date", help="last day generated, YYYY-MM-DD (default: today, UTC)")
        p.add_argument("--usage-events-per-day", type=int, default=20_000)
        p.add_argument("--calls-per-day", type=int, default=2_000)
        p.add_argument("--gateway-requests-per-day", type=int, default=5_000)
        p.add_argument("--formats", default="jsonl,csv,parquet",
                       help="comma-separated mix of jsonl, csv, parquet")

    def add_build_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--as-of", help="evaluate the run at this UTC instant (ISO-8601)")
        p.add_argument("--full-refresh", action="store_true")

    generate = commands.add_parser("generate", help="write sample landing data to $LANDING_DIR")
    add_generate_options(generate)
    generate.set_defaults(func=cmd_generate)

    ingest = commands.add_parser("ingest", help="load new landing files into the raw layer")
    ingest.set_defaults(func=cmd_ingest)

    build = commands.add_parser("build", help="dbt build of every model, with tests and checks")
    add_build_options(build)
    build.set_defaults(func=cmd_build)

    demo = commands.add_parser(
        "demo", help="generate sample data if the landing folder is empty, ingest, build, summarize"
    )
    add_generate_options(demo)
    add_build_options(demo)
    demo.set_defaults(func=cmd_demo)

    finalize = commands.add_parser(
        "finalize", help="freeze a month's invoices (ingest and build first, rebuild after)"
    )
    finalize.add_argument("--period", required=True, help="the month, YYYY-MM")
    finalize.add_argument("--as-of", help="finalize as if it were this UTC instant")
    finalize.set_defaults(func=cmd_finalize)

    check_limits = commands.add_parser(
        "check-limits", help="ingest, build, raise usage-limit alerts into the outbox"
    )
    check_limits.add_argument("--as-of", help="check as if it were this UTC instant")
    check_limits.set_defaults(func=cmd_check_limits)

    sync = commands.add_parser(
        "sync-stripe", help="push a finalized month's invoices to Stripe, read payments back"
    )
    sync.add_argument("--period", required=True, help="the month, YYYY-MM")
    sync.add_argument("--as-of", help="evaluate overdue invoices as of this UTC instant")
    sync.set_defaults(func=cmd_sync_stripe)

    payments = commands.add_parser(
        "stripe-payments", help="read Stripe payment events, rebuild invoice statuses, reminders"
    )
    payments.add_argument("--as-of", help="evaluate overdue invoices as of this UTC instant")
    payments.set_defaults(func=cmd_stripe_payments)

    webhook = commands.add_parser(
        "stripe-webhook", help="store a Stripe webhook event after verifying its signature"
    )
    webhook.add_argument("--payload", required=True,
                         help="the request body: a file, or - for stdin")
    webhook.add_argument("--signature", required=True, help="the Stripe-Signature header")
    webhook.set_defaults(func=cmd_stripe_webhook)

    summary = commands.add_parser("summary", help="print row counts per source and the marts")
    summary.set_defaults(func=cmd_summary)

    report = commands.add_parser(
        "report", help="write the reports of a month (and its invoice documents) or a quarter"
    )
    report_period = report.add_mutually_exclusive_group(required=True)
    report_period.add_argument("--month", help="monthly workspace reports, YYYY-MM")
    report_period.add_argument("--quarter", help="executive summaries, YYYY-QN (e.g. 2026-Q3)")
    report.set_defaults(func=cmd_report)

    export = commands.add_parser(
        "export", help="a workspace's calls for a date range as CSV or JSON (numbers masked)"
    )
    export.add_argument("--workspace", required=True, help="the workspace_id")
    export.add_argument("--from", dest="date_from", required=True,
                        help="first day, YYYY-MM-DD (UTC, included)")
    export.add_argument("--to", dest="date_to", required=True,
                        help="last day, YYYY-MM-DD (UTC, included)")
    export.add_argument("--format", choices=["csv", "json"], default="csv")
    export.add_argument("--output", help="file to write (default: standard output)")
    export.set_defaults(func=cmd_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return 0 if args.func(args) else 1


if __name__ == "__main__":
    raise SystemExit(main())
