"""Workspaces and their agents, built in Python from keyed hashes: Zipf-like sizes, plans,
settings, and a timeline of changes inside the window (plan changes, creations,
suspensions, cancellations; agents paused or archived)."""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from dagster_project.lib.generate.config import GenerateConfig
from dagster_project.lib.generate.randomness import pick, unit
from dagster_project.lib.generate.reference import Reference
from dagster_project.lib.generate.timestamps import iso_text, moment_in_day
from dagster_project.lib.generate.window import Window

if TYPE_CHECKING:
    from dagster_project.lib.generate.sql import Database

_EXTRA_REGIONS = {"US": "FL", "CA": "BC"}  # regions with no tax row of their own
_NAME_FIRST = ("Acme", "Bright", "Blue Fin", "Northwind", "Summit", "Cedar", "Harbor",
               "Nova", "Pioneer", "Silver", "Evergreen", "Maple", "Quantum", "Apex",
               "Lumen", "Atlas", "O'Neill", "Zürich", "Orbit", "Willow")
_NAME_SECOND = ("Dental", "Realty", "Logistics", "Health", "Insurance", "Motors", "Travel",
                "Legal", "Clinics", "Energy", "Foods", "Telecom", "Finance", "Homes",
                "Fitness", "Labs")
_NAME_SUFFIX = ("", "", " Inc", " LLC", " GmbH", " Ltd", ", Inc.", " & Sons")
_AGENT_NAMES = ("Receptionist", "Sales Assistant", "Support Agent", "Appointment Setter",
                "After-hours Line", "Collections", "Survey Bot", "Onboarding Guide",
                "Order Desk", "Callback Agent")
_UPGRADE = {"free": "pro", "pro": "business", "business": "enterprise"}
_DOWNGRADE = {"enterprise": "business", "business": "pro", "pro": "free"}
_USAGE_LIMITS = ("100", "250", "500", "1000", "2500", "10000")
_ALERT_THRESHOLDS = ("50", "75", "90")
_MARKUPS = ("10", "15", "25", "30", "35.5")

# A draw of one workspace (or agent): label -> a number in [0, 1).
Draw = Callable[..., float]


@dataclass
class History:
    """A workspace or an agent: its full state after each change, in time order."""

    key: str
    created_at: datetime
    instants: list[datetime]
    states: list[dict[str, str | None]]

    def change(self, at: datetime, **values: str | None) -> None:
        state = dict(self.states[-1])
        state.update(values)
        self.instants.append(at)
        self.states.append(state)

    def state_at(self, at: datetime) -> dict[str, str | None]:
        return self.states[max(0, bisect_right(self.instants, at) - 1)]


@dataclass
class Workspace:
    index: int
    weight: float          # its share of the events (Zipf-like in its size rank)
    core_agents: int       # agents 1..core_agents take its calls
    history: History
    agents: list[History]


def workspace_id_width(config: GenerateConfig) -> int:
    return max(4, len(str(config.workspaces)))


def is_active(workspace: Workspace, day_start: datetime) -> bool:
    """Usage-producing on this day: created before it, active all day long."""
    day_end = day_start + timedelta(days=1)
    history = workspace.history
    if history.created_at >= day_start:
        return False
    if history.state_at(day_start)["status"] != "active":
        return False
    return all(
        state["status"] == "active"
        for at, state in zip(history.instants, history.states, strict=True)
        if day_start <= at < day_end
    )


class _DayPicker:
    """Draws distinct days from a list, each after a given day."""

    def __init__(self, free_days: list[int], draw: Draw):
        self.free_days = free_days
        self.draw = draw

    def __call__(self, label: str, after: int) -> int | None:
        candidates = [day for day in self.free_days if day > after]
        if not candidates:
            return None
        chosen = candidates[int(self.draw(label) * len(candidates))]
        self.free_days.remove(chosen)
        return chosen

    def claim(self, day: int) -> bool:
        """Take this very day, if it is still free."""
        if day not in self.free_days:
            return False
        self.free_days.remove(day)
        return True


