"""The figures of a report period, aggregated in DuckDB from the marts.

Every query is restricted to the period `[start, end)` (UTC dates; calls by started_at,
usage by usage_date, invoices by period_start) and aggregates in SQL; Python only files
the small results under their workspace. The same queries run once per scope: grouped
by workspace (every workspace of the period at once) and, for the platform, over all
workspaces (key None).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import duckdb

from dagster_project.lib.reports.periods import Period

PLATFORM = None
SENTIMENTS = ("positive", "neutral", "negative")
STATUSES = ("completed", "failed", "busy", "no_answer", "in_progress")
DIRECTIONS = ("inbound", "outbound")
RATE = Decimal("0.01")
ZERO = Decimal(0)


def _ratio(part: Decimal | int, whole: Decimal | int, scale: int = 100) -> Decimal | None:
    """part / whole x scale in Decimal, 2 places, half away from zero (the marts' rule)."""
    if not whole:
        return None
    return (Decimal(part) * scale / Decimal(whole)).quantize(RATE, rounding=ROUND_HALF_UP)


@dataclass
class DayFigures:
    day: date
    calls: int
    provider_cost: Decimal
    revenue: Decimal


@dataclass
class AgentFigures:
    workspace_id: str
    agent_id: str | None
    agent_name: str | None
    calls: int
    completed: int
    minutes: Decimal
    duration_seconds: Decimal
    calls_with_duration: int
    top_intent: str | None
    top_intent_calls: int | None

    @property
    def label(self) -> str:
        if self.agent_id is None:
            return "(no agent)"
        return self.agent_name or self.agent_id

    @property
    def success_rate(self) -> Decimal | None:
        return _ratio(self.completed, self.calls)

    @property
    def avg_duration_seconds(self) -> Decimal | None:
        return _ratio(self.duration_seconds, self.calls_with_duration, 1)


@dataclass
class UsageFigures:
    """Usage of one resource type from one provider (or all of a resource type/provider)."""

    resource_type: str | None
    provider: str | None
    display_name: str | None
    unit: str | None
    quantity: Decimal | None
    provider_cost: Decimal
    events: int


@dataclass
class ProviderMargin:
    provider: str
    provider_cost: Decimal
    revenue: Decimal

    @property
    def margin(self) -> Decimal:
        return self.revenue - self.provider_cost

    @property
    def margin_pct(self) -> Decimal | None:
        return _ratio(self.margin, self.revenue)


@dataclass
class InvoiceFigures:
    invoice_id: str
    invoice_number: str | None
    period_start: date
    status: str
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    total: Decimal
    due_date: date | None


@dataclass
class PlatformState:
    """fct_platform_daily on the period's last day with a row (and on its first)."""

    day: date
    workspaces_total: int
    workspaces_active: int
    calls_30d: int
    revenue_30d: Decimal
    mrr: Decimal
    churn_rate_30d: Decimal | None
    mrr_at_start: Decimal | None


@dataclass
class Check:
    """Two marts' answers to the same question for the period; they must be equal."""

    name: str
    left: object
    right: object

    @property
    def passed(self) -> bool:
        return self.left == self.right


@dataclass
class Figures:
    """Everything a report of one workspace (or of the platform, workspace_id None) says."""

    workspace_id: str | None
    period: Period
    workspace_name: str | None = None
    plan_name: str | None = None
    workspace_status: str | None = None
    country: str | None = None
    region: str | None = None
    calls_total: int = 0
    calls_completed: int = 0
    calls_failed: int = 0
    minutes: Decimal = ZERO
    provider_cost: Decimal = ZERO
    revenue: Decimal = ZERO
    days: list[DayFigures] = field(default_factory=list)
    # from fct_calls
    calls_in_fct_calls: int = 0
    duration_seconds: Decimal = ZERO
    calls_with_duration: int = 0
    longest_call_seconds: Decimal | None = None
    shortest_call_seconds: Decimal | None = None
    by_status: dict[str, int] = field(default_factory=dict)
    by_direction: dict[str, int] = field(default_factory=dict)
    sentiment: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SENTIMENTS, 0))
    calls_by_hour: list[int] = field(default_factory=lambda: [0] * 24)
    agents: list[AgentFigures] = field(default_factory=list)
    usage: list[UsageFigures] = field(default_factory=list)
    usage_by_provider: list[UsageFigures] = field(default_factory=list)
    usage_by_resource_type: list[UsageFigures] = field(default_factory=list)
    billed_by_resource_type: dict[str, Decimal] = field(default_factory=dict)
    invoices: list[InvoiceFigures] = field(default_factory=list)
    provider_margins: list[ProviderMargin] = field(default_factory=list)
    platform: PlatformState | None = None

    @property
    def label(self) -> str:
        if self.workspace_id is PLATFORM:
            return "Platform"
        return self.workspace_name or self.workspace_id

    @property
    def success_rate(self) -> Decimal | None:
        return _ratio(self.calls_completed, self.calls_total)

    @property
    def avg_duration_seconds(self) -> Decimal | None:
        return _ratio(self.duration_seconds, self.calls_with_duration, 1)

    @property
    def calls_with_sentiment(self) -> int:
        return sum(self.sentiment.values())

    @property
    def sentiment_shares(self) -> dict[str, Decimal | None]:
        return {k: _ratio(v, self.calls_with_sentiment) for k, v in self.sentiment.items()}

    def peak_hours(self, top: int = 5) -> list[tuple[int, int]]:
        """The busiest UTC hours, most calls first, ties by the earlier hour."""
        ranked = sorted(
            ((hour, calls) for hour, calls in enumerate(self.calls_by_hour) if calls),
            key=lambda item: (-item[1], item[0]),
        )
        return ranked[:top]

    @property
    def checks(self) -> list[Check]:
        """Reconciliation of the figures that two marts each give for the period."""
        checks = [
            Check("calls: fct_workspace_analytics_daily = fct_calls",
                  self.calls_total, self.calls_in_fct_calls),
            Check("calls: fct_calls_by_hour = fct_workspace_analytics_daily",
                  sum(self.calls_by_hour), self.calls_total),
            Check("calls: fct_agent_performance_daily = fct_workspace_analytics_daily",
                  sum(a.calls for a in self.agents), self.calls_total),
            Check("provider cost: fct_usage_daily = fct_workspace_analytics_daily",
                  sum((u.provider_cost for u in self.usage_by_provider), ZERO),
                  self.provider_cost),
        ]
        if self.workspace_id is PLATFORM and self.provider_margins:
            # the margins mart keeps 4 places per (month, provider, resource type)
            checks.append(Check(
                "provider cost to the cent: fct_provider_margins = fct_usage_daily",
                sum((m.provider_cost for m in self.provider_margins), ZERO).quantize(
                    RATE, rounding=ROUND_HALF_UP),
                sum((u.provider_cost for u in self.usage_by_provider), ZERO).quantize(
                    RATE, rounding=ROUND_HALF_UP),
            ))
        return checks


