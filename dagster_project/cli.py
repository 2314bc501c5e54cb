"""`billing`: the pipeline's command line. Every command runs a Dagster job against the
instance in $DAGSTER_HOME, so each run shows in the Dagster UI afterwards."""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, NoReturn

from dagster_project.lib.generate import FORMAT_SUFFIX, GenerateConfig
from dagster_project.runner import (
    CommandError,
    Console,
    ensure_dagster_home,
    open_published,
    open_warehouse,
    run_job,
)
from dagster_project.settings import Settings, load_settings

# the command line's runs, and what the Makefile and the tests import from here
__all__ = ["ensure_dagster_home", "main", "run_job"]


# ---------------------------------------------------------------- argument types
# Each raises ArgumentTypeError with the one line argparse prints (exit status 2).

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^\d{4}-Q[1-4]$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FORMATS = tuple(FORMAT_SUFFIX)  # the formats the generator writes


def month(text: str) -> str:
    """YYYY-MM."""
    if not _MONTH.match(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a month: expected YYYY-MM, e.g. 2026-09")
    return text


def billing_month(text: str) -> str:
    """A month the pipeline's monthly partitions hold: from their first month to the
    running one (a later month has nothing to bill yet)."""
    from dagster_project.defs.partitions import monthly_periods

    month(text)
    first = monthly_periods.start.strftime("%Y-%m")
    running = datetime.now(UTC).strftime("%Y-%m")
    if text < first:
        raise argparse.ArgumentTypeError(
            f"{text} is before {first}, the first month the pipeline bills"
        )
    if text > running:
        raise argparse.ArgumentTypeError(f"{text} has not started yet (today is in {running})")
    return text


def quarter(text: str) -> str:
    """YYYY-QN."""
    if not _QUARTER.match(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a quarter: expected YYYY-QN, e.g. 2026-Q3"
        )
    return text


def day(text: str) -> date:
    """YYYY-MM-DD."""
    try:
        if not _DAY.match(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a day: expected YYYY-MM-DD, e.g. 2026-10-31"
        ) from None


def ended_day(text: str) -> date:
    """A UTC day that has ended, from the first day the pipeline knows."""
    from dagster_project.defs.partitions import monthly_periods

    value = day(text)
    first = monthly_periods.start.date()
    today = datetime.now(UTC).date()
    if value < first:
        raise argparse.ArgumentTypeError(f"{text} is before {first}, the first day reported")
    if value >= today:
        raise argparse.ArgumentTypeError(f"{text} has not ended yet (today is {today})")
    return value


def instant(text: str) -> str:
    """An ISO-8601 instant (UTC when it carries no offset)."""
    from dagster_project.lib.dbt_args import normalize_as_of

    try:
        normalize_as_of(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an instant: expected ISO-8601 UTC, e.g. 2026-11-01T02:00:00Z"
        ) from None
    return text


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value


def formats(text: str) -> list[str]:
    """A comma-separated mix of jsonl, csv and parquet."""
    chosen = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [part for part in chosen if part not in FORMATS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a list of formats: expected a comma-separated mix of "
            + ", ".join(FORMATS)
        )
    return chosen


# ---------------------------------------------------------------- run configs


def _generate_config(args: argparse.Namespace) -> dict[str, Any]:
    config: dict[str, Any] = {
        "seed": args.seed,
        "workspaces": args.workspaces,
        "days": args.days,
        "usage_events_per_day": args.usage_events_per_day,
        "calls_per_day": args.calls_per_day,
        "gateway_requests_per_day": args.gateway_requests_per_day,
        "formats": args.formats,
    }
    if args.end_date:
        config["end_date"] = args.end_date.isoformat()
    return {"ops": {"generate_sample_data": {"config": config}}}


def _build_config(as_of: str | None, full_refresh: bool) -> dict[str, Any]:
    config: dict[str, Any] = {"full_refresh": full_refresh}
    if as_of:
        config["as_of"] = as_of
    return {"ops": {"warehouse_dbt_assets": {"config": config}}}


def _finalize_config(as_of: str | None) -> dict[str, Any]:
    return {"ops": {"billing__invoice_finalization": {"config": {"as_of": as_of} if as_of else {}}}}


def _payments_config(as_of: str | None) -> dict[str, Any]:
    config = _build_config(as_of, False)
    config["ops"]["billing__payment_reminders"] = {"config": {"as_of": as_of} if as_of else {}}
    return config


# ---------------------------------------------------------------- commands


def cmd_generate(args: argparse.Namespace) -> bool:
    return bool(run_job("generate_sample_data_job", _generate_config(args)))


def _today() -> str:
    """The running day's partition: every new file delivered for it or before it."""
    from dagster_project.defs.partitions import day_key

    return day_key(datetime.now(UTC))


def cmd_ingest(args: argparse.Namespace) -> bool:
    return bool(run_job("ingest_job", partition_key=_today()))


def cmd_backfill(args: argparse.Namespace) -> bool:
    """The daily pipeline for each day of a range, oldest first, as the 00:00 runs would
    have done it: the files delivered through the day, built as of its end."""
    if args.date_to < args.date_from:
        raise CommandError(f"--to {args.date_to} is before --from {args.date_from}")
    today = date.fromisoformat(_today())
    if args.date_to > today:
        raise CommandError(f"--to {args.date_to} is after today ({today}, UTC)")
    day_ = args.date_from
    while day_ <= args.date_to:
        Console.say(f"{day_}: ingest and build ...")
        if not run_job("daily_pipeline_job", partition_key=day_.isoformat()):
            return False
        day_ += timedelta(days=1)
    return True


def cmd_build(args: argparse.Namespace) -> bool:
    return bool(run_job("build_job", _build_config(args.as_of, args.full_refresh)))


def cmd_finalize(args: argparse.Namespace) -> bool:
    """Ingest, build when files arrived since the last build (the drafts must hold all
    usage ingested until now), freeze the month, rebuild what reads the frozen state."""
    import duckdb

    from dagster_project.lib.dbt_args import normalize_as_of
    from dagster_project.lib.finalize import drafts_are_current

    build = _build_config(args.as_of, False)
    if not run_job("ingest_job", partition_key=_today()):
        return False
    try:
        with open_warehouse(load_settings()) as con:
            current = drafts_are_current(con, normalize_as_of(args.as_of))
    except (CommandError, duckdb.CatalogException):  # never built
        current = False
    if not current and not run_job("build_job", build):
        return False
    return bool(
        run_job(
            "finalize_invoices_job",
            _finalize_config(args.as_of),
            partition_key=args.period,
        )
        and run_job("billing_rebuild_job", build)
    )


def finalize_complete_periods(as_of: str | None) -> list[str] | None:
    """Finalize, oldest first, every complete period not finalized yet (after a build);
    the months finalized, or None when one failed."""
    from dagster_project.lib.dbt_args import as_of_instant
    from dagster_project.lib.finalize import finalizable_periods

    with open_warehouse(load_settings()) as con:
        periods = finalizable_periods(con, now=as_of_instant(as_of))
    done = []
    for period in periods:
        # each month's drafts are rebuilt after the previous month is frozen: its
        # first-invoice discounts and late-usage adjustments depend on it
        Console.say(f"finalizing {period:%Y-%m} ...")
        if not (
            run_job(
                "finalize_invoices_job", _finalize_config(as_of), partition_key=f"{period:%Y-%m}"
            )
            and run_job("billing_rebuild_job", _build_config(as_of, False))
        ):
            return None
        done.append(f"{period:%Y-%m}")
    return done


def cmd_check_limits(args: argparse.Namespace) -> bool:
    config = _build_config(args.as_of, False)
    config["ops"]["billing__usage_alert_check"] = {
        "config": {"as_of": args.as_of} if args.as_of else {}
    }
    return bool(run_job("limit_check_job", config, partition_key=_today()))


def _stripe_configured() -> bool:
    if load_settings().stripe_api_key_is_set:
        return True
    raise CommandError(
        "STRIPE_API_KEY is not set; export it (and STRIPE_API_BASE for a "
        "Stripe-compatible server) first"
    )


def sync_stripe(
    periods: Sequence[str],
    as_of: str | None,
    after_push: Callable[[], None] | None = None,
    *,
    each: bool = True,
) -> bool:
    """Push the finalized months to Stripe, then read payment state back and rebuild the
    invoice marts; True when every chargeable invoice is in Stripe."""
    from dagster_project.lib.finalize import period_bounds
    from dagster_project.lib.summary import print_stripe_status

    ok = True
    for period in periods:
        start, _ = period_bounds(period)
        Console.say(f"syncing {start:%Y-%m} to Stripe ...")
        ok = bool(run_job("stripe_sync_job", partition_key=f"{start:%Y-%m}")) and ok
    if after_push is not None:
        after_push()
    ok = bool(run_job("stripe_payments_job", _payments_config(as_of))) and ok
    with open_warehouse(load_settings()) as con:
        return print_stripe_status(con, list(periods), each=each) and ok


def cmd_sync_stripe(args: argparse.Namespace) -> bool:
    return _stripe_configured() and sync_stripe([args.period], args.as_of)


def cmd_stripe_payments(args: argparse.Namespace) -> bool:
    return _stripe_configured() and bool(
        run_job("stripe_payments_job", _payments_config(args.as_of))
    )


def cmd_stripe_webhook(args: argparse.Namespace) -> bool:
    """Verify a webhook payload's Stripe-Signature and store its event."""
    from dagster_project.lib.dbt_args import as_of_instant
    from dagster_project.lib.stripe_payments import WebhookRejected, accept_webhook

    settings = load_settings()
    if not settings.stripe_webhook_secret:
        raise CommandError("STRIPE_WEBHOOK_SECRET is not set; export it first")
    try:
        payload = (
            sys.stdin.buffer.read() if args.payload == "-" else open(args.payload, "rb").read()
        )
    except OSError as error:
        raise CommandError(f"cannot read the payload {args.payload}: {error.strerror}") from None
    with open_warehouse(settings, read_only=False) as con:
        try:
            new = accept_webhook(
                con,
                payload,
                args.signature,
                settings.stripe_webhook_secret,
                now=as_of_instant(None),
            )
        except WebhookRejected as rejected:
            raise CommandError(f"webhook refused: {rejected}") from None
    print("event stored" if new else "event already stored or not an invoice event")
    return True


def cmd_demo(args: argparse.Namespace) -> bool:
    """Sample data (when the landing folder is empty), then what the schedules do: ingest,
    build, finalize the complete months, check limits, sync Stripe, write the reports."""
    from dagster_project.lib.summary import print_summary

    settings = load_settings()
    if not (settings.landing_dir.exists() and any(settings.landing_dir.iterdir())):
        Console.say(f"generating sample data into {settings.landing_dir} ...")
        if not cmd_generate(args):
            return False
    else:
        Console.say(f"using the landing data already in {settings.landing_dir}")
    Console.say("ingesting ...")
    if not cmd_ingest(args):
        return False
    Console.say("building ...")
    ok = cmd_build(args) and finalize_complete_periods(args.as_of) is not None
    if ok:
        Console.say("checking usage limits ...")
        ok = cmd_check_limits(args)
    if ok:
        ok = demo_stripe(settings, args.as_of)
    written = demo_reports(settings, args.as_of) if ok else []
    with open_published(settings) as con:
        print_summary(con, settings)
    if written:
        Console.say("\nReports")
        for line in written:
            Console.say(f"  {line}")
    return ok


def _finalized_months(settings: Settings) -> list[date]:
    with open_warehouse(settings) as con:
        return [
            row[0]
            for row in con.execute(
                "select period_start from billing.finalized_periods order by period_start"
            ).fetchall()
        ]


def demo_reports(settings: Settings, as_of: str | None) -> list[str]:
    """The monthly reports and invoice documents of every finalized month and the
    executive summaries of the quarters they fall in; where each was written."""
    from dagster_project.lib.dbt_args import as_of_instant
    from dagster_project.lib.reports import periods as report_periods

    written = []
    months = _finalized_months(settings)
    for start in months:
        Console.say(f"writing the reports of {start:%Y-%m} ...")
        written += _report(report_periods.month(f"{start:%Y-%m}"), monthly=True)
    for quarter_ in dict.fromkeys(report_periods.quarter_of(start) for start in months):
        Console.say(f"writing the executive summaries of {quarter_.label} ...")
        written += _report(quarter_, monthly=False)
    # the day just ended, as the 02:00 schedule does
    yesterday = as_of_instant(as_of).date() - timedelta(days=1)
    Console.say(f"writing the daily platform report of {yesterday} ...")
    return written + _daily_report(yesterday)


def _report(period: Any, *, monthly: bool) -> list[str]:
    """Run the reports job of one month or quarter; the folders it wrote."""
    job = "monthly_reports_job" if monthly else "quarterly_reports_job"
    # a month's partition is YYYY-MM, a quarter's its first day
    key = period.label if monthly else period.start.isoformat()
    if not run_job(job, partition_key=key):
        return []
    reports_dir = load_settings().reports_dir
    if monthly:
        return [
            f"{period.label} monthly reports: {reports_dir / 'monthly' / period.label}",
            f"{period.label} invoice documents: {reports_dir / 'invoices' / period.label}",
        ]
    return [f"{period.label} executive summaries: {reports_dir / 'executive' / period.label}"]


def _daily_report(day: date) -> list[str]:
    """Run the daily platform report of one day; the files it wrote."""
    if not run_job("daily_platform_report_job", partition_key=day.isoformat()):
        return []
    folder = load_settings().reports_dir / "daily"
    return [f"{day} daily platform report: {folder / f'{day}.md'} (and .json)"]


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
    from dagster_project.settings import use_local_stripe
    from dagster_project.stripe_emulator import StripeEmulator

    periods = [f"{start:%Y-%m}" for start in _finalized_months(settings)]
    if not periods:
        return True
    emulator = StripeEmulator(
        state_path=settings.warehouse_path.parent / "stripe_emulator.json"
    ).start()
    Console.say(f"local Stripe emulator on {emulator.base_url}")
    try:
        use_local_stripe(emulator.base_url, DEMO_STRIPE_API_KEY, DEMO_WEBHOOK_SECRET)

        def pay() -> None:
            outcomes = simulate_payments(emulator)
            Console.say(
                "simulated payments: "
                + (
                    ", ".join(f"{count} {kind}" for kind, count in sorted(outcomes.items()))
                    or "none"
                )
            )

        return sync_stripe(periods, as_of, after_push=pay, each=False)
    finally:
        emulator.stop()


def cmd_summary(args: argparse.Namespace) -> bool:
    from dagster_project.lib.summary import print_summary

    settings = load_settings()
    with open_published(settings) as con:
        print_summary(con, settings)
    return True


def cmd_report(args: argparse.Namespace) -> bool:
    """Materialize the report assets of one month or one quarter through Dagster."""
    from dagster_project.lib.reports import periods as report_periods

    with open_published(load_settings()) as con:  # says what to do when it is not there
        con.execute("select 1 from marts.fct_invoices limit 0")
    if args.day:
        written = _daily_report(args.day)
    elif args.month:
        written = _report(report_periods.month(args.month), monthly=True)
    else:
        written = _report(report_periods.quarter(args.quarter), monthly=False)
    for line in written:
        Console.say(line)
    return bool(written)


def cmd_export(args: argparse.Namespace) -> bool:
    """A workspace's calls from --from to --to (UTC days, both included) as CSV or JSON,
    from the published copy of the marts."""
    from dagster_project.lib.reports.export import ExportRefused, export_calls

    settings = load_settings()
    options = {
        "workspace_id": args.workspace,
        "first": args.date_from,
        "last": args.date_to,
        "fmt": args.format,
    }
    with open_published(settings) as con:
        try:
            if args.output:
                with open(args.output, "w", newline="", encoding="utf-8") as out:
                    written = export_calls(con, out, **options)
                print(f"{written} calls written to {args.output}", file=sys.stderr)
            else:
                export_calls(con, sys.stdout, **options)
        except ExportRefused as refused:
            raise CommandError(f"export refused: {refused}") from None
        except OSError as error:
            raise CommandError(f"cannot write {args.output}: {error.strerror}") from None
    return True


# ---------------------------------------------------------------- the parser


class _Parser(argparse.ArgumentParser):
    """A wrong argument gets one line (the command, the argument, what was expected) and
    exit status 2, instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: `billing --verbose build` and `billing build --verbose` both count
    common.add_argument(
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show Dagster's and dbt's log lines on the terminal "
        "(otherwise they go to $LOG_DIR/billing.log)",
    )
    parser = _Parser(prog="billing", description=__doc__, parents=[common])
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")

    def command(name: str, help_text: str, func: Callable[[argparse.Namespace], bool]):
        sub = commands.add_parser(name, help=help_text, description=help_text, parents=[common])
        sub.set_defaults(func=func)
        return sub

    def add_generate_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--seed", type=int, default=GenerateConfig.seed)
        p.add_argument("--workspaces", type=positive_int, default=GenerateConfig.workspaces)
        p.add_argument("--days", type=positive_int, default=GenerateConfig.days)
        p.add_argument(
            "--end-date", type=day, help="last day generated, YYYY-MM-DD (default: today, UTC)"
        )
        p.add_argument("--usage-events-per-day", type=positive_int,
                       default=GenerateConfig.usage_events_per_day)
        p.add_argument("--calls-per-day", type=positive_int, default=GenerateConfig.calls_per_day)
        p.add_argument("--gateway-requests-per-day", type=positive_int,
                       default=GenerateConfig.gateway_requests_per_day)
        p.add_argument(
            "--formats",
            type=formats,
            default=list(GenerateConfig.formats),
            help="comma-separated mix of jsonl, csv, parquet",
        )

    def add_as_of(p: argparse.ArgumentParser, help_text: str) -> None:
        p.add_argument("--as-of", type=instant, help=help_text)

    def add_build_options(p: argparse.ArgumentParser) -> None:
        add_as_of(p, "evaluate the run at this UTC instant (ISO-8601)")
        p.add_argument("--full-refresh", action="store_true")

    add_generate_options(
        command("generate", "write sample landing data to $LANDING_DIR", cmd_generate)
    )
    command("ingest", "load new landing files into the raw layer", cmd_ingest)
    add_build_options(
        command("build", "dbt build of every model, with tests and checks", cmd_build)
    )
    backfill = command(
        "backfill",
        "the daily pipeline for each UTC day of a range: the files delivered through the "
        "day, ingested and built as of its end",
        cmd_backfill,
    )
    backfill.add_argument("--from", dest="date_from", required=True, type=day,
                          help="first day, YYYY-MM-DD (UTC)")
    backfill.add_argument("--to", dest="date_to", required=True, type=day,
                          help="last day, YYYY-MM-DD (UTC, included)")

    demo = command(
        "demo",
        "generate sample data if the landing folder is empty, ingest, "
        "build, finalize, sync the Stripe emulator, write the reports",
        cmd_demo,
    )
    add_generate_options(demo)
    add_build_options(demo)

    finalize = command(
        "finalize",
        "freeze a month's invoices (ingest and build first, rebuild after)",
        cmd_finalize,
    )
    finalize.add_argument("--period", required=True, type=billing_month, help="the month, YYYY-MM")
    add_as_of(finalize, "finalize as if it were this UTC instant")

    check_limits = command(
        "check-limits", "ingest, build, raise usage-limit alerts into the outbox", cmd_check_limits
    )
    add_as_of(check_limits, "check as if it were this UTC instant")

    sync = command(
        "sync-stripe",
        "push a finalized month's invoices to Stripe, read payments back",
        cmd_sync_stripe,
    )
    sync.add_argument("--period", required=True, type=billing_month, help="the month, YYYY-MM")
    add_as_of(sync, "evaluate overdue invoices as of this UTC instant")

    payments = command(
        "stripe-payments",
        "read Stripe payment events, rebuild invoice statuses, reminders",
        cmd_stripe_payments,
    )
    add_as_of(payments, "evaluate overdue invoices as of this UTC instant")

    webhook = command(
        "stripe-webhook",
        "store a Stripe webhook event after verifying its signature",
        cmd_stripe_webhook,
    )
    webhook.add_argument(
        "--payload", required=True, help="the request body: a file, or - for stdin"
    )
    webhook.add_argument("--signature", required=True, help="the Stripe-Signature header")

    command("summary", "print row counts per source and the marts", cmd_summary)

    report = command(
        "report",
        "write the reports of a month (and its invoice documents), a quarter or a day",
        cmd_report,
    )
    report_period = report.add_mutually_exclusive_group(required=True)
    report_period.add_argument(
        "--month", type=billing_month, help="monthly workspace reports, YYYY-MM"
    )
    report_period.add_argument(
        "--quarter", type=quarter, help="executive summaries, YYYY-QN (e.g. 2026-Q3)"
    )
    report_period.add_argument(
        "--day", type=ended_day, help="the daily platform report of a UTC day, YYYY-MM-DD"
    )

    export = command(
        "export", "a workspace's calls for a date range as CSV or JSON (numbers masked)", cmd_export
    )
    export.add_argument("--workspace", required=True, help="the workspace_id")
    export.add_argument(
        "--from",
        dest="date_from",
        required=True,
        type=day,
        help="first day, YYYY-MM-DD (UTC, included)",
    )
    export.add_argument(
        "--to", dest="date_to", required=True, type=day, help="last day, YYYY-MM-DD (UTC, included)"
    )
    export.add_argument("--format", choices=["csv", "json"], default="csv")
    export.add_argument("--output", help="file to write (default: standard output)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """0 when the command did what it was asked, 1 when it could not (one line says why),
    2 for a wrong argument."""
    args = _parser().parse_args(argv)
    Console.verbose = getattr(args, "verbose", False)
    try:
        return 0 if args.func(args) else 1
    except CommandError as error:
        Console.error(f"billing {args.command}: {error}")
        return 1
    except KeyboardInterrupt:
        Console.error(f"billing {args.command}: interrupted")
        return 130
    finally:
        Console.verbose = False


if __name__ == "__main__":
    raise SystemExit(main())
