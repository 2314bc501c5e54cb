"""The billing engine end to end: exact invoices, monthly finalization that freezes
them, late usage billed as adjustments on the next open invoice."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D

import pytest

from dagster_project import cli
from tests.conftest import Pipeline, make_pipeline, usage, write_october_billing

FINALIZE_AT = "2026-11-01T02:00:00Z"
NOVEMBER = "2026-11-05T00:00:00Z"

LINES_SQL = """
    select line_type, resource_type, description, amount
    from marts.fct_invoice_lines where invoice_id = ? order by line_number
"""
INVOICE_SQL = """
    select status, invoice_number, subtotal, discount_total, tax_total, total, due_date
    from marts.fct_invoices where invoice_id = ?
"""


@pytest.fixture(scope="module")
def billed(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    with pytest.MonkeyPatch.context() as monkeypatch:
        p = make_pipeline(tmp_path_factory.mktemp("billing"), monkeypatch)
        write_october_billing(p)
        p.run("ingest")
        p.run("build", "--as-of", FINALIZE_AT)
        p.drafts = {
            invoice: (p.query(INVOICE_SQL, [invoice]), p.query(LINES_SQL, [invoice]))
            for invoice in ("inv_ws_a_202610", "inv_ws_b_202610", "inv_ws_c_202610")
        }
        p.run("finalize", "--period", "2026-10", "--as-of", FINALIZE_AT)
        p.frozen = p.query("select * from billing.finalized_invoices order by invoice_id")
        p.frozen_lines = p.query(
            "select * from billing.finalized_invoice_lines order by invoice_id, line_number"
        )
        # 100 more October minutes arrive after finalization
        p.write("usage_records", "2026-11-02/part-0001.jsonl", [
            usage("e_late", workspace_id="ws_a", resource_type="call_minutes",
                  provider="twilio", quantity="100", occurred_at="2026-10-20T09:00:00Z"),
        ])
        p.run("ingest")
        p.run("build", "--as-of", NOVEMBER)
        yield p


def test_pro_invoice_with_overage_cost_plus_discounts_and_region_tax(billed: Pipeline):
    invoice, lines = billed.drafts["inv_ws_a_202610"]
    assert lines == [
        ("subscription", None, "Pro plan, 31 of 31 days", D("99.00")),
        # 2500 - 2000 included = 500 x 0.045
        ("usage", "call_minutes", "Call minutes (2000 included)", D("22.50")),
        # 1000 x 0.0043 (nova-3 rate) x 1.20
        ("usage", "transcription", "Transcription (provider cost + 20.00%)", D("5.16")),
        # first invoice: 10 % of 126.66 = 12.666
        ("discount", None, "Welcome discount 10%", D("-12.67")),
        # 15 % of the call-minutes line 22.50 = 3.375, half away from zero
        ("discount", "call_minutes", "Call minutes promotion 15%", D("-3.38")),
        # 7.25 % of 110.61 = 8.019...
        ("tax", None, "California sales tax 7.250% (US-CA)", D("8.02")),
    ]
    assert invoice == [("draft", None, D("126.66"), D("16.05"), D("8.02"), D("118.63"), None)]


def test_workspace_created_on_the_10th_and_cancelled_on_the_20th_pays_11_days(billed):
    invoice, lines = billed.drafts["inv_ws_c_202610"]
    assert lines == [
        # 499 x 11 / 31 = 177.0645...
        ("subscription", None, "Business plan, 11 of 31 days", D("177.06")),
        ("discount", None, "Welcome discount 10%", D("-17.71")),
        ("tax", None, "HST 13.000% (CA-ON)", D("20.72")),
    ]
    assert invoice[0][2:6] == (D("177.06"), D("17.71"), D("20.72"), D("180.07"))
    # cancelled in October: no November invoice
    assert billed.query("select count(*) from marts.fct_invoices where workspace_id = 'ws_c'") \
        == [(1,)]


def test_finalization_numbers_invoices_and_marks_zero_totals_no_charge(billed: Pipeline):
    assert billed.query(
        "select invoice_id, invoice_number, status, total, due_date, finalized_at "
        "from marts.fct_invoices where period_start = date '2026-10-01' order by invoice_id"
    ) == [
        ("inv_ws_a_202610", "INV-202610-00001", "finalized", D("118.63"),
         date(2026, 12, 1),
         datetime(2026, 11, 1, 2, 0)),
        ("inv_ws_b_202610", "INV-202610-00002", "no_charge", D("0.00"),
         date(2026, 12, 1),
         datetime(2026, 11, 1, 2, 0)),
        ("inv_ws_c_202610", "INV-202610-00003", "finalized", D("180.07"),
         date(2026, 12, 1),
         datetime(2026, 11, 1, 2, 0)),
    ]


def test_late_usage_goes_to_next_open_invoice_and_finalized_invoice_is_unchanged(billed):
    assert billed.query("select * from billing.finalized_invoices order by invoice_id") \
        == billed.frozen
    assert billed.query(
        "select * from billing.finalized_invoice_lines order by invoice_id, line_number"
    ) == billed.frozen_lines
    assert billed.query(LINES_SQL, ["inv_ws_a_202611"]) == [
        ("subscription", None, "Pro plan, 30 of 30 days", D("99.00")),
        # October re-rated: 600 x 0.045 = 27.00, minus the 22.50 already invoiced
        ("adjustment", "call_minutes", "Late usage for 2026-10: Call minutes", D("4.50")),
        ("tax", None, "California sales tax 7.250% (US-CA)", D("7.50")),
    ]
    assert billed.query(INVOICE_SQL, ["inv_ws_a_202611"]) == [
        ("draft", None, D("103.50"), D("0.00"), D("7.50"), D("111.00"), None)
    ]


def test_full_refresh_and_refinalization_change_no_finalized_invoice(billed: Pipeline):
    billed.run("build", "--as-of", NOVEMBER, "--full-refresh")
    billed.run("finalize", "--period", "2026-10", "--as-of", NOVEMBER)
    assert billed.query("select * from billing.finalized_invoices order by invoice_id") \
        == billed.frozen
    assert billed.query(
        "select * from billing.finalized_invoice_lines order by invoice_id, line_number"
    ) == billed.frozen_lines
    assert billed.scalar(
        "select amount from marts.fct_invoice_lines "
        "where line_id = 'inv_ws_a_202611:adjustment:202610:call_minutes'"
    ) == D("4.50")


def test_finalizing_an_unfinished_period_is_refused(billed: Pipeline, capsys):
    capsys.readouterr()
    assert cli.main(["finalize", "--period", "2026-11", "--as-of", NOVEMBER]) == 1
    # the reason alone on the terminal, the stack trace in the log file
    out, err = capsys.readouterr()
    [line] = err.splitlines()
    assert line.startswith(
        "period 2026-11 cannot be finalized before 2026-12-01 01:00 UTC (period end + 1 h for "
        "late events); it is 2026-11-05 00:00 UTC (run "
    ), line
    assert line.endswith(" of finalize_invoices_job; details in "
                         f"{billed.root / 'logs' / 'billing.log'} and in the Dagster UI)")
    assert (out, "Traceback" in err) == ("", False)
    log = (billed.root / "logs" / "billing.log").read_text()
    assert ("dagster._core.definitions.events.Failure: period 2026-11 cannot be finalized "
            "before 2026-12-01 01:00 UTC") in log
    assert "Stack Trace:" in log
    assert billed.scalar(
        "select count(*) from billing.finalized_periods where period_start = date '2026-11-01'"
    ) == 0


def test_provider_margins_include_late_usage_and_reconcile(billed: Pipeline):
    assert billed.query(
        "select provider, resource_type, quantity, provider_cost, revenue, margin, margin_pct "
        "from marts.fct_provider_margins where period_start = date '2026-10-01' order by 1"
    ) == [
        # 4.30 cost, billed 5.16: margin 0.86 = 16.67 %
        ("deepgram", "transcription", D("1000"), D("4.3000"), D("5.16"), D("0.8600"), D("16.67")),
        # 2600 minutes x 0.014 = 36.40 cost, billed 22.50 + 4.50 adjustment = 27.00
        ("twilio", "call_minutes", D("2600"), D("36.4000"), D("27.00"), D("-9.4000"),
         D("-34.81")),
    ]


def test_reconciliation_tests_fail_on_a_tampered_line(billed: Pipeline, tmp_path):
    """The fixture's builds ran both reconciliation tests and passed; one cent more on a
    line of a copy of the warehouse makes both fail."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    import duckdb

    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(billed.warehouse_path, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "update marts.fct_invoice_lines set amount = amount + 0.01 "
            "where line_id = 'inv_ws_a_202611:adjustment:202610:call_minutes'"
        )
    dbt = Path(sys.executable).parent / "dbt"
    result = subprocess.run(
        [str(dbt), "test", "--profiles-dir", "dbt", "--target-path", str(tmp_path / "target"),
         "--select", "assert_invoice_totals_equal_their_lines",
         "assert_provider_margins_reconcile_with_invoices"],
        env={**os.environ, "WAREHOUSE_PATH": str(copy)},
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 1
    assert "FAIL 1 assert_invoice_totals_equal_their_lines" in result.stdout
    assert "FAIL 1 assert_provider_margins_reconcile_with_invoices" in result.stdout