def _scope(by_workspace: bool) -> tuple[str, str]:
    """(select expression, grouping prefix) of the workspace column in a scope."""
    return ("workspace_id", "workspace_id, ") if by_workspace else ("null::varchar", "")


def _timestamps(period: Period) -> list[datetime]:
    return [datetime.combine(period.start, datetime.min.time()),
            datetime.combine(period.end, datetime.min.time())]


def _analytics(con, period: Period, by_workspace: bool):
    ws, g = _scope(by_workspace)
    # grouping sets: one row per day (the trend) and one row for the whole period
    return con.execute(
        f"""
        select
            {ws} as workspace_id, date,
            sum(calls_total) as calls_total,
            sum(calls_completed) as calls_completed,
            sum(calls_failed) as calls_failed,
            sum(minutes) as minutes,
            sum(provider_cost) as provider_cost,
            sum(revenue) as revenue
        from marts.fct_workspace_analytics_daily
        where date >= ? and date < ?
        group by grouping sets (({g}date), ({g.rstrip(', ')}))
        order by workspace_id, date nulls first
        """,
        [period.start, period.end],
    ).fetchall()


def _calls(con, period: Period, by_workspace: bool):
    ws, g = _scope(by_workspace)
    return con.execute(
        f"""
        select
            {ws} as workspace_id,
            case
                when grouping(status) = 0 then 'status'
                when grouping(direction) = 0 then 'direction'
                when grouping(sentiment) = 0 then 'sentiment'
                else 'all'
            end as dimension,
            coalesce(status, direction, sentiment) as value,
            count(*) as calls,
            coalesce(sum(duration_seconds), 0) as duration_seconds,
            count(duration_seconds) as calls_with_duration,
            max(duration_seconds) as longest,
            min(duration_seconds) as shortest
        from marts.fct_calls
        where started_at >= ? and started_at < ?
        group by grouping sets (({g}status), ({g}direction), ({g}sentiment), ({g.rstrip(', ')}))
        """,
        _timestamps(period),
    ).fetchall()


