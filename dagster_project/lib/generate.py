"""Deterministic sample landing data (contract `BILLING.md` 1.1 and 1.2).

`generate(GenerateConfig(...))` writes every landing source under `landing_dir`, one
sub-folder per day (`usage_records/2026-10-03/part-0001.jsonl`), rotating through the
configured formats file by file. The same config always produces byte-identical files.

How it stays deterministic and streams at any volume:

* Every pseudo-random value of an event is derived from `hash(hash(row index, day,
  seed, salt))` in DuckDB (a pure function, whatever the thread count), never from
  `random()`. Row order is fixed by an `ORDER BY` on (delivery kind, source day, row
  index), and numbers are computed exactly (integer arithmetic for the row selection,
  decimals for money) or rounded to decimal text before they are written.
* Usage events, gateway requests and calls are generated set-based, one `COPY (...) TO`
  per part file from `range()`; Python loops over days and files only, so memory does
  not grow with the volume (DuckDB's `memory_limit` applies, sorts spill to a
  temporary folder).
* The small reference tables (workspaces, agents and their snapshot timelines) are
  built in Python from a keyed hash (blake2b), also deterministic.

Realism: Zipf-like workspace sizes (a few workspaces produce most events), an hourly
rhythm (business hours busier) and a weekly one (weekends quieter), plan changes,
workspaces created, suspended and cancelled inside the window, several agents per
workspace, call-linked usage (call_minutes, transcription, synthesis refer to a call of
`calls/` of the same workspace), daily storage per active workspace, LLM tokens, and
timestamps with `Z`, with an offset, and without offset.

Bad input (a `bad_row_rate` share of usage, gateway and call rows, evenly spread; the
kinds rotate per format class - JSONL files through every kind, CSV/Parquet files
through all but invalid_json - so each appears once the volume allows; the exact
values are listed in `BAD_ROW_VALUES`), re-deliveries (`duplicate_rate`, in a file of
a later day), late deliveries (`late_rate` of usage rows, written 1-5 days after their
day) and one unparseable file (`usage_records/<middle day>/part-NNNN.parquet`, garbage bytes).

Files are written under a hidden temporary name in the target folder and renamed, so a
reader never sees half a file; a file whose bytes would not change is left untouched
(same mtime), so re-running the same config re-delivers nothing.
"""

from __future__ import annotations

import csv
import filecmp
import hashlib
import math
import os
import shutil
import tempfile
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"

SOURCE_NAMES = ("workspaces", "agents", "usage_records", "gateway_requests", "calls")
FORMAT_SUFFIX = {"jsonl": ".jsonl", "csv": ".csv", "parquet": ".parquet"}
# Offsets into the format rotation, so that small sources still see every format.
_FORMAT_OFFSET = {
    "workspaces": 0, "agents": 1, "usage_records": 0, "gateway_requests": 1, "calls": 2,
}

# Bad-row kinds per source, in rotation order (`kind = (running bad-row number) % len`).
USAGE_BAD_KINDS = (
    "missing_value", "negative_quantity", "unknown_resource_type", "invalid_timestamp",
    "invalid_number", "unknown_workspace", "no_rate", "future_timestamp", "invalid_json",
)
GATEWAY_BAD_KINDS = (
    "missing_value", "negative_quantity", "invalid_number", "invalid_timestamp",
    "unknown_workspace", "no_rate", "future_timestamp", "invalid_json",
)
CALL_BAD_KINDS = (
    "missing_value", "invalid_timestamp", "invalid_number", "negative_quantity",
    "unknown_workspace", "future_timestamp", "invalid_json",
)

# The exact values of the bad rows, for the ingestion side to assert on. `v` is the
# bad row's rotation round (running bad-row number // number of kinds); `<date>` and
# `<time>` are the row's own occurred_at / started_at.
BAD_ROW_VALUES = {
    "missing_value": "usage: workspace_id, provider, quantity or occurred_at empty (v % 4); "
    "gateway: organization_id, model, input_tokens or occurred_at empty (v % 4); "
    "calls: workspace_id or started_at empty (v % 2)",
    "negative_quantity": "usage: quantity '-<1..50>.5'; gateway: input_tokens "
    "'-<tokens>'; calls: duration_seconds '-<seconds + 1>'",
    "unknown_resource_type": "usage: resource_type 'video_minutes'",
    "invalid_timestamp": "occurred_at / started_at '<date>T25:61:00Z' (v even) or "
    "'DD/MM/YYYY HH:MM' (v odd)",
    "invalid_number": "usage: quantity '12,5' (v even) or 'abc' (v odd); gateway: "
    "input_tokens '12,5' / 'abc'; calls: duration_seconds '12,5' (v even) or latency_ms "
    "'abc' (v odd)",
    "unknown_workspace": "workspace_id / organization_id 'ws_unknown_NNN' (never in "
    "workspaces/)",
    "no_rate": "usage: provider 'vonage', resource_type 'call_minutes', model and "
    "unit_cost empty; gateway: provider 'mistral', model 'mistral-large', actual_cost "
    "empty",
    "future_timestamp": "occurred_at / started_at = end_date + 30 days + the row's time "
    "of day (UTC, 'Z')",
    "invalid_json": "JSONL only: the first half of the row's JSON line (no closing "
    "brace); CSV and Parquet files cycle through the other kinds",
}
assert all(kinds[-1] == "invalid_json"
           for kinds in (USAGE_BAD_KINDS, GATEWAY_BAD_KINDS, CALL_BAD_KINDS))
UNKNOWN_WORKSPACE_PREFIX = "ws_unknown_"
NO_RATE_USAGE = ("vonage", "call_minutes")
NO_RATE_GATEWAY = ("mistral", "mistral-large")
UNKNOWN_RESOURCE_TYPE = "video_minutes"
FUTURE_DAYS = 30
LATE_MAX_DAYS = 5   # a late usage row arrives 1..5 days after its day
DUP_MAX_DAYS = 3    # a duplicate is re-delivered 1..3 days after its first delivery

_U20 = 1 << 20
_TIME_BUCKETS = 4096
_PRODUCT_BUCKETS = 1000
# Share of events per resource type (storage is extra: one row per active workspace/day).
_RESOURCE_MIX = {
    "call_minutes": 0.24, "transcription": 0.22, "synthesis": 0.24, "llm_tokens": 0.20,
    "api_calls": 0.10,
}
_CALL_LINKED = {"call_minutes": 2, "transcription": 2, "synthesis": 2, "llm_tokens": 1}
# UTC hour weights: European afternoon and American morning overlap at 13-17 UTC.
_WEEKDAY_HOURS = (
    0.25, 0.2, 0.2, 0.2, 0.25, 0.3, 0.45, 0.7, 1.0, 1.3, 1.4, 1.4,
    1.3, 1.6, 1.7, 1.7, 1.6, 1.5, 1.2, 1.0, 0.8, 0.6, 0.45, 0.3,
)
_WEEKEND_HOURS = (
    0.3, 0.25, 0.25, 0.25, 0.3, 0.35, 0.45, 0.55, 0.7, 0.8, 0.85, 0.85,
    0.85, 0.9, 0.9, 0.9, 0.85, 0.8, 0.7, 0.65, 0.55, 0.45, 0.4, 0.35,
)
_OFFSETS = (("+02:00", 120), ("-05:00", -300), ("+05:30", 330), ("+09:00", 540),
            ("-08:00", -480), ("+01:00", 60))
_INTENTS = ("billing_question", "book_appointment", "reschedule", "cancel_subscription",
            "order_status", "technical_support", "sales_inquiry", "other")
_COUNTRY_WEIGHTS = {"US": 30, "CA": 8, "GB": 10, "DE": 9, "FR": 6, "NL": 4, "ES": 4,
                    "IE": 2, "AU": 5, "JP": 3, "IN": 5, "BR": 4, "SG": 3}
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


