"""The analytics marts (contract 6) on a hand-made October: daily workspace analytics
(success rate, durations, sentiment shares, provider cost, revenue spread over the
month without fan-out), agent performance with the top intent, calls by hour, the
platform's MRR, churn and 30-day windows, and the calls export with masked numbers.

October 2026 is finalized (see write_october_billing for ws_a, ws_b, ws_c); on top of it:
ws_d (business) cancelled on 20 September, ws_e (pro, US without region: no tax)
cancelled on 25 October, ws_f (pro, US) suspended from 15 October. Built as of
2026-11-01 02:00, so the platform reports 1 October to 1 November."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal as D

import pytest

from tests.conftest import Pipeline, call, make_pipeline, workspace, write_october_billing

FINALIZE_AT = "2026-11-01T02:00:00Z"
OCT_5 = date(2026, 10, 5)


def agent(agent_id: str, **overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "agent_id": agent_id,
        "workspace_id": "ws_a",
        "name": f"Agent {agent_id}",
        "status": "live",
        "snapshot_at": "2026-10-01T00:00:00Z",
    }
    row.update(overrides)
    return row


def at(day: int, clock: str, month: int = 10) -> str:
    return f"2026-{month:02d}-{day:02d}T{clock}Z"


def quiet(call_id: str, status: str, started_at: str, duration: str | None,
          **overrides: object) -> dict[str, object]:
    """A call without sentiment or intent (not completed, or not rated)."""
    return call(call_id, status=status, started_at=started_at, ended_at=None,
                duration_seconds=duration, sentiment=None, intent=None, **overrides)


def write_calls_and_agents(p: Pipeline) -> None:
    p.write("workspaces", "2026-10-01/more.jsonl", [
        workspace("ws_d", plan_id="business", status="cancelled",
                  cancelled_at="2026-09-20T08:00:00Z", snapshot_at="2026-10-01T00:00:00Z"),
        workspace("ws_e", plan_id="pro", region=None, snapshot_at="2026-10-01T00:00:00Z"),
        workspace("ws_f", plan_id="pro", region=None, snapshot_at="2026-10-01T00:00:00Z"),
    ])
    p.write("workspaces", "2026-10-25/more.jsonl", [
        workspace("ws_f", plan_id="pro", region=None, status="suspended",
                  snapshot_at="2026-10-15T00:00:00Z"),
        workspace("ws_e", plan_id="pro", region=None, status="cancelled",
                  cancelled_at="2026-10-25T12:00:00Z", snapshot_at="2026-10-25T12:00:00Z"),
    ])
    p.write("agents", "agents.csv", [
        agent("ag_a1", name="Front desk", snapshot_at="2026-10-01T00:00:00Z"),
        agent("ag_a1", name="Reception", snapshot_at="2026-10-06T09:00:00Z"),
        # first snapshot after the call: it also covers the days before it
        agent("ag_a2", name="Sales", snapshot_at="2026-10-10T00:00:00Z"),
    ])
    # first delivery of c01, still in progress; the later delivery wins
    p.write("calls", "2026-10-05/part-0001.jsonl", [
        quiet("c01", "in_progress", at(5, "10:00:00"), None),
    ])
    a2 = {"agent_id": "ag_a2"}
    p.write("calls", "2026-10-05/part-0002.jsonl", [
        # ag_a1: schedule_demo twice, billing_question twice -> billing_question
        call("c01", started_at=at(5, "10:00:00"), duration_seconds="150",
             sentiment="positive", intent="schedule_demo"),
        call("c02", started_at=at(5, "10:30:00"), duration_seconds="90",
             sentiment="neutral", intent="schedule_demo"),
        call("c03", started_at=at(5, "11:00:00"), duration_seconds="60",
             sentiment="negative", intent="billing_question"),
        call("c04", started_at=at(5, "11:30:00"), duration_seconds="45",
             sentiment="positive", intent="billing_question"),
        quiet("c05", "failed", at(5, "14:00:00"), "5"),
        # ag_a2: three calls without intent, one with support -> support
        quiet("c06", "busy", "2026-10-06T01:30:00+02:00", "0", **a2),  # 23:30 UTC on the 5th
        quiet("c07", "in_progress", at(5, "14:45:00"), None, **a2),
        call("c08", started_at=at(5, "12:00:00"), duration_seconds="30",
             sentiment="positive", intent=None, **a2),
        call("c09", started_at=at(5, "12:30:00"), duration_seconds="20",
             sentiment="neutral", intent="support", **a2),
    ])
    p.write("calls", "2026-10-07/part-0001.csv", [
        call("c10", started_at=at(7, "09:00:00"), duration_seconds="120",
             caller_number="+442079460042", intent="support"),
        quiet("c11", "no_answer", at(7, "16:00:00"), "0", agent_id=None, caller_number="0123"),
        quiet("c12", "completed", at(2, "23:59:59"), "30", workspace_id="ws_b",
              agent_id="ag_b1", caller_number=None),
        quiet("c13", "completed", at(12, "08:00:00"), "60", workspace_id="ws_c",
              agent_id="ag_c1"),
        quiet("c14", "completed", at(1, "00:30:00", month=11), "60"),
        quiet("c15", "completed", at(1, "01:00:00", month=11), "60"),
    ])


@pytest.fixture(scope="module")
def analytics(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    with pytest.MonkeyPatch.context() as monkeypatch:
        p = make_pipeline(tmp_path_factory.mktemp("analytics"), monkeypatch)
        write_october_billing(p)
        write_calls_and_agents(p)
        # ingest, build, freeze October, rebuild what reads the frozen invoices
        p.run("finalize", "--period", "2026-10", "--as-of", FINALIZE_AT)
        yield p


def workspace_day(p: Pipeline, workspace_id: str, day: date) -> dict[str, object]:
    [row] = p.query(
        "select * from marts.fct_workspace_analytics_daily where workspace_id = ? and date = ?",
        [workspace_id, day],
    )
    columns = [c for (c,) in p.query(
        "select column_name from information_schema.columns "
        "where table_schema = 'marts' and table_name = 'fct_workspace_analytics_daily' "
        "order by ordinal_position"
    )]
    return dict(zip(columns, row, strict=True))


def test_daily_success_rate_durations_and_sentiment_shares(analytics: Pipeline):
    day = workspace_day(analytics, "ws_a", OCT_5)
    assert {k: day[k] for k in (
        "calls_total", "calls_completed", "calls_failed", "calls_unanswered",
        "calls_in_progress", "minutes", "avg_duration_seconds", "success_rate",
    )} == {
        "calls_total": 9, "calls_completed": 6, "calls_failed": 1, "calls_unanswered": 1,
        "calls_in_progress": 1,
        # 150 + 90 + 60 + 45 + 5 + 0 + 30 + 20 = 400 s over the 8 calls with a duration
        "minutes": D("6.6667"), "avg_duration_seconds": D("50.00"),
        # 6 of 9
        "success_rate": D("66.67"),
    }
    # 6 calls with a sentiment: 3 positive, 2 neutral, 1 negative
    assert (day["sentiment_positive"], day["sentiment_neutral"], day["sentiment_negative"]) \
        == (D("50.00"), D("33.33"), D("16.67"))
    assert (day["sentiment_positive_calls"], day["sentiment_neutral_calls"],
            day["sentiment_negative_calls"]) == (3, 2, 1)


def test_usage_only_day_has_provider_cost_and_null_rates(analytics: Pipeline):
    day = workspace_day(analytics, "ws_a", date(2026, 10, 15))
    # 2500 twilio minutes x 0.014 + 1000 nova-3 minutes x 0.0043
    assert day["provider_cost"] == D("39.30")
    assert (day["calls_total"], day["minutes"], day["avg_duration_seconds"],
            day["success_rate"], day["sentiment_positive"]) == (0, D("0"), None, None, None)


def test_revenue_is_spread_over_the_month_without_fan_out(analytics: Pipeline):
    """ws_a has 9 calls on the 5th, usage on the 15th and two invoices (October
    finalized, November draft): each day gets its share of its month's invoice once."""
    revenue = dict(analytics.query(
        "select date, revenue from marts.fct_workspace_analytics_daily "
        "where workspace_id = 'ws_a' order by date"
    ))
    # October: 118.63 - 8.02 tax = 110.61 = 11061 cents over 31 days = 356 r 25
    october = {day: amount for day, amount in revenue.items() if day.month == 10}
    assert len(october) == 31 and sum(october.values()) == D("110.61")
    assert revenue[OCT_5] == D("3.57") and revenue[date(2026, 10, 25)] == D("3.57")
    assert revenue[date(2026, 10, 26)] == D("3.56") and revenue[date(2026, 10, 31)] == D("3.56")
    # November draft: 99.00 over 30 days; only the days up to the as-of date are shown
    assert [(day, amount) for day, amount in revenue.items() if day.month == 11] \
        == [(date(2026, 11, 1), D("3.30"))]
    # every invoice is spread exactly once over its days
    assert analytics.query(
        "select invoices.invoice_id, invoices.total - invoices.tax_total, sum(days.revenue) "
        "from marts.fct_invoices as invoices "
        "join intermediate.int_invoice_revenue_daily as days using (invoice_id) "
        "where invoices.workspace_id = 'ws_a' group by 1, 2 order by 1"
    ) == [("inv_ws_a_202610", D("110.61"), D("110.61")),
          ("inv_ws_a_202611", D("99.00"), D("99.00"))]