def _hours(con, period: Period, by_workspace: bool):
    ws, _ = _scope(by_workspace)
    return con.execute(
        f"""
        select {ws} as workspace_id, hour_utc, sum(calls) as calls
        from marts.fct_calls_by_hour
        where date >= ? and date < ?
        group by all
        """,
        [period.start, period.end],
    ).fetchall()


# Agents are ranked within their workspace; the platform ranks every workspace's agents.
AGENTS_SQL = """
    with

    agent_totals as (
        select
            workspace_id, agent_id,
            arg_max(agent_name, date) as agent_name,
            sum(calls) as calls,
            sum(completed) as completed,
            sum(minutes) as minutes
        from marts.fct_agent_performance_daily
        where date >= ? and date < ?
        group by workspace_id, agent_id
    ),

    call_totals as (
        select
            workspace_id, agent_id,
            coalesce(sum(duration_seconds), 0) as duration_seconds,
            count(duration_seconds) as calls_with_duration
        from marts.fct_calls
        where started_at >= ? and started_at < ?
        group by workspace_id, agent_id
    ),

    intents as (
        select workspace_id, agent_id, intent, count(*) as calls
        from marts.fct_calls
        where started_at >= ? and started_at < ? and intent is not null
        group by workspace_id, agent_id, intent
        qualify row_number() over (
            partition by workspace_id, agent_id order by count(*) desc, intent
        ) = 1
    )

    select
        agent_totals.workspace_id, agent_totals.agent_id, agent_totals.agent_name,
        agent_totals.calls, agent_totals.completed, agent_totals.minutes,
        coalesce(call_totals.duration_seconds, 0),
        coalesce(call_totals.calls_with_duration, 0),
        intents.intent, intents.calls
    from agent_totals
    left join call_totals
        on agent_totals.workspace_id = call_totals.workspace_id
        and agent_totals.agent_id is not distinct from call_totals.agent_id
    left join intents
        on agent_totals.workspace_id = intents.workspace_id
        and agent_totals.agent_id is not distinct from intents.agent_id
    order by agent_totals.calls desc, agent_totals.completed desc,
        agent_totals.agent_id nulls last, agent_totals.workspace_id
"""


def _usage(con, period: Period, by_workspace: bool):
    ws, g = _scope(by_workspace)
    return con.execute(
        f"""
        select
            {ws} as workspace_id,
            usage.resource_type, usage.provider,
            any_value(metrics.display_name) as display_name,
            any_value(metrics.unit) as unit,
            sum(usage.quantity) as quantity,
            sum(usage.provider_cost) as provider_cost,
            sum(usage.events) as events
        from marts.fct_usage_daily as usage
        left join reference.metrics as metrics
            on usage.resource_type = metrics.resource_type
        where usage.usage_date >= ? and usage.usage_date < ?
        group by grouping sets (
            ({g}usage.resource_type, usage.provider),
            ({g}usage.resource_type),
            ({g}usage.provider)
        )
        order by workspace_id, usage.resource_type nulls last, provider_cost desc,
            usage.provider nulls first
        """,
        [period.start, period.end],
    ).fetchall()


INVOICES_SQL = """
    select
        workspace_id, invoice_id, invoice_number, period_start, status,
        subtotal, discount_total, tax_total, total, due_date
    from marts.fct_invoices
    where period_start >= ? and period_start < ? and status <> 'void'
    order by workspace_id, period_start
"""

BILLED_USAGE_SQL = """
    select invoices.workspace_id, lines.resource_type, sum(lines.amount) as amount
    from marts.fct_invoice_lines as lines
    inner join marts.fct_invoices as invoices
        on lines.invoice_id = invoices.invoice_id
    where invoices.period_start >= ? and invoices.period_start < ?
        and invoices.status <> 'void' and lines.line_type = 'usage'
    group by all
"""

PROVIDER_MARGINS_SQL = """
    select provider, sum(provider_cost) as provider_cost, sum(revenue) as revenue
    from marts.fct_provider_margins
    where period_start >= ? and period_start < ?
    group by provider
    order by provider_cost desc, provider
"""

