"""calls/: voice calls with their outcome, duration, caller number, voice provider,
sentiment and intent. Some completed calls are first delivered in progress (no end, no
duration), then final in their re-delivery."""

from __future__ import annotations

from functools import partial

from dagster_project.lib.generate.bad_rows import (
    CALL_BAD_KINDS,
    bad_row_columns_sql,
    timestamp_sql,
    workspace_id_sql,
)
from dagster_project.lib.generate.deliveries import ON_TIME
from dagster_project.lib.generate.files import Column
from dagster_project.lib.generate.streams import (
    IdWidths,
    Part,
    StreamSource,
    day_rows_sql,
    file_columns_sql,
    kinds_of,
    workspace_join_sql,
)
from dagster_project.lib.generate.timestamps import millisecond_of_day_sql, time_bucket_sql

CALL_COLUMNS = (
    Column("call_id"), Column("workspace_id"), Column("agent_id"), Column("direction"),
    Column("status"), Column("started_at"), Column("ended_at"),
    Column("duration_seconds", "num"), Column("caller_number"), Column("voice_provider"),
    Column("sentiment"), Column("intent"), Column("latency_ms", "num"),
)
_INTENTS = ("billing_question", "book_appointment", "reschedule", "cancel_subscription",
            "order_status", "technical_support", "sales_inquiry", "other")
# The hash salts of a call; usage linked to a call finds its workspace by the first one.
_SALTS = ("call", "call2", "call3", "call4", "call5", "call6")


def _voice_provider_sql(voice_providers: tuple[str, ...]) -> str:
    """The voice providers in equal shares."""
    return "case " + " ".join(
        f"when hash_unit(hash_4, 2) < {(number + 1) / len(voice_providers)!r} then '{name}'"
        for number, name in enumerate(voice_providers[:-1])
    ) + f" else '{voice_providers[-1]}' end"


def _intent_sql() -> str:
    """The intents in equal shares of the 90 % of completed calls that have one."""
    return "case " + " ".join(
        f"when hash_unit(hash_3, 1) < {0.1 + 0.9 * (number + 1) / len(_INTENTS)!r} "
        f"then '{name}'"
        for number, name in enumerate(_INTENTS[:-1])
    ) + f" else '{_INTENTS[-1]}' end"


def calls_rows_sql(widths: IdWidths, voice_providers: tuple[str, ...], part: Part) -> str:
    """The call rows of one part file."""
    kind, kind_sql, variant_sql = kinds_of(CALL_BAD_KINDS, part)
    return (f"with {_calls_sql(part, kind_sql, variant_sql)}\n"
            f"select {_columns_sql(kind, widths, voice_providers)}\nfrom assigned")


def _calls_sql(part: Part, kind_sql: str, variant_sql: str) -> str:
    """The CTEs up to `assigned`: each call drawn (outcome, instant, duration,
    workspace and agent) with its bad-row kind and variant."""
    keyed = day_rows_sql(part, "calls", _SALTS)
    return f"""{keyed},
        positioned as (
            select *, (row_index + hash_unit(hash_5, 0)) / day_rows as quantile,
                {bad_row_columns_sql()},
                case when hash_unit(hash_1, 1) < 0.80 then 'completed'
                    when hash_unit(hash_1, 1) < 0.88 then 'no_answer'
                    when hash_unit(hash_1, 1) < 0.92 then 'busy'
                    when hash_unit(hash_1, 1) < 0.98 then 'failed'
                    else 'in_progress' end as final_status
            from keyed
        ),
        timed as (
            select positioned.*,
                day_start + to_milliseconds({millisecond_of_day_sql('quantile', 'times')}) as ts,
                {kind_sql} as kind,
                {variant_sql} as variant,
                delivery = {ON_TIME} and final_status = 'completed' and hash_unit(hash_5, 1) < 0.5
                    and is_duplicate(row_index, source_day, day_rows, day_bad_rows,
                                     bad_offset, 'calls', 0) as first_copy_open
            from positioned
            join time_of_day times on times.weekend = positioned.weekend
                and times.bucket = {time_bucket_sql('quantile')}
        ),
        ended as (
            select *,
                case when first_copy_open then 'in_progress' else final_status end as status,
                case when first_copy_open or final_status = 'in_progress' then null
                    when final_status = 'completed' then least(3600,
                        10 + cast(floor(-ln(1.0 - hash_unit(hash_2, 0)) * 170) as bigint))
                    when final_status = 'failed'
                        then cast(floor(hash_unit(hash_2, 0) * 10) as bigint)
                    else 0 end as duration
            from timed
        ),
        assigned as (
            select ended.*, buckets.workspace_index, buckets.core_agents
            from {workspace_join_sql(
                part, 'ended', 'cast(floor(hash_unit(hash_1, 0) * ended.bucket_count) as bigint)')}
        )"""