def test_revenue_follows_the_days_the_workspace_exists(analytics: Pipeline):
    # ws_c: 159.35 over the 11 days from the 10th to the 20th = 1448 r 7
    assert analytics.query(
        "select min(date), max(date), count(*), sum(revenue), max(revenue), min(revenue) "
        "from marts.fct_workspace_analytics_daily where workspace_id = 'ws_c'"
    ) == [(date(2026, 10, 10), date(2026, 10, 20), 11, D("159.35"), D("14.49"), D("14.48"))]
    # ws_b: a free plan with a 0.00 invoice has a row only on the day of its call
    assert analytics.query(
        "select date, calls_total, revenue from marts.fct_workspace_analytics_daily "
        "where workspace_id = 'ws_b'"
    ) == [(date(2026, 10, 2), 1, D("0.00"))]
    # ws_d (cancelled in September) has no call, no usage and no invoice: no row
    assert analytics.scalar(
        "select count(*) from marts.fct_workspace_analytics_daily where workspace_id = 'ws_d'"
    ) == 0


def test_agent_performance_with_top_intent_tie_and_name_of_the_day(analytics: Pipeline):
    assert analytics.query(
        "select agent_id, agent_name, date, calls, completed, success_rate, "
        "avg_duration_seconds, minutes, top_intent, top_intent_calls "
        "from marts.fct_agent_performance_daily where workspace_id = 'ws_a' "
        "order by date, agent_id nulls last"
    ) == [
        # billing_question and schedule_demo twice each: alphabetical order decides
        ("ag_a1", "Front desk", OCT_5, 5, 4, D("80.00"), D("70.00"), D("5.8333"),
         "billing_question", 2),
        # three calls without intent do not make NULL the top intent; 50 s over 3 calls
        ("ag_a2", "Sales", OCT_5, 4, 2, D("50.00"), D("16.67"), D("0.8333"), "support", 1),
        # renamed on the 6th
        ("ag_a1", "Reception", date(2026, 10, 7), 1, 1, D("100.00"), D("120.00"),
         D("2.0000"), "support", 1),
        # a call without an agent, and without an intent
        (None, None, date(2026, 10, 7), 1, 0, D("0.00"), D("0.00"), D("0.0000"), None, None),
        ("ag_a1", "Reception", date(2026, 11, 1), 2, 2, D("100.00"), D("60.00"),
         D("2.0000"), None, None),
    ]