@dataclass(frozen=True)
class _Builder:
    """What every workspace of a generation is built from."""

    seed: int
    count: int
    window: Window
    reference: Reference
    id_width: int
    rank: dict[int, int]      # workspace index -> size rank (1 = largest)

    def plan_for(self, index: int) -> str:
        plans = set(self.reference.plans)
        rank = self.rank[index]
        forced = {1: "enterprise", 2: "business", 3: "pro"}.get(rank)
        if forced in plans:
            return forced
        score = (rank - 1) / self.count + 0.1 * (unit(self.seed, "plan", index) - 0.5)
        for plan, limit in (("enterprise", 0.03), ("business", 0.15), ("pro", 0.5)):
            if score < limit and plan in plans:
                return plan
        return "free" if "free" in plans else self.reference.plans[0]


def build_workspaces(config: GenerateConfig, reference: Reference, window: Window,
                     id_width: int) -> list[Workspace]:
    seed, count = config.seed, config.workspaces
    by_size = sorted(range(1, count + 1), key=lambda index: (unit(seed, "rank", index), index))
    rank = {index: position + 1 for position, index in enumerate(by_size)}
    builder = _Builder(seed, count, window, reference, id_width, rank)
    return [_build_workspace(builder, index) for index in range(1, count + 1)]


def _build_workspace(builder: _Builder, index: int) -> Workspace:
    rank = builder.rank[index]
    draw = partial(unit, builder.seed, "ws", index)
    days = builder.window.days
    # The three largest workspaces (all of them in a window under 3 days) exist before
    # the window and keep their plan and status.
    protected = rank <= 3 or days < 3
    history, created_day = _created(builder, index, draw, protected)
    cancelled = _draw_changes(builder, history, draw, created_day, protected)
    size_quantile = (rank - 1) / builder.count
    core = 1 + (3 + int(draw("agents") * 3) if size_quantile < 0.05
                else 1 + int(draw("agents") * 2) if size_quantile < 0.3
                else int(draw("agents") * 2))
    cancelled_at = history.instants[-1] if cancelled else None
    agents = _build_agents(builder, index, history, created_day, core, cancelled_at, draw)
    return Workspace(index, 1.0 / rank**1.1, core, history, agents)


def _region(reference: Reference, country: str, draw: Draw) -> str | None:
    if not reference.regions.get(country):
        return None
    regions = reference.regions[country]
    choices = [(region, 70.0 / len(regions)) for region in regions]
    if country in _EXTRA_REGIONS:
        choices.append((_EXTRA_REGIONS[country], 15.0))
    choices.append(("", 15.0))
    return str(pick(draw("region"), choices)) or None


def _spending_settings(draw: Draw) -> dict[str, str | None]:
    """The spending settings: a usage limit, an alert threshold, auto-pause, a markup."""
    limit = None
    if draw("limit") < 0.3:
        limit = _USAGE_LIMITS[int(draw("limit_v") * len(_USAGE_LIMITS))]
    alert = None
    if limit and draw("alert") < 0.4:
        alert = _ALERT_THRESHOLDS[int(draw("alert_v") * len(_ALERT_THRESHOLDS))]
    auto_pause = "true" if limit and draw("pause") < 0.4 else "false"
    markup = None
    if draw("markup") < 0.08:
        markup = _MARKUPS[int(draw("markup_v") * len(_MARKUPS))]
    return {"markup_percentage": markup, "usage_limit_monthly": limit,
            "alert_threshold_percentage": alert, "auto_pause_on_limit": auto_pause}


def _created(builder: _Builder, index: int, draw: Draw,
             protected: bool) -> tuple[History, int]:
    """The workspace as created, and its creation day (-1: before the window)."""
    window = builder.window
    # Created long before the window (most), or on a day inside it.
    if protected or draw("created") < 0.8:
        created = window.start - timedelta(days=30 + int(draw("age") * 700))
        created = moment_in_day(created, draw("created_t"))
        created_day = -1
    else:
        created_day = 1 + int(draw("created_d") * (window.days - 2))
        created = moment_in_day(window.day_start(created_day), draw("created_t"))
    workspace_id = f"ws_{index:0{builder.id_width}d}"
    first = _NAME_FIRST[int(draw("n1") * len(_NAME_FIRST))]
    second = _NAME_SECOND[int(draw("n2") * len(_NAME_SECOND))]
    name = f"{first} {second}{_NAME_SUFFIX[int(draw('n3') * len(_NAME_SUFFIX))]}"
    slug = unicodedata.normalize("NFKD", f"{first}{second}").encode("ascii", "ignore")
    slug_text = "".join(char for char in slug.decode().lower() if char.isalnum())
    country = str(pick(draw("country"), builder.reference.countries))
    state: dict[str, str | None] = {
        "workspace_id": workspace_id, "name": name, "status": "active",
        "plan_id": builder.plan_for(index),
        "billing_email": f"billing@{slug_text}-{index}.example", "country": country,
        "region": _region(builder.reference, country, draw),
        "created_at": iso_text(created, draw("fmt_c"), draw("off_c")), "cancelled_at": None,
    }
    state.update(_spending_settings(draw))
    return History(workspace_id, created, [created], [state]), created_day


