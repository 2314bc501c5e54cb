"""Finalized invoices pushed to Stripe exactly once, against the local Stripe emulator:
a full sync, re-runs, every injected fault, a crash between items and finalization,
payment events back (duplicated, out of order, signed webhooks), reminders, and no
secret anywhere."""

from __future__ import annotations

import json
import logging
from collections import Counter
from datetime import date, datetime
from decimal import Decimal as D

import duckdb
import pytest
import stripe

from dagster_project import cli
from dagster_project.lib.reminders import deliver_reminders, raise_reminders
from dagster_project.lib.stripe_api import RetryPolicy, StripeApi
from dagster_project.lib.stripe_payments import WebhookRejected, accept_webhook
from dagster_project.lib.stripe_sync import reconcile, sync_period
from dagster_project.stripe_emulator import StripeEmulator
from tests.conftest import Pipeline, make_pipeline, write_october_billing

API_KEY = "sk_test_51SecretKeyThatMustNeverLeak0123456789"
WEBHOOK_SECRET = "whsec_SecretWebhookKeyThatMustNeverLeak42"
FINALIZE_AT = "2026-11-01T02:00:00Z"
OCTOBER = date(2026, 10, 1)
NOW = datetime(2026, 11, 1, 3, 0)

# The October invoices the billing engine computes for this data (see test_billing.py).
EXPECTED_ITEMS = {
    "inv_ws_a_202610": [9900, 2250, 516, -1267, -338, 802],
    "inv_ws_c_202610": [17706, -1771, 2072],
}
EXPECTED_TOTALS = {"inv_ws_a_202610": 11863, "inv_ws_c_202610": 18007}
STRIPE_TABLES = ("stripe_customers", "stripe_invoices", "stripe_sync_errors", "stripe_events",
                 "stripe_webhook_rejections", "payment_reminders")