def test_calls_by_hour_in_utc(analytics: Pipeline):
    assert analytics.query(
        "select hour_utc, calls from marts.fct_calls_by_hour "
        "where workspace_id = 'ws_a' and date = ? order by hour_utc", [OCT_5]
    ) == [(10, 2), (11, 2), (12, 2), (14, 2), (23, 1)]
    # 23:59:59 stays on its day and hour
    assert analytics.query(
        "select date, hour_utc, calls from marts.fct_calls_by_hour where workspace_id = 'ws_b'"
    ) == [(date(2026, 10, 2), 23, 1)]


def test_platform_spine_runs_from_first_data_day_to_as_of(analytics: Pipeline):
    assert analytics.query(
        "select min(date), max(date), count(*) from marts.fct_platform_daily"
    ) == [(date(2026, 10, 1), date(2026, 11, 1), 32)]


def test_mrr_counts_live_workspaces_including_suspended(analytics: Pipeline):
    mrr = dict(analytics.query(
        "select date, mrr from marts.fct_platform_daily order by date"
    ))
    # ws_a, ws_e, ws_f on pro (ws_b free, ws_d cancelled in September)
    assert mrr[date(2026, 10, 9)] == D("297.00")
    # + ws_c on business from the 10th; ws_f suspended from the 15th still pays
    assert mrr[date(2026, 10, 10)] == mrr[date(2026, 10, 19)] == D("796.00")
    # ws_c cancelled at noon on the 20th, ws_e at noon on the 25th
    assert mrr[date(2026, 10, 20)] == D("297.00")
    assert mrr[date(2026, 10, 25)] == mrr[date(2026, 11, 1)] == D("198.00")
    counts = dict(
        (day, (total, active)) for day, total, active in analytics.query(
            "select date, workspaces_total, workspaces_active from marts.fct_platform_daily"
        )
    )
    assert counts[date(2026, 10, 14)] == (5, 5)
    assert counts[date(2026, 10, 15)] == (5, 4)  # ws_f suspended
    assert counts[date(2026, 11, 1)] == (3, 2)   # ws_a, ws_b active; ws_f suspended