@dataclass(frozen=True)
class GenerateConfig:
    landing_dir: Path
    seed: int = 42
    workspaces: int = 50
    days: int = 90
    end_date: date | None = None          # last day generated (inclusive); None = today (UTC)
    usage_events_per_day: int = 20_000
    calls_per_day: int = 2_000
    gateway_requests_per_day: int = 5_000
    formats: tuple[str, ...] = ("jsonl", "csv", "parquet")   # the mix; files rotate through it
    bad_row_rate: float = 0.002          # share of rows turned into bad rows
    duplicate_rate: float = 0.003        # share of rows delivered a second time in a later file
    late_rate: float = 0.002             # share of usage rows delivered in a file of a later day
    rows_per_file: int = 5_000_000       # split a day into part files beyond this
    memory_limit: str = "2GB"            # DuckDB memory_limit for generation
    threads: int | None = None


@dataclass(frozen=True)
class GenerateSummary:
    files: dict[str, int]          # source -> files written
    rows: dict[str, int]           # source -> rows written (including duplicates and bad rows)
    bad_rows: dict[str, int]       # source -> bad rows written
    duplicate_rows: dict[str, int] # source -> re-delivered duplicate rows written


# --------------------------------------------------------------------------- helpers


def _unit(seed: int, *key: object) -> float:
    """A uniform number in [0, 1) from a keyed hash: stable across runs and platforms."""
    digest = hashlib.blake2b(repr((seed, *key)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def _pick(u: float, weighted: Sequence[tuple[object, float]]) -> object:
    total = sum(w for _, w in weighted)
    acc = 0.0
    for value, weight in weighted:
        acc += weight / total
        if u < acc:
            return value
    return weighted[-1][0]


def _allocate(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` in proportion to the weights (largest remainder: the sum is exact)."""
    weight = sum(weights)
    raw = [total * f / weight for f in weights]
    counts = [math.floor(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda k: (counts[k] - raw[k], k))
    for k in order[: total - sum(counts)]:
        counts[k] += 1
    return counts


def _spread(per_day: int, factors: Sequence[float]) -> list[int]:
    """per_day * days rows over the days, in proportion to the day factors."""
    return _allocate(per_day * len(factors), factors)


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _iso(moment: datetime, u: float, v: float) -> str:
    """ISO-8601 text of a UTC instant, in one of the shapes producers send."""
    if u < 0.70:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if u < 0.80:
        label, minutes = _OFFSETS[int(v * len(_OFFSETS))]
        return (moment + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S") + label
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _read_seed(name: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


# ----------------------------------------------------------------- reference data


@dataclass(frozen=True)
class _Reference:
    plans: tuple[str, ...]
    usage_products: list[dict[str, object]]    # resource_type, provider, model, rate, linked
    storage_product: dict[str, object] | None
    gateway_products: list[dict[str, object]]  # provider, model, rate
    voice_providers: tuple[str, ...]
    countries: list[tuple[str, float]]
    regions: dict[str, tuple[str, ...]]


def _load_reference(end: date) -> _Reference:
    plans = tuple(row["plan_id"] for row in _read_seed("plans.csv"))
    metrics = {row["resource_type"] for row in _read_seed("metrics.csv")}
    current: dict[tuple[str, str, str], str] = {}
    for row in _read_seed("provider_rates.csv"):
        start = date.fromisoformat(row["effective_from"])
        stop = date.fromisoformat(row["effective_to"]) if row["effective_to"] else None
        key = (row["resource_type"], row["provider"], row["model"])
        if row["resource_type"] in metrics and start <= end and (stop is None or end < stop):
            current[key] = row["unit_cost"]
        elif key not in current:  # not effective at the end date: still a known pair
            current.setdefault(key, row["unit_cost"])
    usage_products = [
        {"resource_type": rt, "provider": p, "model": m or None, "rate": rate,
         "linked": _CALL_LINKED.get(rt, 0)}
        for (rt, p, m), rate in sorted(current.items()) if rt in _RESOURCE_MIX
    ]
    storage = [
        {"resource_type": rt, "provider": p, "model": m or None, "rate": rate, "linked": 0}
        for (rt, p, m), rate in sorted(current.items()) if rt == "storage"
    ]
    gateway_products = [
        {"provider": p, "model": m, "rate": rate}
        for (rt, p, m), rate in sorted(current.items()) if rt == "llm_tokens" and m
    ]
    voice = tuple(sorted({p for (rt, p, _m) in current if rt == "call_minutes"})) or ("twilio",)
    regions: dict[str, set[str]] = {}
    for row in _read_seed("tax_rates.csv"):
        regions.setdefault(row["country"], set())
        if row["region"]:
            regions[row["country"]].add(row["region"])
    countries = [(c, float(_COUNTRY_WEIGHTS.get(c, 3))) for c in sorted(regions)]
    countries += [("BR", 4.0), ("SG", 3.0)]  # no tax row: 0 %
    return _Reference(
        plans=plans,
        usage_products=usage_products,
        storage_product=storage[0] if storage else None,
        gateway_products=gateway_products,
        voice_providers=voice,
        countries=countries,
        regions={c: tuple(sorted(r)) for c, r in regions.items()},
    )


# ------------------------------------------------------- workspaces and agents (Python)


@dataclass
class _Entity:
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
class _Workspace:
    idx: int
    weight: float
    core_agents: int
    entity: _Entity
    agents: list[_Entity]


def _moment(day_start: datetime, u: float) -> datetime:
    """An instant inside the day, away from midnight (whole seconds)."""
    return day_start + timedelta(seconds=600 + int(u * (86400 - 1200)))


def _build_workspaces(
    cfg: GenerateConfig, ref: _Reference, start: datetime, width: int
) -> list[_Workspace]:
    seed, n, days = cfg.seed, cfg.workspaces, cfg.days
    order = sorted(range(1, n + 1), key=lambda i: (_unit(seed, "rank", i), i))
    rank = {idx: position + 1 for position, idx in enumerate(order)}
    plans = set(ref.plans)

    def plan_for(idx: int) -> str:
        r = rank[idx]
        forced = {1: "enterprise", 2: "business", 3: "pro"}.get(r)
        if forced in plans:
            return forced
        score = (r - 1) / n + 0.1 * (_unit(seed, "plan", idx) - 0.5)
        for plan, limit in (("enterprise", 0.03), ("business", 0.15), ("pro", 0.5)):
            if score < limit and plan in plans:
                return plan
        return "free" if "free" in plans else ref.plans[0]

    def day_start(d: int) -> datetime:
        return start + timedelta(days=d)

    workspaces: list[_Workspace] = []
    for idx in range(1, n + 1):
        r = rank[idx]
        u = lambda *k, idx=idx: _unit(seed, "ws", idx, *k)  # noqa: E731
        workspace_id = f"ws_{idx:0{width}d}"
        first = _NAME_FIRST[int(u("n1") * len(_NAME_FIRST))]
        second = _NAME_SECOND[int(u("n2") * len(_NAME_SECOND))]
        name = f"{first} {second}{_NAME_SUFFIX[int(u('n3') * len(_NAME_SUFFIX))]}"
        slug = unicodedata.normalize("NFKD", f"{first}{second}").encode("ascii", "ignore")
        slug_text = "".join(ch for ch in slug.decode().lower() if ch.isalnum())
        country = str(_pick(u("country"), ref.countries))
        region = None
        if ref.regions.get(country):
            choices = [(reg, 70.0 / len(ref.regions[country])) for reg in ref.regions[country]]
            if country in _EXTRA_REGIONS:
                choices.append((_EXTRA_REGIONS[country], 15.0))
            choices.append(("", 15.0))
            region = str(_pick(u("region"), choices)) or None
        # Created long before the window (most), or on a day inside it.
        protected = r <= 3 or days < 3
        if protected or u("created") < 0.8:
            created = start - timedelta(days=30 + int(u("age") * 700))
            created = _moment(created, u("created_t"))
            created_day = -1
        else:
            created_day = 1 + int(u("created_d") * (days - 2))
            created = _moment(day_start(created_day), u("created_t"))
        limit = None
        if u("limit") < 0.3:
            limit = ("100", "250", "500", "1000", "2500", "10000")[int(u("limit_v") * 6)]
        alert = None
        if limit and u("alert") < 0.4:
            alert = ("50", "75", "90")[int(u("alert_v") * 3)]
        auto_pause = "true" if limit and u("pause") < 0.4 else "false"
        markup = None
        if u("markup") < 0.08:
            markup = ("10", "15", "25", "30", "35.5")[int(u("markup_v") * 5)]
        plan = plan_for(idx)
        state: dict[str, str | None] = {
            "workspace_id": workspace_id, "name": name, "status": "active", "plan_id": plan,
            "billing_email": f"billing@{slug_text}-{idx}.example", "country": country,
            "region": region, "created_at": _iso(created, u("fmt_c"), u("off_c")),
            "cancelled_at": None, "markup_percentage": markup, "usage_limit_monthly": limit,
            "alert_threshold_percentage": alert, "auto_pause_on_limit": auto_pause,
        }
        entity = _Entity(workspace_id, created, [created], [state])

        # Changes inside the window, on distinct days after the creation day.
        free_days = list(range(max(created_day + 1, 1), days))
        take_day = _DayPicker(free_days, lambda label, idx=idx: _unit(seed, "ws", idx, label))

        last_change = created_day
        if not protected and u("plan_change") < 0.15:
            d = take_day("plan_change_d", last_change)
            if d is not None:
                up = u("upgrade") < 0.75 or plan == "free"
                new_plan = (_UPGRADE if up else _DOWNGRADE).get(plan, plan)
                if new_plan in plans and new_plan != plan:
                    entity.change(_moment(day_start(d), u("plan_change_t")), plan_id=new_plan)
                    last_change = d
        if limit and u("limit_change") < 0.1:
            d = take_day("limit_change_d", last_change)
            if d is not None:
                raised = str(int(limit) * 2)
                entity.change(_moment(day_start(d), u("limit_change_t")),
                              usage_limit_monthly=raised)
                last_change = d
        cancelled = False
        if not protected and entity.states[-1]["plan_id"] != "enterprise" \
                and u("cancel") < 0.08:
            d = take_day("cancel_d", last_change)
            if d is not None:
                at = _moment(day_start(d), u("cancel_t"))
                entity.change(at, status="cancelled",
                              cancelled_at=_iso(at, u("fmt_x"), u("off_x")))
                cancelled = True
        if not protected and not cancelled and u("suspend") < 0.04:
            d = take_day("suspend_d", last_change)
            if d is not None:
                entity.change(_moment(day_start(d), u("suspend_t")), status="suspended")
                back = d + 1 + int(u("resume_after") * 3)
                if back < days and back in free_days:
                    free_days.remove(back)
                    entity.change(_moment(day_start(back), u("resume_t")), status="active")
        # Keep instants ordered (changes were drawn on increasing days).
        assert entity.instants == sorted(entity.instants)

        quantile = (r - 1) / n
        core = 1 + (3 + int(u("agents") * 3) if quantile < 0.05
                    else 1 + int(u("agents") * 2) if quantile < 0.3
                    else int(u("agents") * 2))
        extra = int(u("extra_agents") * 3) if u("has_extra") < 0.3 else 0
        agents: list[_Entity] = []
        cancel_at = entity.instants[-1] if cancelled else None
        for a in range(1, core + extra + 1):
            ua = lambda *k, a=a, idx=idx: _unit(seed, "agent", idx, a, *k)  # noqa: E731
            agent_id = f"ag_{idx:0{width}d}_{a:02d}"
            name = _AGENT_NAMES[(idx + a) % len(_AGENT_NAMES)]
            if a > len(_AGENT_NAMES):
                name = f"{name} {a // len(_AGENT_NAMES) + 1}"
            if a <= core:
                born = created + timedelta(minutes=5 * a)
            else:
                lo = max(created_day + 1, 1)
                if lo >= days:
                    continue
                born_day = lo + int(ua("born_d") * (days - lo))
                born = _moment(day_start(born_day), ua("born_t"))
                if cancel_at is not None and born >= cancel_at:
                    continue
            agent = _Entity(agent_id, born, [born], [{
                "agent_id": agent_id, "workspace_id": workspace_id, "name": name,
                "status": "live",
            }])
            # A non-core agent, or the second core agent, sometimes paused or archived.
            if (a > core or a == 2) and ua("change") < 0.3:
                lo_at = max(born, start) + timedelta(hours=1)
                window_end = start + timedelta(days=days)
                if lo_at < window_end:
                    at = lo_at + timedelta(
                        seconds=int(ua("change_t") * (window_end - lo_at).total_seconds()))
                    if cancel_at is None or at < cancel_at:
                        status = "paused" if ua("change_kind") < 0.6 else "archived"
                        agent.change(at.replace(microsecond=0), status=status)
            if cancel_at is not None and agent.states[-1]["status"] != "archived":
                agent.change(cancel_at + timedelta(seconds=1), status="archived")
            agents.append(agent)
        workspaces.append(_Workspace(idx, 1.0 / r**1.1, core, entity, agents))
    return workspaces


class _DayPicker:
    """Draws distinct days from a list, each after a given day."""

    def __init__(self, free_days: list[int], unit: Callable[[str], float]):
        self.free_days = free_days
        self.unit = unit

    def __call__(self, label: str, after: int) -> int | None:
        candidates = [d for d in self.free_days if d > after]
        if not candidates:
            return None
        chosen = candidates[int(self.unit(label) * len(candidates))]
        self.free_days.remove(chosen)
        return chosen


def _is_active(ws: _Workspace, day_start: datetime) -> bool:
    """Usage-producing on this day: created before it, active all day long."""
    day_end = day_start + timedelta(days=1)
    if ws.entity.created_at >= day_start:
        return False
    if ws.entity.state_at(day_start)["status"] != "active":
        return False
    return all(
        state["status"] == "active"
        for at, state in zip(ws.entity.instants, ws.entity.states, strict=True)
        if day_start <= at < day_end
    )


def _snapshot_rows(
    entities: Iterable[_Entity], day_start: datetime, seed: int, salt: str
) -> list[dict[str, object]]:
    """The day's dump of the table as of 00:00 UTC plus a row per change during the day."""
    day_end = day_start + timedelta(days=1)
    dump: list[dict[str, object]] = []
    changes: list[dict[str, object]] = []
    for entity in entities:
        if entity.created_at < day_start:
            row = dict(entity.state_at(day_start))
            row["snapshot_at"] = day_start.strftime("%Y-%m-%dT%H:%M:%SZ")
            row["_o1"], row["_o2"], row["_o3"] = 0, 0, entity.key
            dump.append(row)
        for at, state in zip(entity.instants, entity.states, strict=True):
            if day_start <= at < day_end:
                row = dict(state)
                u = _unit(seed, salt, entity.key, at.isoformat())
                row["snapshot_at"] = _iso(at, u, _unit(seed, salt, "off", entity.key))
                row["_o1"], row["_o2"], row["_o3"] = 1, int(at.timestamp()), entity.key
                changes.append(row)
    return dump + changes


# ------------------------------------------------------------------- the generator


@dataclass(frozen=True)
class _Column:
    name: str
    kind: str = "id"         # id: plain string; text: free text; num: number (text in parquet)
    parquet_type: str = "VARCHAR"


_WORKSPACE_COLUMNS = (
    _Column("workspace_id"), _Column("name", "text"), _Column("status"), _Column("plan_id"),
    _Column("billing_email", "text"), _Column("country"), _Column("region"),
    _Column("created_at"), _Column("cancelled_at"),
    _Column("markup_percentage", "num", "DECIMAL(9,2)"),
    _Column("usage_limit_monthly", "num", "DECIMAL(18,2)"),
    _Column("alert_threshold_percentage", "num", "DECIMAL(9,2)"),
    _Column("auto_pause_on_limit"), _Column("snapshot_at"),
)
_AGENT_COLUMNS = (
    _Column("agent_id"), _Column("workspace_id"), _Column("name", "text"), _Column("status"),
    _Column("snapshot_at"),
)
_USAGE_COLUMNS = (
    _Column("event_id"), _Column("workspace_id"), _Column("call_id"),
    _Column("resource_type"), _Column("provider"), _Column("model"),
    _Column("quantity", "num"), _Column("unit_cost", "num"), _Column("occurred_at"),
)
_GATEWAY_COLUMNS = (
    _Column("request_id"), _Column("organization_id"), _Column("provider"), _Column("model"),
    _Column("request_type"), _Column("input_tokens", "num"), _Column("output_tokens", "num"),
    _Column("actual_cost", "num"), _Column("occurred_at"),
)
_CALL_COLUMNS = (
    _Column("call_id"), _Column("workspace_id"), _Column("agent_id"), _Column("direction"),
    _Column("status"), _Column("started_at"), _Column("ended_at"),
    _Column("duration_seconds", "num"), _Column("caller_number"), _Column("voice_provider"),
    _Column("sentiment"), _Column("intent"), _Column("latency_ms", "num"),
)


@dataclass
class _StreamSource:
    name: str
    kinds: tuple[str, ...]
    counts: list[int]          # rows generated per day (before late moves and duplicates)
    late_threshold: int        # late_rate * 2^20 (0 = never late)
    columns: tuple[_Column, ...]
    # (keys sql, first and last source day, jsonl, bad slots of the part) -> row sql
    row_sql: Callable[[str, int, int, bool, _BadSlots], str]


@dataclass(frozen=True)
class _BadSlots:
    """The bad rows of one part file: their j (bad-row number of the day) lie in
    [a1, b1) then [a2, b2); `base` = bad rows already written in files of the same
    format class (JSONL / other), so that each class cycles through its kinds."""

    a1: int = 0
    b1: int = 0
    a2: int = 0
    b2: int = 0
    base: int = 0

    @property
    def count(self) -> int:
        return (self.b1 - self.a1) + (self.b2 - self.a2)

    def kind_sql(self, kinds: int, jsonl: bool) -> tuple[str, str]:
        """SQL for the kind index (NULL = good row) and the variant round of a row.
        JSONL files cycle through every kind, other files through all but invalid_json
        (always the last kind)."""
        cycle = kinds if jsonl else kinds - 1
        rank = (f"(case when j >= {self.a1} and j < {self.b1} then j - {self.a1} "
                f"else {self.b1 - self.a1} + j - {self.a2} end)")
        return (f"case when bad then ({self.base} + {rank}) % {cycle} end",
                f"({self.base} + {rank}) // {cycle}")


def _bad_slots(n: int, nb: int, off: int, lo: int, hi: int, base: int) -> _BadSlots:
    """Bad rows among rows [lo, hi) of a day (see the is_bad macro: row i is bad when
    ii = (i + off) % n crosses a multiple of n / nb, and then j = ii * nb // n)."""
    if not nb or hi <= lo:
        return _BadSlots(base=base)
    start = (lo + off) % n
    stop = start + (hi - lo)
    if stop <= n:
        return _BadSlots(start * nb // n, stop * nb // n, 0, 0, base)
    return _BadSlots(start * nb // n, nb, 0, (stop - n) * nb // n, base)


class _Generator:
    def __init__(self, cfg: GenerateConfig, con: duckdb.DuckDBPyConnection, scratch: Path):
        self.cfg = cfg
        self.con = con
        self.scratch = scratch
        self.end = cfg.end_date or datetime.now(UTC).date()
        first = self.end - timedelta(days=cfg.days - 1)
        self.start = datetime(first.year, first.month, first.day)
        self.ref = _load_reference(self.end)
        self.ws_width = max(4, len(str(cfg.workspaces)))
        self.files = dict.fromkeys(SOURCE_NAMES, 0)
        self.rows = dict.fromkeys(SOURCE_NAMES, 0)
        self.bad = dict.fromkeys(SOURCE_NAMES, 0)
        self.dups = dict.fromkeys(SOURCE_NAMES, 0)
        self.file_seq = dict.fromkeys(SOURCE_NAMES, 0)
        self.future_base = datetime(self.end.year, self.end.month, self.end.day) + timedelta(
            days=FUTURE_DAYS)

    # ---- plumbing

    def day_start(self, d: int) -> datetime:
        return self.start + timedelta(days=d)

    def folder(self, source: str, d: int) -> Path:
        return self.cfg.landing_dir / source / self.day_start(d).strftime("%Y-%m-%d")

    def next_format(self, source: str) -> str:
        formats = self.cfg.formats
        fmt = formats[(self.file_seq[source] + _FORMAT_OFFSET[source]) % len(formats)]
        self.file_seq[source] += 1
        return fmt

    def load_table(self, name: str, header: Sequence[str], rows: Iterable[Sequence[object]],
                   types: dict[str, str]) -> None:
        """A small Python-built table into DuckDB, through a CSV file (no NULL vs '')."""
        path = self.scratch / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        casts = ", ".join(f"cast({_q(c)} as {types.get(c, 'VARCHAR')}) as {_q(c)}"
                          for c in header)
        spec = ", ".join(f"{_sql_str(c)}: 'VARCHAR'" for c in header)
        self.con.execute(
            f"create or replace table {name} as select {casts} from read_csv("
            f"{_sql_str(str(path))}, header = true, auto_detect = false, "
            f"columns = {{{spec}}})"
        )
        path.unlink()

    def write(self, source: str, dest: Path, sql: str, columns: Sequence[_Column],
              fmt: str) -> int:
        """COPY the rows of `sql` (which has _o1.._o3, _bad_json, _quote_nums) to dest."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
        order = "order by _o1, _o2, _o3"
        if fmt == "csv":
            select = ", ".join(_q(c.name) for c in columns)
            query = f"select {select} from ({sql}) {order}"
            options = "format csv, header true"
        elif fmt == "parquet":
            select = ", ".join(
                _q(c.name) if c.parquet_type == "VARCHAR"
                else f"cast({_q(c.name)} as {c.parquet_type}) as {_q(c.name)}"
                for c in columns
            )
            query = f"select {select} from ({sql}) {order}"
            options = "format parquet, compression zstd"
        else:
            pieces = []
            for c in columns:
                col = _q(c.name)
                if c.kind == "text":
                    value = f"coalesce(cast(to_json({col}) as varchar), 'null')"
                elif c.kind == "num":
                    value = (f"case when {col} is null then 'null' when _quote_nums "
                             f"then '\"' || {col} || '\"' else {col} end")
                else:  # controlled vocabulary: no quote or backslash to escape
                    value = f"coalesce('\"' || {col} || '\"', 'null')"
                pieces.append(f"'\"{c.name}\":' || {value}")
            line = "'{' || " + " || ',' || ".join(pieces) + " || '}'"
            query = (
                "select case when _bad_json then left(line, length(line) // 2) else line end "
                f"from (select {line} as line, _bad_json, _o1, _o2, _o3 from ({sql})) {order}"
            )
            options = "format csv, header false, quote '', escape '', delimiter '\x1f'"
        count = self.con.execute(
            f"copy ({query}) to {_sql_str(str(tmp))} ({options})").fetchone()[0]
        _publish(tmp, dest)
        self.files[source] += 1
        self.rows[source] += count
        return count

    # ---- setup of the SQL side

    def setup(self, workspaces: list[_Workspace]) -> None:
        cfg, con = self.cfg, self.con
        # DuckDB combines the hashes of hash()'s arguments so that the last one is XOR-ed
        # in: values for two salts would differ by a constant bit pattern. The outer
        # hash() (a 64-bit avalanche) makes every salt an independent stream.
        con.execute(f"create or replace macro hh(i, d, s) as hash(hash(cast(i as bigint), "
                    f"cast(d as bigint), cast({int(cfg.seed)} as bigint), s))")
        con.execute("create or replace macro uf(h, k) as "
                    "cast((h >> (20 * k)) & 1048575 as double) / 1048576.0")
        con.execute("create or replace macro is_bad(i, n, nb, off) as case when nb = 0 "
                    "then false else ((((i + off) % n) + 1) * nb) // n > "
                    "(((i + off) % n) * nb) // n end")
        last = cfg.days - 1
        con.execute(f"create or replace macro late_day(i, sd, src) as sd + 1 + "
                    f"cast(((hh(i, sd, src || ':late') >> 20) & 1048575) % {LATE_MAX_DAYS} "
                    f"as bigint)")
        con.execute(f"create or replace macro is_late(i, sd, n, nb, off, src, lt) as "
                    f"(hh(i, sd, src || ':late') & 1048575) < lt and late_day(i, sd, src) "
                    f"<= {last} and not is_bad(i, n, nb, off)")
        con.execute(f"create or replace macro dup_day(i, sd, src) as sd + 1 + "
                    f"cast(((hh(i, sd, src || ':dup') >> 20) & 1048575) % {DUP_MAX_DAYS} "
                    f"as bigint)")
        dup = int(cfg.duplicate_rate * _U20)
        con.execute(f"create or replace macro is_dup(i, sd, n, nb, off, src, lt) as "
                    f"(hh(i, sd, src || ':dup') & 1048575) < {dup} and dup_day(i, sd, src) "
                    f"<= {last} and not is_bad(i, n, nb, off) "
                    f"and not is_late(i, sd, n, nb, off, src, lt)")
        offsets = " ".join(
            f"when {k} then strftime(ts + interval ({minutes}) minute, "
            f"'%Y-%m-%dT%H:%M:%S') || '{label}'"
            for k, (label, minutes) in enumerate(_OFFSETS)
        )
        con.execute(
            "create or replace macro ts_text(ts, h) as case "
            "when uf(h, 0) < 0.70 then strftime(ts, '%Y-%m-%dT%H:%M:%SZ') "
            "when uf(h, 0) < 0.78 then strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ') "
            f"when uf(h, 0) < 0.90 then case cast(floor(uf(h, 1) * {len(_OFFSETS)}) as int) "
            f"{offsets} end "
            "else strftime(ts, '%Y-%m-%d %H:%M:%S') end"
        )
        con.execute(
            "create or replace macro bad_ts(ts, v) as case when v % 2 = 0 "
            "then strftime(ts, '%Y-%m-%d') || 'T25:61:00Z' "
            "else strftime(ts, '%d/%m/%Y %H:%M') end"
        )
        con.execute(
            f"create or replace macro future_ts(day_start, ts) as strftime("
            f"timestamp '{self.future_base:%Y-%m-%d %H:%M:%S}' + (ts - day_start), "
            "'%Y-%m-%dT%H:%M:%SZ')"
        )
        con.execute(
            "create or replace macro unknown_ws(j) as "
            f"'{UNKNOWN_WORKSPACE_PREFIX}' || lpad(cast(j % 1000 as varchar), 3, '0')"
        )
        # Intraday rhythm: bucket b of the day's quantiles -> [lo, lo + span) seconds.
        rows = []
        for wk, hours in ((0, _WEEKDAY_HOURS), (1, _WEEKEND_HOURS)):
            cum = [0.0]
            for w in hours:
                cum.append(cum[-1] + w)
            cum = [c / cum[-1] for c in cum]

            def inverse(q: float, cum: list[float] = cum) -> float:
                h = min(23, bisect_right(cum, q) - 1)
                return 3600.0 * (h + (q - cum[h]) / (cum[h + 1] - cum[h]))

            for b in range(_TIME_BUCKETS):
                lo = inverse(b / _TIME_BUCKETS)
                hi = inverse((b + 1) / _TIME_BUCKETS) if b + 1 < _TIME_BUCKETS else 86400.0
                rows.append((wk, b, repr(lo), repr(hi - lo)))
        self.load_table("time_lut", ("wk", "b", "lo", "span"), rows,
                        {"wk": "INTEGER", "b": "BIGINT", "lo": "DOUBLE", "span": "DOUBLE"})
        self._setup_products()
        self._setup_workspace_lookup(workspaces)

    def _setup_products(self) -> None:
        ref = self.ref
        by_type: dict[str, list[dict[str, object]]] = {}
        for product in ref.usage_products:
            by_type.setdefault(str(product["resource_type"]), []).append(product)
        weighted = []
        mix = {rt: w for rt, w in _RESOURCE_MIX.items() if rt in by_type}
        for rt, share in mix.items():
            for product in by_type[rt]:
                weighted.append((product, share / len(by_type[rt])))
        rows = []
        if weighted:
            counts = _allocate(_PRODUCT_BUCKETS, [w for _, w in weighted])
            b = 0
            for (product, _w), count in zip(weighted, counts, strict=True):
                for _ in range(count):
                    rows.append((b, product["resource_type"], product["provider"],
                                 product["model"], product["rate"], product["linked"]))
                    b += 1
        storage = ref.storage_product
        if storage:
            rows.append((_PRODUCT_BUCKETS, storage["resource_type"], storage["provider"],
                         storage["model"], storage["rate"], 0))
        self.load_table(
            "prod_usage", ("pb", "resource_type", "provider", "model", "rate", "linked"), rows,
            {"pb": "BIGINT", "rate": "DECIMAL(20,12)", "linked": "INTEGER"})
        gw = ref.gateway_products
        rows = []
        if gw:
            per = [_PRODUCT_BUCKETS // len(gw)] * len(gw)
            per[-1] += _PRODUCT_BUCKETS - sum(per)
            b = 0
            for product, count in zip(gw, per, strict=True):
                for _ in range(count):
                    rows.append((b, product["provider"], product["model"], product["rate"]))
                    b += 1
        self.load_table("prod_gateway", ("pb", "provider", "model", "rate"), rows,
                        {"pb": "BIGINT", "rate": "DECIMAL(20,12)"})
        self.has_usage_products = bool(weighted)
        self.has_gateway_products = bool(gw)

    def _setup_workspace_lookup(self, workspaces: list[_Workspace]) -> None:
        """ws_lut(sd, bucket) -> workspace: buckets [0, bk) in proportion to the day's
        weights (Zipf-like; at least one bucket per active workspace), then one bucket
        per active workspace (bk + k, largest first) for the daily storage rows."""
        cfg = self.cfg
        rows = []
        self.active = []   # per day: number of active workspaces
        self.buckets = []  # per day: bk
        for d in range(cfg.days):
            ds = self.day_start(d)
            active = [ws for ws in workspaces if _is_active(ws, ds)]
            weights = [ws.weight * (0.75 + 0.5 * _unit(cfg.seed, "wsday", ws.idx, d))
                       for ws in active]
            n_act = len(active)
            total_buckets = min(1 << 22, max(4096, 16 * n_act))
            total_weight = sum(weights)
            start = 0
            for ws, w in zip(active, weights, strict=True):
                nb = 1 + int(w / total_weight * (total_buckets - n_act))
                rows.append((d, start, nb, ws.idx, ws.core_agents))
                start += nb
            ranked = sorted(zip(active, weights, strict=True), key=lambda p: (-p[1], p[0].idx))
            for k, (ws, _w) in enumerate(ranked):
                rows.append((d, start + k, 1, ws.idx, ws.core_agents))
            self.active.append(n_act)
            self.buckets.append(start)
        self.load_table("ws_ranges", ("sd", "start", "nb", "ws_idx", "core_agents"), rows,
                        dict.fromkeys(("sd", "start", "nb", "ws_idx", "core_agents"), "BIGINT"))
        self.con.execute(
            "create or replace table ws_lut as select sd, "
            "unnest(range(start, start + nb)) as bucket, ws_idx, core_agents from ws_ranges"
        )

    # ---- reference sources

    def write_snapshots(self, workspaces: list[_Workspace]) -> None:
        seed = self.cfg.seed
        ws_types = {"_o1": "BIGINT", "_o2": "BIGINT"}
        for source, columns, entities in (
            ("workspaces", _WORKSPACE_COLUMNS, [ws.entity for ws in workspaces]),
            ("agents", _AGENT_COLUMNS, [a for ws in workspaces for a in ws.agents]),
        ):
            header = [c.name for c in columns] + ["_o1", "_o2", "_o3"]
            for d in range(self.cfg.days):
                rows = _snapshot_rows(entities, self.day_start(d), seed, source)
                if not rows:
                    continue
                self.load_table("snap", header, ([r.get(h) for h in header] for r in rows),
                                ws_types)
                fmt = self.next_format(source)
                sql = "select *, false as _bad_json, false as _quote_nums from snap"
                self.write(source, self.folder(source, d) / f"part-0001{FORMAT_SUFFIX[fmt]}",
                           sql, columns, fmt)

    # ---- streamed sources

    def day_table(self, source: _StreamSource, extra: dict[str, list[int]]) -> list[dict]:
        """Per-day parameters of a streamed source: n rows and nb bad rows (evenly
        spread over the day's rows, rotated by off)."""
        cfg = self.cfg
        days = []
        cumulative = 0
        bad_before = 0
        for d, n in enumerate(source.counts):
            cumulative += n
            bad_total = math.floor(cfg.bad_row_rate * cumulative + 0.5)
            nb = max(0, min(n, bad_total - bad_before))
            row = {
                "sd": d, "day_start": self.day_start(d).strftime("%Y-%m-%d %H:%M:%S"),
                "ymd": self.day_start(d).strftime("%Y%m%d"),
                "wk": 1 if self.day_start(d).weekday() >= 5 else 0,
                "n": n, "nb": nb,
                "off": int(_unit(cfg.seed, source.name, "off", d) * n) if n else 0,
                "bk": self.buckets[d],
            }
            for key, values in extra.items():
                row[key] = values[d]
            bad_before += nb
            days.append(row)
        header = list(days[0])
        types = dict.fromkeys(header, "BIGINT")
        types.update(day_start="TIMESTAMP", ymd="VARCHAR")
        self.load_table(f"days_{source.name}", header,
                        ([row[h] for h in header] for row in days), types)
        return days

    def write_stream(self, source: _StreamSource, days: list[dict]) -> None:
        cfg, con, src = self.cfg, self.con, source.name
        lt = source.late_threshold
        per_file = max(1, cfg.rows_per_file)
        max_lag = max(DUP_MAX_DAYS, LATE_MAX_DAYS if lt else 0)
        written_bad = {"jsonl": 0, "other": 0}

        def flags(sd: int) -> str:
            p = days[sd]
            return f"i, {sd}, {p['n']}, {p['nb']}, {p['off']}, '{src}', {lt}"

        for d in range(cfg.days):
            n = days[d]["n"]
            # Late rows and duplicates of earlier days delivered today.
            extras = [
                f"select cast({sd} as bigint) as sd, i, case when is_late({flags(sd)}) "
                f"then 1 else 2 end as ord from range({days[sd]['n']}) t(i) "
                f"where (is_late({flags(sd)}) and late_day(i, {sd}, '{src}') = {d}) "
                f"or (is_dup({flags(sd)}) and dup_day(i, {sd}, '{src}') = {d})"
                for sd in range(max(0, d - max_lag), d) if days[sd]["n"]
            ]
            if extras:
                con.execute(
                    "create or replace temp table extras as select sd, i, ord, "
                    "row_number() over (order by ord, sd, i) as rn from ("
                    + " union all ".join(extras) + ")"
                )
                total_extra, dup_extra = con.execute(
                    "select count(*), count(*) filter (where ord = 2) from extras").fetchone()
            else:
                total_extra = dup_extra = 0
            self.dups[src] += dup_extra

            def own(lo: int, hi: int, d: int = d) -> str:
                return (f"select cast({d} as bigint) as sd, i, 0 as ord from range({lo}, {hi}) "
                        f"t(i) where not is_late({flags(d)})")

            parts: list[str] = []
            bounds = [(lo, min(n, lo + per_file)) for lo in range(0, n, per_file)]
            for lo, hi in bounds:
                parts.append(own(lo, hi))
            extra_parts: list[str] = []
            if total_extra:
                last_rows = 0
                if bounds:
                    lo, hi = bounds[-1]
                    last_rows = con.execute(f"select count(*) from ({own(lo, hi)})").fetchone()[0]
                if bounds and last_rows + total_extra <= per_file:
                    parts[-1] += " union all select sd, i, ord from extras"
                else:
                    for a in range(1, total_extra + 1, per_file):
                        extra_parts.append(f"select sd, i, ord from extras where rn between "
                                           f"{a} and {a + per_file - 1}")
            lo_day = max(0, d - max_lag)
            part_rows = [*bounds, *[(0, 0)] * len(extra_parts)]
            for number, (keys, (lo, hi)) in enumerate(
                    zip(parts + extra_parts, part_rows, strict=True), start=1):
                fmt = self.next_format(src)
                klass = "jsonl" if fmt == "jsonl" else "other"
                p = days[d]
                slots = _bad_slots(p["n"], p["nb"], p["off"], lo, hi, written_bad[klass])
                written_bad[klass] += slots.count
                self.bad[src] += slots.count
                sql = source.row_sql(keys, lo_day, d, fmt == "jsonl", slots)
                self.write(src, self.folder(src, d) / f"part-{number:04d}{FORMAT_SUFFIX[fmt]}",
                           sql, source.columns, fmt)
            if src == "usage_records" and d == cfg.days // 2 and n:
                self.write_unparseable(self.folder(src, d) / (
                    f"part-{len(parts) + len(extra_parts) + 1:04d}.parquet"))

    def write_unparseable(self, dest: Path) -> None:
        """A whole file no reader can parse: the Parquet magic, then garbage, no footer."""
        stream = hashlib.shake_256(f"{self.cfg.seed}:unparseable".encode()).digest(4096)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
        tmp.write_bytes(b"PAR1" + stream)
        _publish(tmp, dest)
        self.files["usage_records"] += 1

    # ---- row SQL per streamed source

    def usage_sql(self, keys: str, lo: int, hi: int, jsonl: bool, slots: _BadSlots) -> str:
        kind = {name: i for i, name in enumerate(USAGE_BAD_KINDS)}
        kind_sql, variant_sql = slots.kind_sql(len(USAGE_BAD_KINDS), jsonl)
        w = self.ws_width
        return f"""
        with k as ({keys}),
        b as (
            select k.sd, k.i, k.ord, d.day_start, d.ymd, d.wk, d.n, d.nb, d.off,
                d.n_stream, d.bk, d.ncs,
                hh(k.i, k.sd, 'u1') as h1, hh(k.i, k.sd, 'u2') as h2,
                hh(k.i, k.sd, 'u3') as h3, hh(k.i, k.sd, 'u4') as h4
            from k join days_usage_records d on d.sd = k.sd
        ),
        c as (
            select *, i >= n_stream as is_storage,
                case when i >= n_stream then 0.0 else (i + uf(h1, 0)) / n_stream end as q,
                is_bad(i, n, nb, off) as bad,
                (((i + off) % n) * nb) // n as j
            from b
        ),
        e as (
            select c.*, p.resource_type as rt, p.provider as prov, p.model as mdl, p.rate,
                p.linked,
                day_start + to_milliseconds(case when is_storage
                    then 82800000 + (i - n_stream) * 3590000 // greatest(n - n_stream, 1)
                    else least(86399999, cast(floor((t.lo + (q * {_TIME_BUCKETS} - t.b)
                        * t.span) * 1000) as bigint)) end) as ts
            from c
            join prod_usage p on p.pb = case when is_storage then {_PRODUCT_BUCKETS}
                else cast(floor(uf(h1, 1) * {_PRODUCT_BUCKETS}) as bigint) end
            join time_lut t on t.wk = c.wk and t.b = case when is_storage then 0
                else least({_TIME_BUCKETS - 1}, cast(floor(q * {_TIME_BUCKETS}) as bigint)) end
        ),
        f as (
            select *,
                not is_storage and (linked = 2 or (linked = 1 and uf(h2, 2) < 0.5)) as linked_call,
                greatest(0, least(ncs - 1, cast(floor(q * ncs) as bigint)
                    - cast(floor(uf(h2, 0) * 3) as bigint))) as ci,
                {kind_sql} as kind,
                {variant_sql} as v
            from e
        ),
        g as (
            select *,
                case when is_storage then bk + (i - n_stream)
                    when linked_call then cast(floor(uf(hh(ci, sd, 'call'), 0) * bk) as bigint)
                    else cast(floor(uf(h2, 1) * bk) as bigint) end as wsb,
                -ln(1.0 - uf(h3, 0)) as x
            from f
        ),
        r as (
            select g.*, w.ws_idx,
                case when rt = 'call_minutes' or rt = 'transcription'
                        then cast(cast(least(120.0, 0.05 + x * 2.5) as decimal(12, 2)) as varchar)
                    when rt = 'synthesis' then cast(20 + cast(floor(x * 400) as bigint) as varchar)
                    when rt = 'llm_tokens'
                        then cast(50 + cast(floor(x * 1500) as bigint) as varchar)
                    when rt = 'api_calls' then cast(1 + cast(floor(x * 2) as bigint) as varchar)
                    else cast(cast(0.001 + pow(uf(h3, 0), 3) * 2.0 as decimal(12, 6)) as varchar)
                end as qty
            from g join (select * from ws_lut where sd between {lo} and {hi}) w
                on w.sd = g.sd and w.bucket = g.wsb
        )
        select
            'evt_' || ymd || '_' || lpad(cast(i as varchar), {self.event_width}, '0') as event_id,
            case when kind = {kind['missing_value']} and v % 4 = 0 then null
                when kind = {kind['unknown_workspace']} then unknown_ws(j)
                else 'ws_' || lpad(cast(ws_idx as varchar), {w}, '0') end as workspace_id,
            case when linked_call then 'call_' || ymd || '_'
                || lpad(cast(ci as varchar), {self.call_width}, '0') end as call_id,
            case when kind = {kind['unknown_resource_type']} then '{UNKNOWN_RESOURCE_TYPE}'
                when kind = {kind['no_rate']} then '{NO_RATE_USAGE[1]}'
                else rt end as resource_type,
            case when kind = {kind['missing_value']} and v % 4 = 1 then null
                when kind = {kind['no_rate']} then '{NO_RATE_USAGE[0]}'
                else prov end as provider,
            case when kind = {kind['no_rate']} then null else mdl end as model,
            case when kind = {kind['missing_value']} and v % 4 = 2 then null
                when kind = {kind['negative_quantity']}
                    then '-' || cast(1 + j % 50 as varchar) || '.5'
                when kind = {kind['invalid_number']}
                    then case when v % 2 = 0 then '12,5' else 'abc' end
                when kind = {kind['no_rate']}
                    then cast(cast(least(120.0, 0.05 + x * 2.5) as decimal(12, 2)) as varchar)
                else qty end as quantity,
            case when kind = {kind['no_rate']} or rate is null or uf(h4, 2) >= 0.1 then null
                else cast(cast(rate * case cast(floor(uf(h3, 1) * 3) as int)
                    when 0 then 0.90 when 1 then 0.95 else 1.00 end as decimal(20, 12))
                    as varchar) end as unit_cost,
            case when kind = {kind['missing_value']} and v % 4 = 3 then null
                when kind = {kind['invalid_timestamp']} then bad_ts(ts, v)
                when kind = {kind['future_timestamp']} then future_ts(day_start, ts)
                else ts_text(ts, h4) end as occurred_at,
            ord as _o1, sd as _o2, i as _o3,
            coalesce(kind = {kind['invalid_json']}, false) as _bad_json,
            coalesce(kind = {kind['invalid_number']}, false) as _quote_nums
        from r
        """

    def gateway_sql(self, keys: str, lo: int, hi: int, jsonl: bool, slots: _BadSlots) -> str:
        kind = {name: i for i, name in enumerate(GATEWAY_BAD_KINDS)}
        kind_sql, variant_sql = slots.kind_sql(len(GATEWAY_BAD_KINDS), jsonl)
        w = self.ws_width
        return f"""
        with k as ({keys}),
        b as (
            select k.sd, k.i, k.ord, d.day_start, d.ymd, d.wk, d.n, d.nb, d.off, d.bk,
                hh(k.i, k.sd, 'g1') as h1, hh(k.i, k.sd, 'g2') as h2,
                hh(k.i, k.sd, 'g3') as h3, hh(k.i, k.sd, 'g4') as h4
            from k join days_gateway_requests d on d.sd = k.sd
        ),
        c as (
            select *, (i + uf(h1, 0)) / n as q, is_bad(i, n, nb, off) as bad,
                (((i + off) % n) * nb) // n as j
            from b
        ),
        e as (
            select c.*, p.provider as prov, p.model as mdl, p.rate,
                day_start + to_milliseconds(least(86399999, cast(floor((t.lo
                    + (q * {_TIME_BUCKETS} - t.b) * t.span) * 1000) as bigint))) as ts,
                {kind_sql} as kind,
                {variant_sql} as v,
                case when uf(h2, 1) < 0.80 then 'chat' when uf(h2, 1) < 0.92 then 'completion'
                    else 'embedding' end as request_type
            from c
            join prod_gateway p on p.pb = cast(floor(uf(h1, 1) * {_PRODUCT_BUCKETS}) as bigint)
            join time_lut t on t.wk = c.wk
                and t.b = least({_TIME_BUCKETS - 1}, cast(floor(q * {_TIME_BUCKETS}) as bigint))
        ),
        g as (
            select *,
                20 + cast(floor(-ln(1.0 - uf(h3, 0)) * 1200) as bigint) as tin,
                case when request_type = 'embedding' then 0
                    else 5 + cast(floor(-ln(1.0 - uf(h3, 1)) * 300) as bigint) end as tout
            from e
        ),
        r as (
            select g.*, w.ws_idx
            from g join (select * from ws_lut where sd between {lo} and {hi}) w
                on w.sd = g.sd and w.bucket = cast(floor(uf(h2, 0) * g.bk) as bigint)
        )
        select
            'req_' || ymd || '_' || lpad(cast(i as varchar), {self.event_width}, '0')
                as request_id,
            case when kind = {kind['missing_value']} and v % 4 = 0 then null
                when kind = {kind['unknown_workspace']} then unknown_ws(j)
                else 'ws_' || lpad(cast(ws_idx as varchar), {w}, '0') end as organization_id,
            case when kind = {kind['no_rate']} then '{NO_RATE_GATEWAY[0]}' else prov end
                as provider,
            case when kind = {kind['missing_value']} and v % 4 = 1 then null
                when kind = {kind['no_rate']} then '{NO_RATE_GATEWAY[1]}' else mdl end as model,
            request_type,
            case when kind = {kind['missing_value']} and v % 4 = 2 then null
                when kind = {kind['negative_quantity']} then '-' || cast(tin as varchar)
                when kind = {kind['invalid_number']}
                    then case when v % 2 = 0 then '12,5' else 'abc' end
                else cast(tin as varchar) end as input_tokens,
            cast(tout as varchar) as output_tokens,
            case when kind = {kind['no_rate']} or uf(h4, 2) >= 0.25 then null
                else cast(cast((tin + tout) * rate as decimal(20, 10)) as varchar)
                end as actual_cost,
            case when kind = {kind['missing_value']} and v % 4 = 3 then null
                when kind = {kind['invalid_timestamp']} then bad_ts(ts, v)
                when kind = {kind['future_timestamp']} then future_ts(day_start, ts)
                else ts_text(ts, h4) end as occurred_at,
            ord as _o1, sd as _o2, i as _o3,
            coalesce(kind = {kind['invalid_json']}, false) as _bad_json,
            coalesce(kind = {kind['invalid_number']}, false) as _quote_nums
        from r
        """

    def calls_sql(self, keys: str, lo: int, hi: int, jsonl: bool, slots: _BadSlots) -> str:
        kind = {name: i for i, name in enumerate(CALL_BAD_KINDS)}
        kind_sql, variant_sql = slots.kind_sql(len(CALL_BAD_KINDS), jsonl)
        w = self.ws_width
        voices = self.ref.voice_providers
        voice = "case " + " ".join(
            f"when uf(h4, 2) < {(v + 1) / len(voices)!r} then '{name}'"
            for v, name in enumerate(voices[:-1])) + f" else '{voices[-1]}' end"
        intents = "case " + " ".join(
            f"when uf(h3, 1) < {0.1 + 0.9 * (t + 1) / len(_INTENTS)!r} then '{name}'"
            for t, name in enumerate(_INTENTS[:-1])) + f" else '{_INTENTS[-1]}' end"
        return f"""
        with k as ({keys}),
        b as (
            select k.sd, k.i, k.ord, d.day_start, d.ymd, d.wk, d.n, d.nb, d.off, d.bk,
                hh(k.i, k.sd, 'call') as h1, hh(k.i, k.sd, 'call2') as h2,
                hh(k.i, k.sd, 'call3') as h3, hh(k.i, k.sd, 'call4') as h4,
                hh(k.i, k.sd, 'call5') as h5, hh(k.i, k.sd, 'call6') as h6
            from k join days_calls d on d.sd = k.sd
        ),
        c as (
            select *, (i + uf(h5, 0)) / n as q, is_bad(i, n, nb, off) as bad,
                (((i + off) % n) * nb) // n as j,
                case when uf(h1, 1) < 0.80 then 'completed' when uf(h1, 1) < 0.88 then 'no_answer'
                    when uf(h1, 1) < 0.92 then 'busy' when uf(h1, 1) < 0.98 then 'failed'
                    else 'in_progress' end as final_status
            from b
        ),
        e as (
            select c.*,
                day_start + to_milliseconds(least(86399999, cast(floor((t.lo
                    + (q * {_TIME_BUCKETS} - t.b) * t.span) * 1000) as bigint))) as ts,
                {kind_sql} as kind,
                {variant_sql} as v,
                ord = 0 and final_status = 'completed' and uf(h5, 1) < 0.5
                    and is_dup(i, sd, n, nb, off, 'calls', 0) as first_copy_open
            from c
            join time_lut t on t.wk = c.wk
                and t.b = least({_TIME_BUCKETS - 1}, cast(floor(q * {_TIME_BUCKETS}) as bigint))
        ),
        g as (
            select *,
                case when first_copy_open then 'in_progress' else final_status end as status,
                case when first_copy_open or final_status = 'in_progress' then null
                    when final_status = 'completed'
                        then least(3600, 10 + cast(floor(-ln(1.0 - uf(h2, 0)) * 170) as bigint))
                    when final_status = 'failed' then cast(floor(uf(h2, 0) * 10) as bigint)
                    else 0 end as dur
            from e
        ),
        r as (
            select g.*, w.ws_idx, w.core_agents
            from g join (select * from ws_lut where sd between {lo} and {hi}) w
                on w.sd = g.sd and w.bucket = cast(floor(uf(h1, 0) * g.bk) as bigint)
        )
        select
            'call_' || ymd || '_' || lpad(cast(i as varchar), {self.call_width}, '0') as call_id,
            case when kind = {kind['missing_value']} and v % 2 = 0 then null
                when kind = {kind['unknown_workspace']} then unknown_ws(j)
                else 'ws_' || lpad(cast(ws_idx as varchar), {w}, '0') end as workspace_id,
            'ag_' || lpad(cast(ws_idx as varchar), {w}, '0') || '_' || lpad(cast(
                1 + cast(floor(uf(h2, 1) * core_agents) as bigint) as varchar), 2, '0')
                as agent_id,
            case when uf(h1, 2) < 0.65 then 'inbound' else 'outbound' end as direction,
            status,
            case when kind = {kind['missing_value']} and v % 2 = 1 then null
                when kind = {kind['invalid_timestamp']} then bad_ts(ts, v)
                when kind = {kind['future_timestamp']} then future_ts(day_start, ts)
                else ts_text(ts, h4) end as started_at,
            case when dur is null then null
                when kind = {kind['future_timestamp']}
                    then future_ts(day_start, ts + to_seconds(dur))
                else ts_text(ts + to_seconds(dur), h4) end as ended_at,
            case when kind = {kind['invalid_number']} and v % 2 = 0 then '12,5'
                when kind = {kind['negative_quantity']} then '-' || cast(coalesce(dur, 0) + 1
                    as varchar)
                else cast(dur as varchar) end as duration_seconds,
            case when uf(h2, 2) < 0.8
                then '+1' || cast(201 + cast(floor(uf(h6, 0) * 798) as bigint) as varchar)
                    || '55501' || lpad(cast(cast(floor(uf(h5, 2) * 100) as bigint) as varchar),
                    2, '0')
                else '+44207946' || lpad(cast(cast(floor(uf(h5, 2) * 1000) as bigint)
                    as varchar), 4, '0') end as caller_number,
            {voice} as voice_provider,
            case when status <> 'completed' then null
                when uf(h3, 0) < 0.45 then 'positive' when uf(h3, 0) < 0.80 then 'neutral'
                when uf(h3, 0) < 0.92 then 'negative' end as sentiment,
            case when status <> 'completed' or uf(h3, 1) < 0.1 then null
                else {intents} end as intent,
            case when kind = {kind['invalid_number']} and v % 2 = 1 then 'abc'
                when uf(h3, 2) < 0.1 then null
                else cast(180 + cast(floor(-ln(1.0 - uf(h3, 2)) * 350) as bigint) as varchar)
                end as latency_ms,
            ord as _o1, sd as _o2, i as _o3,
            coalesce(kind = {kind['invalid_json']}, false) as _bad_json,
            coalesce(kind = {kind['invalid_number']}, false) as _quote_nums
        from r
        """

    # ---- orchestration

    def run(self) -> GenerateSummary:
        cfg = self.cfg
        workspaces = _build_workspaces(cfg, self.ref, self.start, self.ws_width)
        self.setup(workspaces)
        self.write_snapshots(workspaces)

        factors = []
        for d in range(cfg.days):
            ds = self.day_start(d)
            weekend = 0.55 if ds.weekday() >= 5 else 1.0
            trend = 1.0 + 0.15 * d / max(1, cfg.days - 1)
            factors.append(weekend * trend * (0.9 + 0.2 * _unit(cfg.seed, "dayfactor", d)))
        any_active = [a > 0 for a in self.active]

        def counts(per_day: int, enabled: bool = True) -> list[int]:
            spread = _spread(per_day, factors) if enabled else [0] * cfg.days
            return [c if ok else 0 for c, ok in zip(spread, any_active, strict=True)]

        usage = counts(cfg.usage_events_per_day, self.has_usage_products)
        gateway = counts(cfg.gateway_requests_per_day, self.has_gateway_products)
        calls = counts(cfg.calls_per_day)
        widest = max([*usage, *gateway, 1])
        self.event_width = max(8, len(str(widest - 1)))
        storage = [min(a, n // 5) if self.ref.storage_product else 0
                   for a, n in zip(self.active, usage, strict=True)]
        n_stream = [n - s for n, s in zip(usage, storage, strict=True)]
        call_space = [c if c else max(1, s // 8) for c, s in zip(calls, n_stream, strict=True)]
        self.call_width = max(6, len(str(max([*call_space, 1]) - 1)))

        late = int(cfg.late_rate * _U20)
        sources = (
            (_StreamSource("usage_records", USAGE_BAD_KINDS, usage, late, _USAGE_COLUMNS,
                           self.usage_sql), {"n_stream": n_stream, "ncs": call_space}),
            (_StreamSource("gateway_requests", GATEWAY_BAD_KINDS, gateway, 0,
                           _GATEWAY_COLUMNS, self.gateway_sql), {}),
            (_StreamSource("calls", CALL_BAD_KINDS, calls, 0, _CALL_COLUMNS, self.calls_sql),
             {}),
        )
        for source, extra in sources:
            days = self.day_table(source, extra)
            self.write_stream(source, days)
        return GenerateSummary(
            files=dict(self.files), rows=dict(self.rows), bad_rows=dict(self.bad),
            duplicate_rows=dict(self.dups),
        )


def _publish(tmp: Path, dest: Path) -> None:
    """Atomically move a finished file into place; keep the old one if identical."""
    if dest.exists() and dest.stat().st_size == tmp.stat().st_size \
            and filecmp.cmp(tmp, dest, shallow=False):
        tmp.unlink()
        return
    os.replace(tmp, dest)


def _validate(cfg: GenerateConfig) -> None:
    if cfg.workspaces < 1 or cfg.days < 1:
        raise ValueError("workspaces and days must be at least 1")
    if not cfg.formats or any(f not in FORMAT_SUFFIX for f in cfg.formats):
        raise ValueError(f"formats must be a non-empty subset of {sorted(FORMAT_SUFFIX)}")
    for name in ("bad_row_rate", "duplicate_rate", "late_rate"):
        if not 0.0 <= getattr(cfg, name) <= 1.0:
            raise ValueError(f"{name} must be within [0, 1]")
    for name in ("usage_events_per_day", "calls_per_day", "gateway_requests_per_day"):
        if getattr(cfg, name) < 0:
            raise ValueError(f"{name} must not be negative")
    if cfg.rows_per_file < 1:
        raise ValueError("rows_per_file must be at least 1")


def generate(config: GenerateConfig) -> GenerateSummary:
    """Write the deterministic sample landing data of `config` (see the module doc)."""
    _validate(config)
    config.landing_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="billing-generate-"))
    try:
        settings: dict[str, str | int | bool] = {
            "memory_limit": config.memory_limit,
            "preserve_insertion_order": True,
            "temp_directory": str(scratch / "spill"),
        }
        if config.threads:
            settings["threads"] = config.threads
        with duckdb.connect(":memory:", config=settings) as con:
            con.execute("set enable_progress_bar = false")
            return _Generator(config, con, scratch).run()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
