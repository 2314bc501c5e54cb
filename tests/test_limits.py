"""Usage-limit alerts are raised once per threshold however often the check runs;
agents of a workspace over its limit are listed for pausing; hard caps mark over_quota."""

from __future__ import annotations

import json
from decimal import Decimal as D

import dagster as dg

from tests.conftest import Pipeline, usage, workspace


def _alerts(pipeline: Pipeline) -> list[tuple]:
    return pipeline.query(
        "select alert_id, threshold_pct, usage_pct, draft_subtotal, raised_at "
        "from marts.fct_usage_alerts order by alert_id"
    )


def test_each_threshold_alerts_once_however_often_the_check_runs(pipeline: Pipeline):
    pipeline.write("workspaces", "ws.csv", [
        workspace("ws_l", plan_id="pro", country="BR", region=None,
                  usage_limit_monthly="150", auto_pause_on_limit="true",
                  snapshot_at="2026-11-01T00:00:00Z"),
        workspace("ws_free", plan_id="free", country="BR", region=None,
                  snapshot_at="2026-11-01T00:00:00Z"),
    ])
    def agent(agent_id, workspace_id, status, snapshot_at="2026-11-01T00:00:00Z"):
        return {"agent_id": agent_id, "workspace_id": workspace_id, "name": agent_id,
                "status": status, "snapshot_at": snapshot_at}

    # the statuses the platform sends (contract 1.1): only live agents are paused
    pipeline.write("agents", "agents.csv", [
        agent("ag_1", "ws_l", "live"),
        agent("ag_2", "ws_l", "archived"),
        agent("ag_3", "ws_l", "live"),
        agent("ag_3", "ws_l", "paused", "2026-11-03T00:00:00Z"),
        agent("ag_4", "ws_l", "Live"),
        agent("ag_free", "ws_free", "live"),
        agent("ag_bad", "ws_l", "active"),
    ])
    # 99.00 fee + (2600 - 2000) x 0.045 = 126.00 of 150 -> 84 %
    pipeline.write("usage_records", "1.csv", [
        usage("m1", workspace_id="ws_l", quantity="2600", occurred_at="2026-11-05T10:00:00Z"),
        # 150 minutes on the free plan's hard cap of 100
        usage("f1", workspace_id="ws_free", quantity="150", occurred_at="2026-11-05T10:00:00Z"),
    ])
    pipeline.run("check-limits", "--as-of", "2026-11-10T00:00:00Z")
    first = _alerts(pipeline)
    assert [row[:4] for row in first] == [
        ("alert_ws_l_202611_80", D("80.00"), D("84.00"), D("126.00")),
    ]
    assert pipeline.query("select * from marts.agents_to_pause") == []
    assert pipeline.query(
        "select workspace_id, resource_type, quantity, included_quantity "
        "from marts.workspaces_over_quota"
    ) == [("ws_free", "call_minutes", D("150"), D("100"))]

    for day in ("11", "12", "13"):
        pipeline.run("check-limits", "--as-of", f"2026-11-{day}T00:00:00Z")
    assert _alerts(pipeline) == first

    # the tables written beside the assets show in the UI as materialized by those runs
    with dg.DagsterInstance.from_config(str(pipeline.dagster_home)) as instance:
        def materializations(*path: str) -> list[int]:
            records = instance.fetch_materializations(dg.AssetKey(list(path)), limit=10).records
            return [r.asset_materialization.metadata["dagster/row_count"].value
                    for r in reversed(records)]

        assert materializations("billing", "usage_alerts") == [1, 1, 1, 1]
        # one file for each of three sources, all loaded by the first run: the load log
        # grew by one row per source
        assert materializations("raw", "files") == [1, 2, 3]

    # 2000 more minutes: 99.00 + 2600 x 0.045 = 216.00 -> 144 %: 100 and 120 both crossed
    pipeline.write("usage_records", "2.csv", [
        usage("m2", workspace_id="ws_l", quantity="2000", occurred_at="2026-11-14T10:00:00Z"),
    ])
    pipeline.run("check-limits", "--as-of", "2026-11-15T00:00:00Z")
    alerts = _alerts(pipeline)
    assert [row[:4] for row in alerts] == [
        ("alert_ws_l_202611_100", D("100.00"), D("144.00"), D("216.00")),
        ("alert_ws_l_202611_120", D("120.00"), D("144.00"), D("216.00")),
        ("alert_ws_l_202611_80", D("80.00"), D("84.00"), D("126.00")),
    ]
    assert alerts[2] == first[0]  # the first alert is untouched
    assert pipeline.query(
        "select agent_id, workspace_id from marts.agents_to_pause order by agent_id"
    ) == [("ag_1", "ws_l"), ("ag_4", "ws_l")]
    assert pipeline.query(
        "select row_key, reason, reason_detail from marts.quarantine where source_name = 'agents'"
    ) == [("ag_bad", "invalid_value", "status")]

    outbox = pipeline.root / "outbox" / "alerts" / "2026-11"
    files = sorted(path.name for path in outbox.iterdir())
    assert files == ["alert_ws_l_202611_100.jsonl", "alert_ws_l_202611_120.jsonl",
                     "alert_ws_l_202611_80.jsonl"]
    record = json.loads((outbox / "alert_ws_l_202611_120.jsonl").read_text())
    assert (record["workspace_id"], record["threshold_pct"], record["usage_pct"]) == (
        "ws_l", "120.00", "144.00"
    )
    assert pipeline.scalar(
        "select count(*) from marts.fct_usage_alerts where delivered_at is null"
    ) == 0
