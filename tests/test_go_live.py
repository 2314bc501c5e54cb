"""Going live on a warehouse whose workspaces existed long before billing started: the
first billed period is the month of the earliest accepted usage (billing_start empty),
it is finalized directly with its first-invoice discounts, usage before it is counted
and never billed, and fractional line quantities stay exact on the invoice mart, the
invoice document and the Stripe items."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D

import duckdb
import pytest

from dagster_project.lib.reports.invoices import write_invoice_documents
from dagster_project.lib.reports.periods import month
from dagster_project.lib.stripe_api import RetryPolicy, StripeApi
from dagster_project.lib.stripe_sync import sync_period
from dagster_project.lib.summary import billing_start_line
from dagster_project.stripe_emulator import StripeEmulator
from tests.conftest import Pipeline, make_pipeline, usage, workspace

BUILD_AT = "2026-10-02T00:00:00Z"
SEPTEMBER = "inv_ws_a_202609"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    """Workspaces snapshotted since January (ws_a moved from free to pro in May), usage
    only from September; September finalized straight after the first build."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        p = make_pipeline(tmp_path_factory.mktemp("go_live"), monkeypatch)
        p.write("workspaces", "2026-01-01/workspaces.csv", [
            workspace("ws_a", plan_id="free", created_at="2026-01-01T00:00:00Z",
                      snapshot_at="2026-01-01T00:00:00Z"),
            workspace("ws_b", plan_id="free", country="BR", region=None,
                      created_at="2026-01-15T00:00:00Z", snapshot_at="2026-01-15T00:00:00Z"),
        ])
        p.write("workspaces", "2026-05-01/workspaces.csv", [
            workspace("ws_a", plan_id="pro", created_at="2026-01-01T00:00:00Z",
                      snapshot_at="2026-05-01T00:00:00Z"),
        ])
        p.write("usage_records", "2026-09-10/part-0001.csv", [
            usage("e_minutes", workspace_id="ws_a", quantity="2500",
                  occurred_at="2026-09-10T09:00:00Z"),
            usage("e_storage", workspace_id="ws_a", resource_type="storage", provider="aws",
                  quantity="101.429348", occurred_at="2026-09-10T09:00:00Z"),
        ])
        p.run("ingest")
        p.run("build", "--as-of", BUILD_AT)
        p.first_periods = [row[0] for row in p.query(
            "select distinct period_start from marts.fct_invoices order by 1")]
        p.run("finalize", "--period", "2026-09", "--as-of", BUILD_AT)
        yield p


def test_first_billed_period_is_the_month_of_the_earliest_usage(live: Pipeline):
    assert live.first_periods == [date(2026, 9, 1), date(2026, 10, 1)]
    assert live.query(
        "select invoice_number, workspace_id, status, subtotal, discount_total, tax_total, "
        "total from marts.fct_invoices where period_start = '2026-09-01' order by 1"
    ) == [
        ("INV-202609-00001", "ws_a", "finalized", D("122.21"), D("15.60"), D("7.73"),
         D("114.34")),
        ("INV-202609-00002", "ws_b", "no_charge", D("0.00"), D("0.00"), D("0.00"),
         D("0.00")),
    ]


def test_first_invoice_discount_applies_to_the_first_billed_period(live: Pipeline):
    # 99.00 fee + 500 x 0.045 overage minutes + 1.429348 GB x 0.50 storage = 122.21;
    # welcome10 is first-invoice-only: no earlier period was ever finalized
    assert live.query(
        "select line_type, coalesce(rule_id, resource_type), amount "
        "from marts.fct_invoice_lines where invoice_id = ? order by line_number", [SEPTEMBER]
    ) == [
        ("subscription", None, D("99.00")),
        ("usage", "call_minutes", D("22.50")),
        ("usage", "storage", D("0.71")),
        ("discount", "welcome10", D("-12.22")),
        ("discount", "minutes_promo", D("-3.38")),
        ("tax", None, D("7.73")),
    ]


def test_line_quantities_keep_the_metrics_precision(live: Pipeline):
    assert live.query(
        "select quantity, unit_amount, amount, typeof(quantity) from marts.fct_invoice_lines "
        "where invoice_id = ? and resource_type = 'storage'", [SEPTEMBER]
    ) == [(D("101.429348"), D("0.5"), D("0.71"), "DECIMAL(24,6)")]
    # the tax line's quantity is its taxable amount
    assert live.scalar(
        "select quantity from marts.fct_invoice_lines where invoice_id = ? "
        "and line_type = 'tax'", [SEPTEMBER]) == D("106.61")


def test_invoice_document_and_stripe_item_show_the_exact_quantity(live: Pipeline):
    with duckdb.connect(str(live.warehouse_path), read_only=True) as con:
        [(document, path)] = [
            written for written in write_invoice_documents(con, month("2026-09"),
                                                           live.root / "reports")
            if written[0].invoice_id == SEPTEMBER
        ]
    assert "101.429348 GB" in path.read_text()

    with StripeEmulator() as emulator, duckdb.connect(str(live.warehouse_path)) as con:
        api = StripeApi("sk_test_go_live", emulator.base_url, timeout_seconds=5,
                        retry=RetryPolicy(2, 0.01, 0.05), requests_per_second=0)
        sync_period(con, api, date(2026, 9, 1), now=datetime(2026, 10, 2, 1, 0))
        items = {item["metadata"]["line_id"]: item for item in emulator.objects("invoiceitem")}
    storage = items[f"{SEPTEMBER}:usage:storage"]
    assert (storage["amount"], storage["description"], storage["metadata"]["quantity"]) == (
        71, "Recording storage (100 included): 101.429348 GB", "101.429348")
    assert items[f"{SEPTEMBER}:usage:call_minutes"]["description"] == (
        "Call minutes (2000 included): 2,500 minutes")


def test_usage_before_the_first_billed_period_is_counted_never_billed(live: Pipeline):
    live.write("usage_records", "2026-10-02/late.csv", [
        # before billing started: accepted and counted, never invoiced
        usage("e_august", workspace_id="ws_a", quantity="700",
              occurred_at="2026-08-20T09:00:00Z"),
        # late usage of the finalized September: an adjustment on October
        usage("e_september_late", workspace_id="ws_a", quantity="100",
              occurred_at="2026-09-28T09:00:00Z"),
    ])
    live.run("ingest")
    live.run("build", "--as-of", "2026-10-03T00:00:00Z")
    assert live.query(
        "select usage_date, quantity from marts.fct_usage_daily "
        "where resource_type = 'call_minutes' order by 1"
    ) == [(date(2026, 8, 20), D("700")), (date(2026, 9, 10), D("2500")),
          (date(2026, 9, 28), D("100"))]
    assert [row[0] for row in live.query(
        "select distinct period_start from marts.fct_invoices order by 1"
    )] == [date(2026, 9, 1), date(2026, 10, 1)]
    # 600 overage minutes re-rated (27.00) - 22.50 invoiced = 4.50; nothing for August
    assert live.query(
        "select line_type, description, amount from marts.fct_invoice_lines "
        "where invoice_id = 'inv_ws_a_202610' and line_type in ('usage', 'adjustment')"
    ) == [("adjustment", "Late usage for 2026-09: Call minutes", D("4.50"))]
    with duckdb.connect(str(live.warehouse_path), read_only=True) as con:
        assert billing_start_line(con) == (
            "Billing starts with 2026-09 (billing_start is empty in seeds/settings.csv: the "
            "first finalized period); 1 usage event before it (from 2026-08-20) is accepted "
            "and counted in the marts, never billed"
        )
