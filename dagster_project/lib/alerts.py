"""Usage-limit alerts: raised once per (workspace, period, threshold), delivered to an
outbox (the table billing.usage_alerts plus one JSON-lines file per alert) for the
application to send. The pipeline itself sends nothing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from dagster_project.lib.billing_state import append_usage_alerts, mark_delivered
from dagster_project.lib.outbox import write_message


def raise_alerts(con: duckdb.DuckDBPyConnection, *, now: datetime) -> int:
    """Raise every alert due (int_usage_alerts_due) that was never raised; returns how many.

    The alert_id is the primary key, so however often the check runs, a (workspace,
    period, threshold) is raised once: the first time it is crossed.
    """
    return append_usage_alerts(con, now=now)


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
    mark_delivered(con, "usage_alerts", [row[0] for row in rows], now=now)
    return len(rows)