def test_churn_counts_cancellations_of_the_base_inside_the_30_day_window(analytics: Pipeline):
    churn = {
        day: (rate, churned, base) for day, rate, churned, base in analytics.query(
            "select date, churn_rate_30d, churned_workspaces_30d, workspaces_30d_before "
            "from marts.fct_platform_daily"
        )
    }
    # window 20 Sep - 19 Oct: ws_d (cancelled 20 Sep 08:00) was live on 19 Sep, of 5
    assert churn[date(2026, 10, 19)] == (D("20.00"), 1, 5)
    # window 21 Sep - 20 Oct: ws_d's cancellation is outside; ws_c, created and cancelled
    # inside the window, was not in the base
    assert churn[date(2026, 10, 20)] == (D("0.00"), 0, 4)
    # window 3 Oct - 1 Nov: ws_e inside, ws_d outside, of ws_a, ws_b, ws_e, ws_f
    assert churn[date(2026, 10, 25)] == churn[date(2026, 11, 1)] == (D("25.00"), 1, 4)
    assert churn[date(2026, 10, 24)] == (D("0.00"), 0, 4)


def test_calls_and_revenue_over_the_30_days_to_the_date(analytics: Pipeline):
    windows = {
        day: (calls, revenue) for day, calls, revenue in analytics.query(
            "select date, calls_30d, revenue_30d from marts.fct_platform_daily"
        )
    }
    assert windows[date(2026, 10, 1)] == (0, D("0.00"))
    # ws_b's call at 23:59:59 on 2 Oct, then ws_a's 9 calls on the 5th
    assert windows[date(2026, 10, 2)] == (1, D("0.00"))
    assert windows[date(2026, 10, 5)] == (10, D("0.00"))
    # + 2 on the 7th (ws_a), 1 on the 12th (ws_c); October's invoices are finalized and
    # their period's last day is the 31st: 110.61 + 0 + 159.35 + 71.86 + 89.10
    assert windows[date(2026, 10, 30)] == (13, D("0.00"))
    assert windows[date(2026, 10, 31)] == (13, D("430.92"))
    # 2 Oct leaves the window, 2 calls on 1 Nov; the November drafts do not count
    assert windows[date(2026, 11, 1)] == (14, D("430.92"))


