"""The finalization's own rules, on a hand-made warehouse (no dbt build needed)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D

import duckdb
import pytest

from dagster_project.lib.finalize import FinalizationRefused, finalize_period, period_bounds


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("""
        create schema reference; create schema intermediate; create schema billing;
        create schema raw;
        create table raw._files as
            select timestamp '2026-10-01 00:30:00' as ingested_at;
        create table reference.settings as
            select * from (values ('late_event_grace_hours', '1'), ('payment_terms_days', '30'))
            as t(key, value);
        create table billing.finalized_periods (period_start date primary key,
            finalized_at timestamp, invoices integer, invoices_total decimal(18, 2));
        create table billing.finalized_invoices (invoice_id varchar primary key,
            invoice_number varchar, workspace_id varchar, period_start date, period_end date,
            status varchar, subtotal decimal(18, 2), discount_total decimal(18, 2),
            tax_total decimal(18, 2), total decimal(18, 2), currency varchar,
            finalized_at timestamp, due_date date);
        create table billing.finalized_invoice_lines (invoice_id varchar, line_id varchar,
            line_number integer, line_type varchar, resource_type varchar, description varchar,
            quantity decimal(24, 6), unit_amount decimal(24, 12), amount decimal(18, 2),
            adjustment_period date, plan_id varchar, rule_id varchar);
        create table intermediate.int_billing_periods as select * from (values
            (date '2026-09-01', date '2026-10-01', true, false),
            (date '2026-10-01', date '2026-11-01', true, false))
            as t(period_start, period_end, is_complete, is_finalized);
        alter table intermediate.int_billing_periods
            add column built_at timestamp default timestamp '2026-10-01 00:45:00';
        alter table intermediate.int_billing_periods
            add column pinned_as_of varchar default '';
        alter table intermediate.int_billing_periods
            add column billing_start date default date '2026-09-01';
        alter table intermediate.int_billing_periods
            add column billing_start_source varchar default 'first_usage';
        create table intermediate.int_invoices_draft as select * from (values
            ('inv_ws_b_202609', 'ws_b', date '2026-09-01', date '2026-10-01', 202609,
             10.00, 0.00, 0.00, 10.00),
            ('inv_ws_a_202609', 'ws_a', date '2026-09-01', date '2026-10-01', 202609,
             0.00, 0.00, 0.00, 0.00))
            as t(invoice_id, workspace_id, period_start, period_end, period_key,
                 subtotal, discount_total, tax_total, total);
        create table intermediate.int_invoice_lines_draft as select * from (values
            ('inv_ws_b_202609', 'inv_ws_b_202609:subscription:pro', 1, 'subscription', null,
             'Pro plan', 30, 99, 10.00, null, 'pro', null, date '2026-09-01'))
            as t(invoice_id, line_id, line_number, line_type, resource_type, description,
                 quantity, unit_amount, amount, adjustment_period, plan_id, rule_id,
                 period_start);
    """)
    return con


def test_period_bounds():
    assert period_bounds("2026-02") == (date(2026, 2, 1), date(2026, 3, 1))
    assert period_bounds(date(2026, 12, 15)) == (date(2026, 12, 1), date(2027, 1, 1))


def test_refused_within_the_late_event_grace(con):
    with pytest.raises(FinalizationRefused, match="before 2026-10-01 01:00 UTC"):
        finalize_period(con, "2026-09", now=datetime(2026, 10, 1, 0, 59))
    assert con.execute("select count(*) from billing.finalized_invoices").fetchone() == (0,)


def test_numbers_in_workspace_order_and_is_idempotent(con):
    first = finalize_period(con, "2026-09", now=datetime(2026, 10, 1, 1, 0))
    assert (first.invoices, first.no_charge, first.total, first.already_finalized) == (
        2, 1, D("10.00"), False)
    assert con.execute(
        "select invoice_id, invoice_number, status, due_date from billing.finalized_invoices "
        "order by invoice_number"
    ).fetchall() == [
        ("inv_ws_a_202609", "INV-202609-00001", "no_charge", date(2026, 10, 31)),
        ("inv_ws_b_202609", "INV-202609-00002", "finalized", date(2026, 10, 31)),
    ]
    again = finalize_period(con, "2026-09", now=datetime(2026, 10, 5))
    assert again.already_finalized and again.finalized_at == datetime(2026, 10, 1, 1, 0)
    assert con.execute("select count(*) from billing.finalized_invoice_lines").fetchone() == (1,)


def test_refused_while_an_earlier_month_is_open_naming_the_setting(con):
    with pytest.raises(FinalizationRefused) as refused:
        finalize_period(con, "2026-10", now=datetime(2026, 11, 2))
    assert str(refused.value) == (
        "period 2026-10 cannot be finalized while 2026-09 is still open: billed periods "
        "start at 2026-09 (billing_start is empty in seeds/settings.csv: the month of the "
        "earliest accepted usage event); finalize 2026-09 first, or set billing_start "
        "(YYYY-MM) in seeds/settings.csv to the first month to bill"
    )


def test_refused_before_the_first_billed_period(con):
    con.execute("update intermediate.int_billing_periods set billing_start_source = 'setting'")
    with pytest.raises(FinalizationRefused) as refused:
        finalize_period(con, "2026-08", now=datetime(2026, 11, 2))
    assert str(refused.value) == (
        "period 2026-08 is before the first billed period 2026-09 (billing_start = 2026-09 "
        "in seeds/settings.csv); no invoice exists for it"
    )


def test_refused_on_drafts_built_before_the_previous_finalization(con):
    finalize_period(con, "2026-09", now=datetime(2026, 10, 1, 1, 0))
    # the drafts of October were built while September was still open
    with pytest.raises(FinalizationRefused, match="built before 2026-09 was finalized"):
        finalize_period(con, "2026-10", now=datetime(2026, 11, 2))


def test_refused_when_files_arrived_after_the_build(con):
    con.execute("insert into raw._files values (timestamp '2026-10-01 00:50:00')")
    with pytest.raises(FinalizationRefused, match="ingested after the drafts"):
        finalize_period(con, "2026-09", now=datetime(2026, 10, 1, 1, 0))
