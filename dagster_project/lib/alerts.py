"""Usage-limit alerts: raised once per (workspace, period, threshold), delivered to an
outbox (the table billing.usage_alerts plus one JSON-lines file per alert) for the
application to send. The pipeline itself sends nothing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from dagster_project.lib.outbox import mark_delivered, write_message


def raise_alerts(con: duckdb.DuckDBPyConnection, *, now: datetime) -> int:
    """Insert an alert for every crossed threshold that has none yet; returns how many.

    Which alerts are due and their ids are the model int_usage_alerts_due; the alert_id
    is the primary key, so however often the check runs, a (workspace, period,
    threshold) is raised once: the first time it is crossed.
    """
    before = con.execute("select count(*) from billing.usage_alerts").fetchone()[0]
    con.execute(
        """
        insert into billing.usage_alerts
            (alert_id, workspace_id, period_start, threshold_pct, usage_pct,
             usage_limit_monthly, draft_subtotal, raised_at, delivered_at)
        select
            alert_id, workspace_id, period_start, threshold_pct, usage_pct,
            usage_limit_monthly, draft_subtotal, ?, null
        from intermediate.int_usage_alerts_due
        on conflict do nothing
        """,
        [now],
    )
    return con.execute("select count(*) from billing.usage_alerts").fetchone()[0] - before


def deliver_alerts(con: duckdb.DuckDBPyConnection, outbox_dir: Path, *, now: datetime) -> int:
    """Write each undelivered alert to `<outbox>/<YYYY-MM>/<alert_id>.jsonl`, then mark it.

    A file is written atomically and named by its alert, so a crash between writing and
    marking rewrites the same file with the same content: never a second alert.
    """
    rows = con.execute(
        """
        select alert_id, workspace_id, period_start, threshold_pct, usage_pct,
               usage_limit_monthly, draft_subtotal, raised_at
        from billing.usage_alerts where delivered_at is null order by alert_id
        """
    ).fetchall()
    for alert_id, workspace_id, period, threshold, pct, limit, subtotal, raised_at in rows:
        record = {
            "type": "usage_limit_threshold_crossed",
            "alert_id": alert_id,
            "workspace_id": workspace_id,
            "period": period.strftime("%Y-%m"),
            "threshold_pct": str(threshold),
            "usage_pct": str(pct),
            "usage_limit_monthly": str(limit),
            "draft_subtotal": str(subtotal),
            "raised_at": raised_at.isoformat() + "Z",
        }
        write_message(outbox_dir / period.strftime("%Y-%m"), alert_id, record)
    mark_delivered(con, "billing.usage_alerts", "alert_id", [row[0] for row in rows], now=now)
    return len(rows)