def _draw_changes(builder: _Builder, history: History, draw: Draw, created_day: int,
                  protected: bool) -> bool:
    """Changes inside the window, on distinct days after the creation day, in time order:
    a plan change, a raised limit, then a cancellation or a suspension (and resumption).
    Whether the workspace was cancelled."""
    changes = _Changes(builder, history, draw, created_day)
    if not protected:
        changes.plan_change()
    changes.limit_change()
    cancelled = not protected and changes.cancellation()
    if not protected and not cancelled:
        changes.suspension()
    # Keep instants ordered (changes were drawn on increasing days).
    assert history.instants == sorted(history.instants)
    return cancelled


class _Changes:
    """The changes of one workspace, each on a free day after the previous change."""

    def __init__(self, builder: _Builder, history: History, draw: Draw, created_day: int):
        self.builder = builder
        self.window = builder.window
        self.history = history
        self.draw = draw
        self.take_day = _DayPicker(list(range(max(created_day + 1, 1), self.window.days)), draw)
        self.last_change = created_day
        self.plan = history.states[0]["plan_id"]
        self.limit = history.states[0]["usage_limit_monthly"]

    def change_on(self, day: int, label: str, **values: str | None) -> None:
        self.history.change(moment_in_day(self.window.day_start(day), self.draw(label)),
                            **values)

    def plan_change(self) -> None:
        if self.draw("plan_change") >= 0.15:
            return
        day = self.take_day("plan_change_d", self.last_change)
        if day is None:
            return
        upgrade = self.draw("upgrade") < 0.75 or self.plan == "free"
        new_plan = (_UPGRADE if upgrade else _DOWNGRADE).get(self.plan, self.plan)
        if new_plan in self.builder.reference.plans and new_plan != self.plan:
            self.change_on(day, "plan_change_t", plan_id=new_plan)
            self.last_change = day

    def limit_change(self) -> None:
        if not self.limit or self.draw("limit_change") >= 0.1:
            return
        day = self.take_day("limit_change_d", self.last_change)
        if day is not None:
            self.change_on(day, "limit_change_t", usage_limit_monthly=str(int(self.limit) * 2))
            self.last_change = day

    def cancellation(self) -> bool:
        if self.history.states[-1]["plan_id"] == "enterprise" or self.draw("cancel") >= 0.08:
            return False
        day = self.take_day("cancel_d", self.last_change)
        if day is None:
            return False
        at = moment_in_day(self.window.day_start(day), self.draw("cancel_t"))
        self.history.change(at, status="cancelled",
                            cancelled_at=iso_text(at, self.draw("fmt_x"), self.draw("off_x")))
        return True

    def suspension(self) -> None:
        """Suspended, then active again 1 to 3 days later (if that day is inside the
        window and free)."""
        if self.draw("suspend") >= 0.04:
            return
        day = self.take_day("suspend_d", self.last_change)
        if day is None:
            return
        self.change_on(day, "suspend_t", status="suspended")
        resumed = day + 1 + int(self.draw("resume_after") * 3)
        if resumed < self.window.days and self.take_day.claim(resumed):
            self.change_on(resumed, "resume_t", status="active")


def _build_agents(builder: _Builder, index: int, workspace: History, created_day: int,
                  core: int, cancelled_at: datetime | None, draw: Draw) -> list[History]:
    """The core agents (created with the workspace), then extra ones created later; all
    archived when the workspace is cancelled."""
    extra = int(draw("extra_agents") * 3) if draw("has_extra") < 0.3 else 0
    agents: list[History] = []
    for number in range(1, core + extra + 1):
        agent = _build_agent(builder, index, workspace, created_day, number, core,
                             cancelled_at)
        if agent is not None:
            agents.append(agent)
    return agents