@pytest.fixture(scope="module")
def finalized(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    """October finalized (see write_october_billing), no Stripe state yet."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        p = make_pipeline(tmp_path_factory.mktemp("stripe"), monkeypatch)
        write_october_billing(p)
        p.run("ingest")
        p.run("build", "--as-of", FINALIZE_AT)
        p.run("finalize", "--period", "2026-10", "--as-of", FINALIZE_AT)
        yield p


@pytest.fixture
def emulator():
    with StripeEmulator() as running:
        yield running


@pytest.fixture
def warehouse(finalized: Pipeline, emulator: StripeEmulator, monkeypatch: pytest.MonkeyPatch):
    """The finalized warehouse with no Stripe state yet, pointed at a fresh emulator."""
    monkeypatch.setenv("WAREHOUSE_PATH", str(finalized.warehouse_path))
    monkeypatch.setenv("LANDING_DIR", str(finalized.landing_dir))
    monkeypatch.setenv("DAGSTER_HOME", str(finalized.dagster_home))
    monkeypatch.setenv("OUTBOX_DIR", str(finalized.root / "outbox"))
    monkeypatch.setenv("STRIPE_API_KEY", API_KEY)
    monkeypatch.setenv("STRIPE_API_BASE", emulator.base_url)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setenv("STRIPE_INITIAL_BACKOFF_SECONDS", "0.01")
    with duckdb.connect(str(finalized.warehouse_path)) as con:
        for table in STRIPE_TABLES:
            con.execute(f"delete from billing.{table}")
    for reminder in (finalized.root / "outbox").rglob("reminder_*.jsonl"):
        reminder.unlink()
    return finalized


def api_for(emulator: StripeEmulator, *, attempts: int = 4, timeout: float = 5.0) -> StripeApi:
    return StripeApi(API_KEY, emulator.base_url, timeout_seconds=timeout,
                     retry=RetryPolicy(attempts, 0.01, 0.05), requests_per_second=0)


def sync(p: Pipeline, api: StripeApi):
    with duckdb.connect(str(p.warehouse_path)) as con:
        return sync_period(con, api, OCTOBER, now=NOW)


def stripe_state(emulator: StripeEmulator) -> dict[str, object]:
    """What Stripe holds, by our ids: customers per workspace, invoices and items."""
    invoices = emulator.objects("invoice")
    items = emulator.objects("invoiceitem")
    return {
        "customers": Counter(c["metadata"]["workspace_id"] for c in emulator.objects("customer")),
        "invoices": Counter(i["metadata"]["invoice_id"] for i in invoices),
        "items": {
            i["metadata"]["invoice_id"]: sorted(
                item["amount"] for item in items if item["invoice"] == i["id"])
            for i in invoices
        },
        "totals": {i["metadata"]["invoice_id"]: i["total"] for i in invoices},
        "statuses": {i["metadata"]["invoice_id"]: i["status"] for i in invoices},
    }


EXACTLY_ONCE = {
    "customers": Counter({"ws_a": 1, "ws_c": 1}),
    "invoices": Counter({"inv_ws_a_202610": 1, "inv_ws_c_202610": 1}),
    "items": {key: sorted(value) for key, value in EXPECTED_ITEMS.items()},
    "totals": EXPECTED_TOTALS,
    "statuses": {"inv_ws_a_202610": "open", "inv_ws_c_202610": "open"},
}


def test_full_sync_creates_each_customer_invoice_and_item_once_and_rerun_creates_nothing(
    warehouse: Pipeline, emulator: StripeEmulator
):
    warehouse.run("sync-stripe", "--period", "2026-10", "--as-of", "2026-11-02T00:00:00Z")
    assert stripe_state(emulator) == EXACTLY_ONCE
    invoice = next(i for i in emulator.objects("invoice")
                   if i["metadata"]["invoice_id"] == "inv_ws_a_202610")
    assert invoice["metadata"] == {"invoice_id": "inv_ws_a_202610", "workspace_id": "ws_a",
                                   "period": "2026-10", "invoice_number": "INV-202610-00001"}
    assert invoice["collection_method"] == "send_invoice"
    customer = next(c for c in emulator.objects("customer")
                    if c["metadata"]["workspace_id"] == "ws_a")
    assert (customer["email"], customer["name"]) == ("billing@ws_a.example", "Workspace ws_a")
    # the marts carry the Stripe ids; the zero invoice never went to Stripe
    assert warehouse.query(
        "select invoice_id, status, stripe_invoice_id is not null from marts.fct_invoices "
        "where period_start = date '2026-10-01' order by invoice_id"
    ) == [("inv_ws_a_202610", "open", True), ("inv_ws_b_202610", "no_charge", False),
          ("inv_ws_c_202610", "open", True)]
    assert warehouse.query(
        "select invoice_id, stripe_invoice_id from billing.stripe_invoices order by 1"
    ) == sorted((i["metadata"]["invoice_id"], i["id"]) for i in emulator.objects("invoice"))

    writes = emulator.request_count("POST")
    warehouse.run("sync-stripe", "--period", "2026-10", "--as-of", "2026-11-02T00:00:00Z")
    assert emulator.request_count("POST") == writes
    assert stripe_state(emulator) == EXACTLY_ONCE
    with duckdb.connect(str(warehouse.warehouse_path), read_only=True) as con:
        assert reconcile(con, api_for(emulator)).mismatches == {}


def test_api_calls_per_invoice(warehouse: Pipeline, emulator: StripeEmulator):
    api = api_for(emulator)
    result = sync(warehouse, api)
    assert (result.chargeable, result.completed, result.failed) == (2, 2, {})
    # per workspace: customer search + create; per invoice: list by customer, create,
    # list items, one create per line, retrieve (total check), finalize
    assert api.calls == 2 * 2 + 2 * 5 + sum(len(v) for v in EXPECTED_ITEMS.values())


@pytest.mark.parametrize("fault", ["500", "429", "lost_response", "timeout"])
@pytest.mark.parametrize("target", ["POST /v1/invoices", "POST /v1/invoiceitems",
                                    "POST /v1/customers"])
def test_each_fault_then_rerun_leaves_exactly_one_of_everything(
    warehouse: Pipeline, emulator: StripeEmulator, fault: str, target: str
):
    if fault in ("500", "429"):
        emulator.fail_next(int(fault), match=target)
    elif fault == "lost_response":
        emulator.drop_response(match=target)
    else:
        emulator.delay_response(1.5, match=target)
    # without retries the faulted invoice fails and is recorded; the other goes on
    first = sync(warehouse, api_for(emulator, attempts=1, timeout=0.5))
    assert len(first.failed) == 1
    assert first.completed == 1
    assert warehouse.scalar("select count(*) from billing.stripe_sync_errors") == 1
    # the re-run completes the half-done invoice
    second = sync(warehouse, api_for(emulator))
    assert (second.completed, second.failed, second.already_synced) == (1, {}, 1)
    assert stripe_state(emulator) == EXACTLY_ONCE


@pytest.mark.parametrize("fault", ["500", "429", "lost_response", "timeout"])
def test_retries_absorb_each_fault_within_one_run(
    warehouse: Pipeline, emulator: StripeEmulator, fault: str
):
    target = "POST /v1/invoiceitems"
    if fault in ("500", "429"):
        emulator.fail_next(int(fault), after=2, match=target)
    elif fault == "lost_response":
        emulator.drop_response(after=2, match=target)
    else:
        emulator.delay_response(1.5, after=2, match=target)
    api = api_for(emulator, timeout=0.5)
    result = sync(warehouse, api)
    assert (result.completed, result.failed) == (2, {})
    # a timed-out request may still be running when retried: Stripe answers 409 until
    # it ends, and that is retried too
    assert api.retries >= 1 if fault == "timeout" else api.retries == 1
    assert stripe_state(emulator) == EXACTLY_ONCE


class Killed(BaseException):
    """Stands for the process dying: nothing catches it."""


def test_killed_between_items_and_finalization_is_finished_after_keys_expired(
    warehouse: Pipeline, emulator: StripeEmulator, monkeypatch: pytest.MonkeyPatch
):
    api = api_for(emulator)

    def die(*args, **kwargs):
        raise Killed

    monkeypatch.setattr(api, "finalize_invoice", die)
    with pytest.raises(Killed):
        sync(warehouse, api)
    state = stripe_state(emulator)
    assert state["statuses"] == {"inv_ws_a_202610": "draft"}
    assert state["items"] == {"inv_ws_a_202610": sorted(EXPECTED_ITEMS["inv_ws_a_202610"])}
    # two days later Stripe has forgotten the idempotency keys: the sync finds the draft
    # by its metadata and its items by line_id, and finishes them
    emulator.advance_clock(48 * 3600)
    result = sync(warehouse, api_for(emulator))
    assert (result.completed, result.failed, result.invoices_created) == (2, {}, 1)
    assert stripe_state(emulator) == EXACTLY_ONCE


def test_lost_invoice_creation_found_by_metadata_after_keys_expired(
    warehouse: Pipeline, emulator: StripeEmulator
):
    emulator.drop_response(match="POST /v1/invoices")
    first = sync(warehouse, api_for(emulator, attempts=1))
    assert list(first.failed) == ["inv_ws_a_202610"]
    emulator.advance_clock(48 * 3600)
    second = sync(warehouse, api_for(emulator))
    assert (second.completed, second.invoices_created) == (1, 0)
    assert stripe_state(emulator) == EXACTLY_ONCE


def test_reused_idempotency_key_with_other_parameters_is_refused(emulator: StripeEmulator):
    api = api_for(emulator)
    params = {"name": "Workspace ws_a", "metadata": {"workspace_id": "ws_a"}}
    first = api.create_customer(params, idempotency_key="billing-customer-ws_a")
    again = api.create_customer(params, idempotency_key="billing-customer-ws_a")
    assert again.id == first.id
    with pytest.raises(stripe.IdempotencyError) as refused:
        api.create_customer({**params, "name": "Other"}, idempotency_key="billing-customer-ws_a")
    assert refused.value.http_status == 400
    assert api.calls == 3  # a refused key is not retried
    assert len(emulator.objects("customer")) == 1


def test_unknown_parameter_is_rejected_with_400(emulator: StripeEmulator):
    api = api_for(emulator)
    with pytest.raises(stripe.InvalidRequestError) as rejected:
        api.create_customer({"nmae": "typo"}, idempotency_key="k1")
    assert (rejected.value.http_status, rejected.value.param) == (400, "nmae")
    assert rejected.value.code == "parameter_unknown"
    assert emulator.objects("customer") == []


def _signed(event: dict, secret: str = WEBHOOK_SECRET) -> tuple[bytes, str]:
    payload = json.dumps(event)
    return payload.encode(), stripe.WebhookSignature.generate_signature_header(payload, secret)


def test_payments_flow_back_and_duplicates_or_disorder_change_nothing(
    warehouse: Pipeline, emulator: StripeEmulator
):
    sync(warehouse, api_for(emulator))
    stripe_ids = dict(warehouse.query(
        "select invoice_id, stripe_invoice_id from billing.stripe_invoices"))
    # ws_a: a failed attempt, then paid; ws_c: payment failed
    emulator.fail_payment(stripe_ids["inv_ws_a_202610"])
    emulator.advance_clock(60)
    emulator.mark_paid(stripe_ids["inv_ws_a_202610"])
    emulator.advance_clock(60)
    emulator.fail_payment(stripe_ids["inv_ws_c_202610"])
    events = {(e["type"], e["data"]["object"]["metadata"]["invoice_id"]): e
              for e in emulator.objects("event") if e["type"].startswith("invoice.")}

    # the newest event arrives first, as a signed webhook; then the same one again
    paid = events[("invoice.paid", "inv_ws_a_202610")]
    with duckdb.connect(str(warehouse.warehouse_path)) as con:
        assert accept_webhook(con, *_signed(paid), WEBHOOK_SECRET, now=NOW) is True
        assert accept_webhook(con, *_signed(paid), WEBHOOK_SECRET, now=NOW) is False
        # a payload signed with another secret is refused and recorded
        with pytest.raises(WebhookRejected, match="invalid signature"):
            accept_webhook(con, *_signed(paid, "whsec_wrong"), WEBHOOK_SECRET, now=NOW)
        forged = {**paid, "type": "invoice.voided"}
        payload, header = _signed(paid)
        with pytest.raises(WebhookRejected):
            accept_webhook(con, json.dumps(forged).encode(), header, WEBHOOK_SECRET, now=NOW)
        assert con.execute(
            "select reason, payload_bytes from billing.stripe_webhook_rejections order by 2"
        ).fetchall() == [("invalid signature", len(payload)),
                         ("invalid signature", len(json.dumps(forged).encode()))]

    # then polling brings every event, the older failure of ws_a included
    warehouse.run("stripe-payments", "--as-of", "2026-11-02T00:00:00Z")
    warehouse.run("stripe-payments", "--as-of", "2026-11-02T00:00:00Z")
    assert warehouse.query(
        "select event_type, invoice_id, received_via from billing.stripe_events "
        "where event_type <> 'invoice.finalized' order by created_at, event_type"
    ) == [
        ("invoice.payment_failed", "inv_ws_a_202610", "api"),
        ("invoice.paid", "inv_ws_a_202610", "webhook"),
        ("invoice.payment_failed", "inv_ws_c_202610", "api"),
    ]
    assert warehouse.query(
        "select invoice_id, status, payment_failures, paid_at is not null "
        "from marts.fct_invoices where period_start = date '2026-10-01' order by 1"
    ) == [("inv_ws_a_202610", "paid", 1, True), ("inv_ws_b_202610", "no_charge", 0, False),
          ("inv_ws_c_202610", "overdue", 1, False)]
    assert warehouse.query(
        "select workspace_id, overdue_invoices, overdue_amount from marts.workspaces_to_suspend"
    ) == [("ws_c", 1, D("180.07"))]


def test_voided_and_uncollectible_invoices_leave_the_suspension_list(
    warehouse: Pipeline, emulator: StripeEmulator
):
    sync(warehouse, api_for(emulator))
    stripe_ids = dict(warehouse.query(
        "select invoice_id, stripe_invoice_id from billing.stripe_invoices"))
    client = stripe.StripeClient(API_KEY, base_addresses={"api": emulator.base_url})
    client.v1.invoices.void_invoice(stripe_ids["inv_ws_a_202610"])
    client.v1.invoices.mark_uncollectible(stripe_ids["inv_ws_c_202610"])
    # past the due date (2026-12-01): void and uncollectible are not overdue
    warehouse.run("stripe-payments", "--as-of", "2026-12-05T00:00:00Z")
    assert warehouse.query(
        "select invoice_id, status from marts.fct_invoices "
        "where stripe_invoice_id is not null order by 1"
    ) == [("inv_ws_a_202610", "void"), ("inv_ws_c_202610", "uncollectible")]
    assert warehouse.query("select count(*) from marts.workspaces_to_suspend") == [(0,)]


def check_reminders_again(p: Pipeline, now: datetime) -> None:
    """The reminder check run once more on the same marts (what the hourly job does
    between two builds) raises and writes nothing."""
    with duckdb.connect(str(p.warehouse_path)) as con:
        assert raise_reminders(con, now=now) == 0
        assert deliver_reminders(con, p.root / "outbox" / "alerts", now=now) == 0


def test_reminders_three_days_before_due_and_once_overdue_each_exactly_once(
    warehouse: Pipeline, emulator: StripeEmulator
):
    sync(warehouse, api_for(emulator))  # both due 2026-12-01
    outbox = warehouse.root / "outbox" / "alerts" / "2026-12"

    def reminders():
        return warehouse.query(
            "select invoice_id, reminder_type, amount_due from billing.payment_reminders "
            "order by 1, 2")

    warehouse.run("stripe-payments", "--as-of", "2026-11-27T12:00:00Z")
    assert reminders() == []
    warehouse.run("stripe-payments", "--as-of", "2026-11-28T00:00:00Z")
    check_reminders_again(warehouse, datetime(2026, 11, 28, 6, 0))
    assert reminders() == [("inv_ws_a_202610", "due_soon", D("118.63")),
                           ("inv_ws_c_202610", "due_soon", D("180.07"))]
    warehouse.run("stripe-payments", "--as-of", "2026-12-02T00:00:00Z")
    check_reminders_again(warehouse, datetime(2026, 12, 2, 6, 0))
    assert reminders() == [("inv_ws_a_202610", "due_soon", D("118.63")),
                           ("inv_ws_a_202610", "overdue", D("118.63")),
                           ("inv_ws_c_202610", "due_soon", D("180.07")),
                           ("inv_ws_c_202610", "overdue", D("180.07"))]
    files = sorted(path.name for path in outbox.glob("reminder_*.jsonl"))
    assert files == ["reminder_inv_ws_a_202610_due_soon.jsonl",
                     "reminder_inv_ws_a_202610_overdue.jsonl",
                     "reminder_inv_ws_c_202610_due_soon.jsonl",
                     "reminder_inv_ws_c_202610_overdue.jsonl"]
    record = json.loads((outbox / "reminder_inv_ws_c_202610_overdue.jsonl").read_text())
    assert (record["type"], record["invoice_number"], record["amount_due"]) == (
        "invoice_overdue", "INV-202610-00003", "180.07")


def test_no_secret_in_logs_metadata_errors_or_tables(
    warehouse: Pipeline, emulator: StripeEmulator, capfd, caplog
):
    import dagster as dg

    caplog.set_level(logging.DEBUG)
    emulator.fail_next(500, match="POST /v1/invoiceitems", count=10)
    # ws_a fails: recorded, reported, and the command exits 1
    assert cli.main(["sync-stripe", "--period", "2026-10"]) == 1
    with duckdb.connect(str(warehouse.warehouse_path)) as con:
        with pytest.raises(WebhookRejected):
            accept_webhook(con, b"{}", "t=1,v1=bad", WEBHOOK_SECRET, now=NOW)
    warehouse.run("sync-stripe", "--period", "2026-10")
    assert stripe_state(emulator) == EXACTLY_ONCE

    captured = capfd.readouterr()
    seen = [captured.out, captured.err, caplog.text,
            (warehouse.root / "logs" / "billing.log").read_text()]
    with dg.DagsterInstance.from_config(str(warehouse.dagster_home)) as instance:
        for run in instance.get_runs():
            seen.append(str(run.run_config))
            seen.extend(str(record) for record in
                        instance.all_logs(run.run_id))
    with duckdb.connect(str(warehouse.warehouse_path), read_only=True) as con:
        for table in STRIPE_TABLES:
            seen.append(str(con.execute(f"select * from billing.{table}").fetchall()))
    text = "\n".join(seen)
    assert "APIError (HTTP 500)" in text  # the failure was reported
    assert API_KEY not in text and API_KEY[8:24] not in text
    assert WEBHOOK_SECRET not in text and WEBHOOK_SECRET[6:22] not in text


def test_lists_and_searches_follow_every_page(emulator: StripeEmulator):
    api = api_for(emulator)
    for n in range(101):
        api.create_customer({"name": f"Workspace {n}", "metadata": {"workspace_id": "ws_x"}},
                            idempotency_key=f"billing-customer-{n}")
    created = api.list_events(type="customer.created")
    found = api.search_customers("metadata['workspace_id']:'ws_x'")
    assert (len(created), len({event.id for event in created})) == (101, 101)
    assert (len(found), len({customer.id for customer in found})) == (101, 101)
    assert api.calls == 101 + 2 + 2  # two pages each
