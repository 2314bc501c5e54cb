"""Reports: the quarterly executive summary covers exactly its quarter and every figure
in it equals the marts' figure for that quarter; the monthly report's JSON figures; the
charts are real PNG files; the report schedules ask for the previous period."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from tests.conftest import Pipeline, call, make_pipeline, usage, workspace

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
Q3 = ("2026-07-01", "2026-10-01")


def _calls() -> list[dict[str, object]]:
    def at(call_id, started, duration, **overrides):
        return call(call_id, started_at=started, ended_at=None, duration_seconds=str(duration),
                    **overrides)

    return [
        # Q2 and Q4: just outside the quarter
        at("c_q2", "2026-06-30T23:59:59Z", 600, agent_id="ag_a1"),
        at("c_q4", "2026-10-01T00:00:00Z", 600, agent_id="ag_a1", status="failed"),
        # Q3, ws_a
        at("c1", "2026-07-15T10:00:00Z", 150, agent_id="ag_a1", intent="billing_question"),
        at("c2", "2026-07-15T10:30:00Z", 30, agent_id="ag_a1", status="failed",
           direction="outbound", sentiment="negative", intent="billing_question"),
        at("c3", "2026-08-01T14:00:00Z", 300, agent_id="ag_a2", sentiment="neutral",
           intent="sales"),
        at("c4", "2026-09-30T23:59:59Z", 60, agent_id="ag_a2", intent="sales"),
        at("c5", "2026-09-10T10:05:00Z", 0, agent_id="ag_a2", status="no_answer",
           direction="outbound", sentiment=None, intent=None),
        # Q3, ws_b
        at("c6", "2026-08-20T09:00:00Z", 120, workspace_id="ws_b", agent_id="ag_b1",
           intent="support"),
    ]


def _usage() -> list[dict[str, object]]:
    def minutes(event_id, ws, occurred, quantity, resource_type="call_minutes",
                provider="twilio"):
        return usage(event_id, workspace_id=ws, resource_type=resource_type, provider=provider,
                     quantity=quantity, occurred_at=occurred, call_id=None)

    return [
        minutes("u_q2", "ws_a", "2026-06-10T09:00:00Z", "2000", "transcription", "deepgram"),
        # 1000 x 0.0059 = 5.90 provider cost, billed 7.08 less the 10 % welcome = 6.37
        minutes("u_jul", "ws_a", "2026-07-10T09:00:00Z", "1000", "transcription", "deepgram"),
        # 50 x 0.014 = 0.70, inside the free plan's 100 minutes
        minutes("u_aug", "ws_a", "2026-08-05T09:00:00Z", "50"),
        minutes("u_b_aug", "ws_b", "2026-08-20T09:00:00Z", "30"),  # 0.42
        minutes("u_q4", "ws_a", "2026-10-02T09:00:00Z", "500", "transcription", "deepgram"),
    ]


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    with pytest.MonkeyPatch.context() as monkeypatch:
        p = make_pipeline(tmp_path_factory.mktemp("reports"), monkeypatch)
        p.write("workspaces", "2026-01-01/workspaces.csv", [
            workspace("ws_a", name="Acme, \"Voice\" <Co>", plan_id="free", region=None),
            workspace("ws_b", plan_id="free", region=None),
        ])
        p.write("agents", "2026-01-01/agents.csv", [
            {"agent_id": "ag_a1", "workspace_id": "ws_a", "name": "Front Desk",
             "status": "live", "snapshot_at": "2026-01-01T00:00:00Z"},
            {"agent_id": "ag_a2", "workspace_id": "ws_a", "name": "Sales Bot",
             "status": "live", "snapshot_at": "2026-01-01T00:00:00Z"},
            {"agent_id": "ag_b1", "workspace_id": "ws_b", "name": "Helper",
             "status": "live", "snapshot_at": "2026-01-01T00:00:00Z"},
        ])
        p.write("calls", "2026-10-02/calls.jsonl", _calls())
        p.write("usage_records", "2026-10-02/usage.jsonl", _usage())
        p.run("ingest")
        p.run("build")
        p.run("report", "--quarter", "2026-Q3")
        p.run("report", "--month", "2026-07")
        p.reports = p.root / "reports"
        yield p


def _markdown(p: Pipeline, name: str) -> str:
    return (p.reports / "executive" / "2026-Q3" / name).read_text()


def _section(markdown: str, title: str) -> str:
    return markdown.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def _table(section: str) -> list[list[str]]:
    rows = [line.strip("|").split("|") for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip().replace("\\", "") for cell in row] for row in rows[2:]]


def _key_metrics(markdown: str) -> dict[str, str]:
    return dict((row[0], row[1]) for row in _table(_section(markdown, "Key metrics")))


def _q3(p: Pipeline, sql: str, workspace_id: str | None = None):
    """A figure computed on the marts for Q3 only (`{where}` = the quarter and scope)."""
    scope = "and workspace_id = ?" if workspace_id else ""
    params = [*Q3, workspace_id] if workspace_id else list(Q3)
    return p.query(sql.format(where=f"date >= ? and date < ? {scope}"), params)


def _number(text: str) -> D:
    return D(text.replace(",", "").rstrip("%").strip())


def test_executive_summary_key_metrics_are_the_marts_figures_for_q3_only(reported):
    metrics = _key_metrics(_markdown(reported, "workspaces/ws_a.md"))
    calls, completed, failed, minutes, cost, revenue = _q3(reported, """
        select sum(calls_total), sum(calls_completed), sum(calls_failed), sum(minutes),
               sum(provider_cost), sum(revenue)
        from marts.fct_workspace_analytics_daily where {where}""", "ws_a")[0]
    assert metrics["Total calls"] == str(calls) == "5"
    assert metrics["Completed calls"] == str(completed) == "3"
    assert metrics["Failed calls"] == str(failed) == "1"
    assert _number(metrics["Success rate"]) == round(D(100) * completed / calls, 2) \
        == D("60.00")
    assert _number(metrics["Total minutes"]) == minutes == D("9")  # 540 s
    assert _number(metrics["Provider cost (USD)"]) == round(cost, 2) == D("6.60")
    assert _number(metrics["Revenue excl. tax (USD)"]) == revenue == D("6.37")
    # the invoices of the quarter's months, less tax, are that revenue
    assert reported.scalar(
        "select sum(total - tax_total) from marts.fct_invoices where workspace_id = 'ws_a' "
        "and period_start >= ? and period_start < ?", list(Q3)) == D("6.37")
    # the whole history says otherwise: the summary did not read outside the quarter
    assert reported.scalar("select sum(calls_total) from marts.fct_workspace_analytics_daily "
                           "where workspace_id = 'ws_a'") == 7


def test_executive_summary_call_performance_sentiment_and_peak_hours(reported):
    markdown = _markdown(reported, "workspaces/ws_a.md")
    performance = _section(markdown, "Call performance")
    seconds, timed, longest, shortest, inbound, outbound = reported.query(
        "select sum(duration_seconds), count(duration_seconds), "
        "max(duration_seconds), min(duration_seconds), "
        "count(*) filter (where direction = 'inbound'), "
        "count(*) filter (where direction = 'outbound') from marts.fct_calls "
        "where workspace_id = 'ws_a' and started_at >= ? and started_at < ?", list(Q3))[0]
    assert (seconds / timed, longest, shortest) == (D("108"), D("300"), D("0"))
    assert "**Average duration**: 108 s" in performance
    assert "**Longest call**: 300 s" in performance
    assert "**Shortest call**: 0 s" in performance
    assert f"**Inbound calls**: {inbound}" in performance and inbound == 3
    assert f"**Outbound calls**: {outbound}" in performance and outbound == 2

    sentiment = {row[0]: (int(row[1]), _number(row[2]))
                 for row in _table(_section(markdown, "Sentiment"))}
    positive, neutral, negative = _q3(reported, """
        select sum(sentiment_positive_calls), sum(sentiment_neutral_calls),
               sum(sentiment_negative_calls)
        from marts.fct_workspace_analytics_daily where {where}""", "ws_a")[0]
    assert sentiment == {"Positive": (positive, D("50.0")), "Neutral": (neutral, D("25.0")),
                         "Negative": (negative, D("25.0"))}
    assert (positive, neutral, negative) == (2, 1, 1)

    peaks = re.findall(r"^\d+\. (\d\d):00 UTC: (\d+) calls$", _section(markdown,
                       "Peak call hours (UTC)"), re.M)
    by_hour = _q3(reported, """
        select hour_utc, sum(calls) from marts.fct_calls_by_hour where {where}
        group by hour_utc order by sum(calls) desc, hour_utc""", "ws_a")
    assert [(int(h), int(n)) for h, n in peaks] == [(h, int(n)) for h, n in by_hour] \
        == [(10, 3), (14, 1), (23, 1)]


def test_executive_summary_ranks_agents_and_costs_by_provider_for_q3(reported):
    markdown = _markdown(reported, "workspaces/ws_a.md")
    agents = [(row[1], int(row[2]), int(row[3]), row[4], _number(row[5]), row[6])
              for row in _table(_section(markdown, "Agent ranking"))]
    marts = _q3(reported, """
        select any_value(agent_name), sum(calls), sum(completed), sum(minutes)
        from marts.fct_agent_performance_daily where {where}
        group by agent_id order by sum(calls) desc""", "ws_a")
    assert [(a[0], a[1], a[2], a[4]) for a in agents] == [tuple(row) for row in marts]
    assert agents == [("Sales Bot", 3, 2, "66.7%", D("6"), "sales"),
                      ("Front Desk", 2, 1, "50.0%", D("3"), "billing_question")]

    providers = {row[0]: _number(row[1]) for row in _table(_section(markdown,
                                                                     "Cost by provider"))}
    marts = reported.query(
        "select provider, sum(provider_cost) from marts.fct_usage_daily "
        "where workspace_id = 'ws_a' and usage_date >= ? and usage_date < ? group by provider",
        list(Q3))
    assert providers == {provider: round(cost, 2) for provider, cost in marts} \
        == {"deepgram": D("5.90"), "twilio": D("0.70")}


def test_platform_summary_adds_up_every_workspace_for_q3(reported):
    markdown = _markdown(reported, "platform.md")
    metrics = _key_metrics(markdown)
    calls, completed, minutes, cost, revenue = _q3(reported, """
        select sum(calls_total), sum(calls_completed), sum(minutes), sum(provider_cost),
               sum(revenue) from marts.fct_workspace_analytics_daily where {where}""")[0]
    assert (metrics["Total calls"], metrics["Completed calls"]) == (str(calls), str(completed)) \
        == ("6", "4")
    assert _number(metrics["Success rate"]) == D("66.67")
    assert _number(metrics["Total minutes"]) == minutes == D("11")
    assert _number(metrics["Provider cost (USD)"]) == round(cost, 2) == D("7.02")
    assert _number(metrics["Revenue excl. tax (USD)"]) == revenue == D("6.37")
    assert _number(metrics["Margin (USD)"]) == D("-0.65")
    providers = {row[0]: (_number(row[1]), _number(row[2]))
                 for row in _table(_section(markdown, "Cost by provider"))}
    margins = reported.query(
        "select provider, sum(provider_cost), sum(revenue) from marts.fct_provider_margins "
        "where period_start >= ? and period_start < ? group by provider", list(Q3))
    assert providers == {p: (round(c, 2), r) for p, c, r in margins} == {
        "deepgram": (D("5.90"), D("7.08")), "twilio": (D("1.12"), D("0.00"))}
    agents = [(row[1], row[2], int(row[3])) for row in _table(_section(markdown,
                                                                        "Agent ranking"))]
    assert agents == [("ws_a", "Sales Bot", 3), ("ws_a", "Front Desk", 2),
                      ("ws_b", "Helper", 1)]
    top = [(row[1], _number(row[2]), int(row[3]))
           for row in _table(_section(markdown, "Top workspaces by revenue"))]
    assert top == [("Acme, \"Voice\" <Co>", D("6.37"), 5), ("Workspace ws_b", D("0.00"), 1)]
    assert re.findall(r"^\d+\. (\d\d):00 UTC: (\d+) calls$",
                      _section(markdown, "Peak call hours (UTC)"), re.M) == [
        ("10", "3"), ("09", "1"), ("14", "1"), ("23", "1")]


def test_html_summary_escapes_names_and_embeds_its_charts(reported):
    html = (reported.reports / "executive" / "2026-Q3" / "platform.html").read_text()
    assert "Acme, &#34;Voice&#34; &lt;Co&gt;" in html and "<Co>" not in html
    assert html.count('src="data:image/png;base64,') == 5
    assert "MISMATCH" not in html


def test_charts_are_png_files(reported):
    folder = reported.reports / "executive" / "2026-Q3"
    charts = sorted(folder.glob("**/charts/*.png"))
    names = {path.name for path in charts}
    for stem in ("platform", "ws_a", "ws_b"):
        for chart in ("calls_by_hour", "calls_by_agent", "cost_trend", "sentiment",
                      "cost_by_provider"):
            assert f"{stem}-{chart}.png" in names
    monthly = sorted((reported.reports / "monthly" / "2026-07" / "charts").glob("ws_a-*.png"))
    assert [p.name for p in monthly] == [
        "ws_a-calls_by_agent.png", "ws_a-calls_by_hour.png", "ws_a-cost_trend.png"]
    for path in charts + monthly:
        data = path.read_bytes()
        assert data[:8] == PNG_MAGIC and len(data) > 5_000, path
    markdown = _markdown(reported, "workspaces/ws_a.md")
    for link in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", markdown):
        assert (folder / "workspaces" / link).is_file()


def test_monthly_report_json_figures(reported):
    report = json.loads((reported.reports / "monthly" / "2026-07" / "ws_a.json").read_text())
    assert report["period"] == {"month": "2026-07", "start": "2026-07-01",
                                "end_exclusive": "2026-08-01", "last_day": "2026-07-31"}
    assert report["summary"] == {
        "calls_total": 2, "calls_completed": 1, "calls_failed": 1,
        "success_rate_pct": "50.00", "minutes": "3.0000", "avg_duration_seconds": "90.00",
        "provider_cost_usd": reported.query(
            "select cast(sum(provider_cost) as varchar) from marts.fct_usage_daily "
            "where workspace_id = 'ws_a' and usage_date between '2026-07-01' and '2026-07-31'"
        )[0][0],
        "revenue_usd": "6.37",
        "invoice": {"invoice_id": "inv_ws_a_202607", "invoice_number": None,
                    "status": "draft", "subtotal_usd": "7.08", "discount_total_usd": "0.71",
                    "tax_total_usd": "0.00", "total_usd": "6.37", "due_date": None},
    }
    assert D(report["summary"]["provider_cost_usd"]) == D("5.90")
    calls = report["calls"]
    assert calls["by_status"] == {"completed": 1, "failed": 1, "busy": 0, "no_answer": 0,
                                  "in_progress": 0}
    assert calls["by_direction"] == {"inbound": 1, "outbound": 1}
    assert calls["by_hour_utc"] == [0] * 10 + [2] + [0] * 13
    assert calls["sentiment_calls"] == {"positive": 1, "neutral": 0, "negative": 1}
    assert [(a["agent_name"], a["calls"], a["top_intent"]) for a in calls["by_agent"]] == [
        ("Front Desk", 2, "billing_question")]
    assert report["costs"]["by_resource_type"] == [{
        "resource_type": "transcription", "display_name": "Transcription", "unit": "minute",
        "quantity": report["costs"]["by_resource_type"][0]["quantity"],
        "provider_cost_usd": report["summary"]["provider_cost_usd"], "events": 1,
        "billed_usd": "7.08",
    }]
    assert D(report["costs"]["by_resource_type"][0]["quantity"]) == 1000
    assert [(p["provider"], D(p["provider_cost_usd"])) for p in report["costs"]["by_provider"]] \
        == [("deepgram", D("5.90"))]
    assert report["charts"]["calls_by_hour"]["file"] == "charts/ws_a-calls_by_hour.png"
    assert all(check["passed"] for check in report["reconciliation"])
    # only workspaces with something in July have a report
    assert sorted(p.name for p in (reported.reports / "monthly" / "2026-07").glob("*.json")) \
        == ["ws_a.json", "ws_b.json"]


def test_report_runs_are_recorded_with_metadata(reported):
    import dagster as dg

    with dg.DagsterInstance.from_config(str(reported.dagster_home)) as instance:
        event = instance.get_latest_materialization_event(
            dg.AssetKey(["reports", "platform_executive_summary"]))
    metadata = event.asset_materialization.metadata
    assert metadata["quarter"].value == "2026-Q3"
    assert metadata["calls_total"].value == 6
    assert "## Key metrics" in metadata["preview"].value
    assert "data:image/png;base64," in metadata["preview"].value
    assert Path(metadata["chart"].value).read_bytes()[:8] == PNG_MAGIC


def test_report_schedules_ask_for_the_previous_month_and_quarter():
    import dagster as dg

    from dagster_project.definitions import defs

    definitions = defs()
    for name, when, key in [
        ("monthly_reports_schedule", datetime(2026, 11, 2, 2, tzinfo=UTC), "2026-10"),
        ("monthly_reports_schedule", datetime(2027, 1, 2, 2, tzinfo=UTC), "2026-12"),
        ("quarterly_reports_schedule", datetime(2026, 10, 2, 3, tzinfo=UTC), "2026-07-01"),
        ("quarterly_reports_schedule", datetime(2027, 1, 2, 3, tzinfo=UTC), "2026-10-01"),
    ]:
        schedule = definitions.resolve_schedule_def(name)
        context = dg.build_schedule_context(
            scheduled_execution_time=when, repository_def=definitions.get_repository_def())
        [request] = schedule.evaluate_tick(context).run_requests
        assert request.partition_key == key, name


def test_export_reads_the_built_fct_calls(reported, tmp_path):
    import csv

    output = tmp_path / "q3.csv"
    reported.run("export", "--workspace", "ws_a", "--from", "2026-07-01", "--to", "2026-09-30",
                 "--format", "csv", "--output", str(output))
    with output.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["call_id"] for r in rows] == ["c1", "c2", "c3", "c5", "c4"]
    assert {r["caller_number_last4"] for r in rows} == {"***0123"}
    assert [r["duration_seconds"] for r in rows] == ["150", "30", "300", "0", "60"]
    assert rows[-1]["started_at"] == "2026-09-30T23:59:59Z"