def _build_agent(builder: _Builder, index: int, workspace: History, created_day: int,
                 number: int, core: int, cancelled_at: datetime | None) -> History | None:
    window = builder.window
    draw = partial(unit, builder.seed, "agent", index, number)
    agent_id = f"ag_{index:0{builder.id_width}d}_{number:02d}"
    name = _AGENT_NAMES[(index + number) % len(_AGENT_NAMES)]
    if number > len(_AGENT_NAMES):
        name = f"{name} {number // len(_AGENT_NAMES) + 1}"
    if number <= core:
        born = workspace.created_at + timedelta(minutes=5 * number)
    else:
        first_day = max(created_day + 1, 1)
        if first_day >= window.days:
            return None
        born_day = first_day + int(draw("born_d") * (window.days - first_day))
        born = moment_in_day(window.day_start(born_day), draw("born_t"))
        if cancelled_at is not None and born >= cancelled_at:
            return None
    agent = History(agent_id, born, [born], [{
        "agent_id": agent_id, "workspace_id": workspace.key, "name": name, "status": "live",
    }])
    # A non-core agent, or the second core agent, sometimes paused or archived.
    if (number > core or number == 2) and draw("change") < 0.3:
        earliest = max(born, window.start) + timedelta(hours=1)
        if earliest < window.stop:
            at = earliest + timedelta(
                seconds=int(draw("change_t") * (window.stop - earliest).total_seconds()))
            if cancelled_at is None or at < cancelled_at:
                status = "paused" if draw("change_kind") < 0.6 else "archived"
                agent.change(at.replace(microsecond=0), status=status)
    if cancelled_at is not None and agent.states[-1]["status"] != "archived":
        agent.change(cancelled_at + timedelta(seconds=1), status="archived")
    return agent


# ---- the workspace an event belongs to (SQL side)


@dataclass(frozen=True)
class DailyWorkspaces:
    active: list[int]         # per day: the number of active workspaces
    bucket_counts: list[int]  # per day: the buckets events draw their workspace from


def load_workspace_buckets(db: Database, workspaces: list[Workspace], window: Window,
                           seed: int) -> DailyWorkspaces:
    """workspace_buckets(source_day, bucket) -> workspace: buckets [0, bucket_count) in
    proportion to the day's weights (Zipf-like; at least one bucket per active
    workspace), then one bucket per active workspace (bucket_count + n, largest first)
    for the daily storage rows."""
    ranges = []
    active_counts, bucket_counts = [], []
    for day in range(window.days):
        day_start = window.day_start(day)
        active = [workspace for workspace in workspaces if is_active(workspace, day_start)]
        weights = [workspace.weight * (0.75 + 0.5 * unit(seed, "wsday", workspace.index, day))
                   for workspace in active]
        weighted_buckets = min(1 << 22, max(4096, 16 * len(active)))
        total_weight = sum(weights)
        next_bucket = 0
        for workspace, weight in zip(active, weights, strict=True):
            count = 1 + int(weight / total_weight * (weighted_buckets - len(active)))
            ranges.append((day, next_bucket, count, workspace.index, workspace.core_agents))
            next_bucket += count
        largest_first = sorted(zip(active, weights, strict=True),
                               key=lambda pair: (-pair[1], pair[0].index))
        for number, (workspace, _weight) in enumerate(largest_first):
            ranges.append((day, next_bucket + number, 1, workspace.index, workspace.core_agents))
        active_counts.append(len(active))
        bucket_counts.append(next_bucket)
    header = ("source_day", "first_bucket", "bucket_count", "workspace_index", "core_agents")
    db.load_table("workspace_bucket_ranges", header, ranges, dict.fromkeys(header, "BIGINT"))
    db.execute(
        "create or replace table workspace_buckets as select source_day, "
        "unnest(range(first_bucket, first_bucket + bucket_count)) as bucket, workspace_index, "
        "core_agents from workspace_bucket_ranges"
    )
    return DailyWorkspaces(active_counts, bucket_counts)