def test_calls_export_masks_the_caller_number(analytics: Pipeline):
    columns = [c for (c,) in analytics.query(
        "select column_name from information_schema.columns "
        "where table_schema = 'marts' and table_name = 'fct_calls' order by ordinal_position"
    )]
    assert columns == [
        "call_id", "workspace_id", "agent_id", "direction", "status", "started_at", "ended_at",
        "duration_seconds", "caller_number_masked", "voice_provider", "sentiment", "intent",
        "latency_ms",
    ]
    assert analytics.query(
        "select call_id, status, started_at, duration_seconds, caller_number_masked, sentiment "
        "from marts.fct_calls where call_id in ('c01', 'c06', 'c10', 'c11', 'c12') "
        "order by call_id"
    ) == [
        # the later delivery of c01 wins
        ("c01", "completed", datetime(2026, 10, 5, 10, 0), D("150"), "********0123", "positive"),
        ("c06", "busy", datetime(2026, 10, 5, 23, 30), D("0"), "********0123", None),
        ("c10", "completed", datetime(2026, 10, 7, 9, 0), D("120"), "*********0042", "positive"),
        # a number of 4 characters is masked whole
        ("c11", "no_answer", datetime(2026, 10, 7, 16, 0), D("0"), "****", None),
        ("c12", "completed", datetime(2026, 10, 2, 23, 59, 59), D("30"), None, None),
    ]
    assert analytics.scalar("select count(*) from marts.fct_calls") == 15
    assert analytics.scalar(
        "select count(*) from information_schema.columns "
        "where table_schema = 'marts' and column_name = 'caller_number'"
    ) == 0


def test_daily_platform_report_pins_every_figure_of_the_day(analytics: Pipeline):
    """The figures of 1 November (above, from fct_platform_daily) in the JSON, the Markdown
    and the asset's metadata; the reconciliation check passed."""
    import dagster as dg

    analytics.run("report", "--day", "2026-11-01")
    daily = analytics.root / "reports" / "daily"
    assert json.loads((daily / "2026-11-01.json").read_text()) == {
        "date": "2026-11-01", "workspaces_total": 3, "workspaces_active": 2, "calls_30d": 14,
        "revenue_30d": "430.92", "mrr": "198.00", "churn_rate_30d": "25.00",
    }
    assert (daily / "2026-11-01.md").read_text().splitlines()[2:] == [
        "At the end of the day (UTC); 30 days = 2026-10-03 to 2026-11-01.",
        "",
        "| figure | value |",
        "| --- | ---: |",
        "| Total workspaces | 3 |",
        "| Active workspaces | 2 |",
        "| Calls (30 days) | 14 |",
        "| Revenue (30 days, USD, before tax) | 430.92 |",
        "| MRR (USD) | 198.00 |",
        "| Churn rate (30 days) | 25.00% |",
    ]
    key = dg.AssetKey(["reports", "daily_platform_report"])
    with dg.DagsterInstance.from_config(str(analytics.dagster_home)) as instance:
        event = instance.get_latest_materialization_event(key)
        metadata = {k: v.value for k, v in event.asset_materialization.metadata.items()
                    if k not in ("report", "preview")}
        [check] = instance.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(key, "figures_reconcile_with_marts"), limit=1)
    assert (event.asset_materialization.partition, metadata) == ("2026-11-01", {
        "date": "2026-11-01", "workspaces_total": 3, "workspaces_active": 2, "calls_30d": 14,
        "revenue_30d_usd": 430.92, "mrr_usd": 198.0, "churn_rate_30d_pct": 25.0,
    })
    assert (check.status.value, check.event.dagster_event.event_specific_data.passed) == (
        "SUCCEEDED", True)