def _columns_sql(kind: dict[str, int], widths: IdWidths, voice_providers: tuple[str, ...]) -> str:
    """The call columns of an `assigned` row, spoilt as its bad-row kind says."""
    return f"""
            'call_' || day_label || '_' || lpad(cast(row_index as varchar), {widths.call}, '0')
                as call_id,
            {workspace_id_sql(kind, 'variant % 2 = 0', 'workspace_id', widths.workspace)},
            'ag_' || lpad(cast(workspace_index as varchar), {widths.workspace}, '0') || '_'
                || lpad(cast(1 + cast(floor(hash_unit(hash_2, 1) * core_agents) as bigint)
                    as varchar), 2, '0') as agent_id,
            case when hash_unit(hash_1, 2) < 0.65 then 'inbound' else 'outbound' end
                as direction,
            status,
            {timestamp_sql(kind, 'variant % 2 = 1', 'started_at')},
            case when duration is null then null
                when kind = {kind['future_timestamp']}
                    then future_timestamp_text(day_start, ts + to_seconds(duration))
                else timestamp_text(ts + to_seconds(duration), hash_4) end as ended_at,
            case when kind = {kind['invalid_number']} and variant % 2 = 0 then '12,5'
                when kind = {kind['negative_quantity']}
                    then '-' || cast(coalesce(duration, 0) + 1 as varchar)
                else cast(duration as varchar) end as duration_seconds,
            case when hash_unit(hash_2, 2) < 0.8
                then '+1' || cast(201 + cast(floor(hash_unit(hash_6, 0) * 798) as bigint)
                    as varchar) || '55501' || lpad(cast(cast(floor(hash_unit(hash_5, 2) * 100)
                    as bigint) as varchar), 2, '0')
                else '+44207946' || lpad(cast(cast(floor(hash_unit(hash_5, 2) * 1000)
                    as bigint) as varchar), 4, '0') end as caller_number,
            {_voice_provider_sql(voice_providers)} as voice_provider,
            case when status <> 'completed' then null
                when hash_unit(hash_3, 0) < 0.45 then 'positive'
                when hash_unit(hash_3, 0) < 0.80 then 'neutral'
                when hash_unit(hash_3, 0) < 0.92 then 'negative' end as sentiment,
            case when status <> 'completed' or hash_unit(hash_3, 1) < 0.1 then null
                else {_intent_sql()} end as intent,
            case when kind = {kind['invalid_number']} and variant % 2 = 1 then 'abc'
                when hash_unit(hash_3, 2) < 0.1 then null
                else cast(180 + cast(floor(-ln(1.0 - hash_unit(hash_3, 2)) * 350) as bigint)
                    as varchar) end as latency_ms,
            {file_columns_sql(kind)}"""


def calls_source(rows_per_day: list[int], widths: IdWidths,
                 voice_providers: tuple[str, ...]) -> StreamSource:
    return StreamSource("calls", rows_per_day, 0, CALL_COLUMNS,
                        partial(calls_rows_sql, widths, voice_providers))
