"""How many rows each streamed source gets each day: the configured volume per day,
spread over the days by a weekly rhythm (weekends quieter), a slight upward trend and a
little day-to-day noise; none on a day without an active workspace."""

from __future__ import annotations

from dataclasses import dataclass

from dagster_project.lib.generate.config import GenerateConfig
from dagster_project.lib.generate.randomness import spread, unit
from dagster_project.lib.generate.window import Window


@dataclass(frozen=True)
class Volumes:
    usage: list[int]            # usage rows per day, storage rows included
    gateway: list[int]
    calls: list[int]
    streamed_usage: list[int]   # usage rows per day that are events (not storage rows)
    call_slots: list[int]       # call ids of the day that usage rows can refer to
    event_id_width: int         # digits of the row number in event_id / request_id
    call_id_width: int          # digits of the row number in call_id


def _day_factors(config: GenerateConfig, window: Window) -> list[float]:
    factors = []
    for day in range(config.days):
        weekend = 0.55 if window.is_weekend(day) else 1.0
        trend = 1.0 + 0.15 * day / max(1, config.days - 1)
        factors.append(weekend * trend * (0.9 + 0.2 * unit(config.seed, "dayfactor", day)))
    return factors


def plan_volumes(config: GenerateConfig, window: Window, active_workspaces: list[int],
                 has_usage_products: bool, has_gateway_products: bool,
                 has_storage: bool) -> Volumes:
    factors = _day_factors(config, window)

    def per_day(volume: int, enabled: bool = True) -> list[int]:
        counts = spread(volume, factors) if enabled else [0] * config.days
        return [count if active else 0
                for count, active in zip(counts, active_workspaces, strict=True)]

    usage = per_day(config.usage_events_per_day, has_usage_products)
    gateway = per_day(config.gateway_requests_per_day, has_gateway_products)
    calls = per_day(config.calls_per_day)
    # One storage row per active workspace, at most a fifth of the day's usage rows.
    storage = [min(active, rows // 5) if has_storage else 0
               for active, rows in zip(active_workspaces, usage, strict=True)]
    streamed = [rows - stored for rows, stored in zip(usage, storage, strict=True)]
    # Usage refers to the day's calls (or, without calls, to an eighth of its events).
    call_slots = [count if count else max(1, events // 8)
                  for count, events in zip(calls, streamed, strict=True)]
    widest = max([*usage, *gateway, 1])
    return Volumes(
        usage=usage, gateway=gateway, calls=calls, streamed_usage=streamed,
        call_slots=call_slots,
        event_id_width=max(8, len(str(widest - 1))),
        call_id_width=max(6, len(str(max([*call_slots, 1]) - 1))),
    )