PLATFORM_SQL = """
    select
        last.date, last.workspaces_total, last.workspaces_active, last.calls_30d,
        last.revenue_30d, last.mrr, last.churn_rate_30d, first.mrr
    from marts.fct_platform_daily as last
    left join marts.fct_platform_daily as first
        on first.date = (
            select min(date) from marts.fct_platform_daily where date >= ? and date < ?
        )
    where last.date = (
        select max(date) from marts.fct_platform_daily where date >= ? and date < ?
    )
"""

WORKSPACES_SQL = """
    select workspace_id, workspace_name, plan_name, workspace_status, country, region
    from marts.dim_workspaces
"""


def collect(
    con: duckdb.DuckDBPyConnection, period: Period, *, workspaces: bool = True,
    platform: bool = False,
) -> dict[str | None, Figures]:
    """The figures of every workspace active in the period (calls, usage or an invoice)
    and, with `platform`, of the whole platform (key None)."""
    scopes = ([True] if workspaces else []) + ([False] if platform else [])
    figures: dict[str | None, Figures] = {}

    def get(workspace_id: str | None) -> Figures:
        if workspace_id not in figures:
            figures[workspace_id] = Figures(workspace_id, period)
        return figures[workspace_id]

    if platform:
        get(PLATFORM)
    for by_workspace in scopes:
        for workspace_id, day, calls, completed, failed, minutes, cost, revenue in _analytics(
            con, period, by_workspace
        ):
            target = get(workspace_id)
            if day is None:
                target.calls_total, target.calls_completed, target.calls_failed = (
                    calls, completed, failed)
                target.minutes, target.provider_cost, target.revenue = minutes, cost, revenue
            else:
                target.days.append(DayFigures(day, calls, cost, revenue))
        for workspace_id, dimension, value, calls, seconds, timed, longest, shortest in _calls(
            con, period, by_workspace
        ):
            target = get(workspace_id)
            if dimension == "all":
                target.calls_in_fct_calls, target.duration_seconds = calls, Decimal(seconds)
                target.calls_with_duration = timed
                target.longest_call_seconds, target.shortest_call_seconds = longest, shortest
            elif dimension == "status":
                target.by_status[value] = calls
            elif dimension == "direction":
                target.by_direction[value] = calls
            elif value is not None:
                target.sentiment[value] = calls
        for workspace_id, hour, calls in _hours(con, period, by_workspace):
            get(workspace_id).calls_by_hour[hour] = int(calls)
        for workspace_id, resource_type, provider, name, unit, quantity, cost, events in _usage(
            con, period, by_workspace
        ):
            usage = UsageFigures(resource_type, provider, name, unit, quantity, cost, events)
            target = get(workspace_id)
            if resource_type is None:
                usage.quantity = None  # quantities of different units do not add up
                target.usage_by_provider.append(usage)
            elif provider is None:
                target.usage_by_resource_type.append(usage)
            else:
                target.usage.append(usage)

    dates = [period.start, period.end]
    for row in con.execute(AGENTS_SQL, dates + _timestamps(period) * 2).fetchall():
        agent = AgentFigures(*row)
        if workspaces:
            get(agent.workspace_id).agents.append(agent)
        if platform:
            get(PLATFORM).agents.append(agent)
    if workspaces:
        for workspace_id, *values in con.execute(INVOICES_SQL, dates).fetchall():
            get(workspace_id).invoices.append(InvoiceFigures(*values))
    for workspace_id, resource_type, amount in con.execute(BILLED_USAGE_SQL, dates).fetchall():
        if workspace_id in figures:
            figures[workspace_id].billed_by_resource_type[resource_type] = amount
    if platform:
        figures[PLATFORM].provider_margins = [
            ProviderMargin(*row) for row in con.execute(PROVIDER_MARGINS_SQL, dates).fetchall()
        ]
        state = con.execute(PLATFORM_SQL, dates * 2).fetchone()
        figures[PLATFORM].platform = PlatformState(*state) if state else None

    for workspace_id, *details in con.execute(WORKSPACES_SQL).fetchall():
        if workspace_id in figures:
            target = figures[workspace_id]
            (target.workspace_name, target.plan_name, target.workspace_status, target.country,
             target.region) = details
    return figures


def workspace_figures(figures: dict[str | None, Figures]) -> Iterable[Figures]:
    """The workspaces' figures in workspace_id order (the platform left out)."""
    return [figures[key] for key in sorted(k for k in figures if k is not PLATFORM)]
