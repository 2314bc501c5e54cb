"""Invoice documents: one HTML page per finalized invoice whose every amount is the
mart's (fct_invoice_lines / fct_invoices), with dates, payment terms, billing address
and the usage broken down by provider and model."""

from __future__ import annotations

from decimal import Decimal as D
from html.parser import HTMLParser

import pytest

from dagster_project.lib.reports.invoices import InvoiceLine, UsageSplit
from tests.conftest import Pipeline, make_pipeline, usage, write_october_billing

FINALIZE_AT = "2026-11-01T02:00:00Z"


class InvoicePage(HTMLParser):
    """Every `.money` element's text with its data attributes, the text of elements with
    an id, and the rows of the usage breakdown."""

    def __init__(self, html: str):
        super().__init__()
        self.money: list[tuple[dict[str, str], str]] = []
        self.by_id: dict[str, str] = {}
        self.breakdown: list[list[str]] = []
        self._stack: list[tuple[str, dict[str, str], list[str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag in ("meta", "img", "br", "link"):
            return
        self._stack.append((tag, dict(attrs), []))

    def handle_data(self, data):
        for _, _, text in self._stack:
            text.append(data)

    def handle_endtag(self, tag):
        while self._stack:
            name, attrs, text = self._stack.pop()
            content = " ".join("".join(text).split())
            if "money" in attrs.get("class", "").split():
                self.money.append((attrs, content))
            if "id" in attrs:
                self.by_id[attrs["id"]] = content
            if name == "tr" and "breakdown" in attrs.get("class", ""):
                self.breakdown.append(content)
            if name == tag:
                break


def _amount(text: str) -> D:
    return D(text.replace(",", ""))


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    with pytest.MonkeyPatch.context() as monkeypatch:
        p = make_pipeline(tmp_path_factory.mktemp("invoice_documents"), monkeypatch)
        write_october_billing(p)
        # a second transcription provider/model for the breakdown: 500 x 0.0059 = 2.95
        p.write("usage_records", "2026-10-16/part-0001.jsonl", [
            usage("e_transcription_2", workspace_id="ws_a", resource_type="transcription",
                  provider="assemblyai", model="best", quantity="500", unit_cost="0.0059",
                  occurred_at="2026-10-16T09:00:00Z"),
        ])
        p.run("finalize", "--period", "2026-10", "--as-of", FINALIZE_AT)
        p.run("report", "--month", "2026-10")
        p.folder = p.root / "reports" / "invoices" / "2026-10"
        yield p


def test_one_document_per_finalized_invoice(documents: Pipeline):
    numbers = [n for (n,) in documents.query(
        "select invoice_number from marts.fct_invoices where period_start = '2026-10-01' "
        "and invoice_number is not null order by 1")]
    assert numbers == ["INV-202610-00001", "INV-202610-00002", "INV-202610-00003"]
    assert sorted(p.stem for p in documents.folder.glob("*.html")) == numbers


@pytest.mark.parametrize("invoice_number", [
    "INV-202610-00001", "INV-202610-00002", "INV-202610-00003"])
def test_every_amount_on_the_page_equals_the_mart(documents: Pipeline, invoice_number):
    page = InvoicePage((documents.folder / f"{invoice_number}.html").read_text())
    [(invoice_id, subtotal, discounts, tax, total)] = documents.query(
        "select invoice_id, subtotal, discount_total, tax_total, total "
        "from marts.fct_invoices where invoice_number = ?", [invoice_number])
    lines = {line_id: (amount, quantity, unit_amount, line_type)
             for line_id, amount, quantity, unit_amount, line_type in documents.query(
                 "select line_id, amount, quantity, unit_amount, line_type "
                 "from marts.fct_invoice_lines where invoice_id = ?", [invoice_id])}
    invoice_columns = {"subtotal": subtotal, "discount_total": discounts, "tax_total": tax,
                       "total": total}
    seen_lines = set()
    assert page.money, "the page shows amounts"
    for attrs, text in page.money:
        value = _amount(text)
        assert text == f"{value:,.2f}"  # always 2 decimals
        if "data-invoice-column" in attrs:
            assert value == invoice_columns[attrs["data-invoice-column"]], attrs
        else:
            amount, quantity, unit_amount, line_type = lines[attrs["data-line"]]
            column = attrs["data-column"]
            expected = {"amount": amount, "quantity": quantity,
                        "unit_amount": unit_amount}[column]
            assert value == expected, attrs
            if column == "amount":
                seen_lines.add(attrs["data-line"])
    assert seen_lines == set(lines)  # every line is on the page
    shown = {attrs["data-invoice-column"] for attrs, _ in page.money
             if "data-invoice-column" in attrs}
    assert shown == set(invoice_columns)


def test_document_of_the_pro_invoice(documents: Pipeline):
    page = InvoicePage((documents.folder / "INV-202610-00001.html").read_text())
    assert page.by_id["invoice-number"] == "INV-202610-00001"
    assert page.by_id["period"] == "2026-10-01 to 2026-10-31"
    assert page.by_id["finalized"] == "2026-11-01"
    assert page.by_id["terms"] == "Net 30 days"
    assert page.by_id["due-date"] == "2026-12-01"
    assert page.by_id["workspace-name"] == "Workspace ws_a"
    assert page.by_id["billing-email"] == "billing@ws_a.example"
    assert page.by_id["billing-location"] == "CA, US"
    assert page.by_id["status"] == "finalized"
    amounts = {attrs.get("data-line", attrs.get("data-invoice-column")): _amount(text)
               for attrs, text in page.money if attrs.get("data-column", "amount") == "amount"}
    assert amounts == {
        "inv_ws_a_202610:subscription:pro": D("99.00"),
        "inv_ws_a_202610:usage:call_minutes": D("22.50"),
        # (1000 x 0.0043 + 500 x 0.0059) x 1.20 = 8.70
        "inv_ws_a_202610:usage:transcription": D("8.70"),
        # 10 % of 130.20
        "inv_ws_a_202610:discount:welcome10": D("-13.02"),
        "inv_ws_a_202610:discount:minutes_promo": D("-3.38"),
        # 7.25 % of 113.80 = 8.2505
        "inv_ws_a_202610:tax": D("8.25"),
        "subtotal": D("130.20"), "discount_total": D("16.40"), "tax_total": D("8.25"),
        "total": D("122.05"),
    }
    assert page.breakdown == [
        "twilio 2,500 minutes 1 event",
        "deepgram · nova-3 1,000 minutes 1 event",
        "assemblyai · best 500 minutes 1 event",
    ]
    assert "Amount due: 122.05 USD by 2026-12-01" in page.by_id["amount-due"]


def test_no_charge_invoice_says_nothing_is_due(documents: Pipeline):
    page = InvoicePage((documents.folder / "INV-202610-00002.html").read_text())
    assert page.by_id["status"] == "no charge"
    assert page.by_id["billing-location"] == "DE"
    assert page.by_id["amount-due"].startswith("Nothing to pay for this period")


def test_usage_that_arrived_after_finalization_is_pointed_out():
    splits = [UsageSplit("twilio", "", D("2400"), 1), UsageSplit("telnyx", "", D("200"), 1)]
    line = InvoiceLine("l", "usage", "call_minutes", "Call minutes", D("2500"), D("0.045"),
                       D("22.50"), "minute", splits)
    assert line.late_quantity == D("100")
    tax = InvoiceLine("t", "tax", None, "Tax", D("1"), D("0.1"), D("0.10"), None)
    assert tax.late_quantity == 0
