"""usage_records/: usage events over the usage products in proportion to the resource mix,
call-linked usage referring to a call of the same workspace, Zipf-like workspaces, and
one storage row per active workspace at the end of each day."""

from __future__ import annotations

from functools import partial

from dagster_project.lib.generate.bad_rows import (
    NO_RATE_USAGE,
    UNKNOWN_RESOURCE_TYPE,
    USAGE_BAD_KINDS,
    bad_row_columns_sql,
    invalid_number_text_sql,
    timestamp_sql,
    workspace_id_sql,
)
from dagster_project.lib.generate.files import Column
from dagster_project.lib.generate.reference import PRODUCT_BUCKETS
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

USAGE_COLUMNS = (
    Column("event_id"), Column("workspace_id"), Column("call_id"),
    Column("resource_type"), Column("provider"), Column("model"),
    Column("quantity", "num"), Column("unit_cost", "num"), Column("occurred_at"),
)
# The usage days' own parameters: usage rows that are events, and call ids to refer to.
_EXTRA_DAY_COLUMNS = ("streamed_rows", "call_slots")
# Storage rows are stamped from 23:00 UTC on, spread over the last hour of the day.
_STORAGE_FIRST_MS = 82_800_000
_STORAGE_SPAN_MS = 3_590_000
# Minutes of a call_minutes or transcription event (the no_rate bad rows use it too).
_MINUTES_SQL = "cast(cast(least(120.0, 0.05 + size_draw * 2.5) as decimal(12, 2)) as varchar)"


def usage_rows_sql(widths: IdWidths, part: Part) -> str:
    """The usage rows of one part file."""
    kind, kind_sql, variant_sql = kinds_of(USAGE_BAD_KINDS, part)
    return (f"with {_events_sql(part, kind_sql, variant_sql)}\n"
            f"select {_columns_sql(kind, widths)}\nfrom assigned")


def _events_sql(part: Part, kind_sql: str, variant_sql: str) -> str:
    """The CTEs up to `assigned`: each event drawn (product, instant, linked call,
    workspace, quantity) with its bad-row kind and variant."""
    keyed = day_rows_sql(part, "usage_records", ("u1", "u2", "u3", "u4"), _EXTRA_DAY_COLUMNS)
    return f"""{keyed},
        positioned as (
            select *, row_index >= streamed_rows as is_storage,
                case when row_index >= streamed_rows then 0.0
                    else (row_index + hash_unit(hash_1, 0)) / streamed_rows end as quantile,
                {bad_row_columns_sql()}
            from keyed
        ),
        timed as (
            select positioned.*, product.resource_type as product_resource_type,
                product.provider as product_provider, product.model as product_model,
                product.rate, product.linked,
                day_start + to_milliseconds(case when is_storage
                    then {_STORAGE_FIRST_MS} + (row_index - streamed_rows) * {_STORAGE_SPAN_MS}
                        // greatest(day_rows - streamed_rows, 1)
                    else {millisecond_of_day_sql('quantile', 'times')} end) as ts
            from positioned
            join usage_products product on product.product_bucket = case when is_storage
                then {PRODUCT_BUCKETS}
                else cast(floor(hash_unit(hash_1, 1) * {PRODUCT_BUCKETS}) as bigint) end
            join time_of_day times on times.weekend = positioned.weekend and times.bucket = case
                when is_storage then 0 else {time_bucket_sql('quantile')} end
        ),
        drawn as (
            select *,
                not is_storage and (linked = 2 or (linked = 1 and hash_unit(hash_2, 2) < 0.5))
                    as linked_call,
                greatest(0, least(call_slots - 1, cast(floor(quantile * call_slots) as bigint)
                    - cast(floor(hash_unit(hash_2, 0) * 3) as bigint))) as call_index,
                {kind_sql} as kind,
                {variant_sql} as variant
            from timed
        ),
        sized as (
            select *,
                case when is_storage then bucket_count + (row_index - streamed_rows)
                    when linked_call then cast(floor(hash_unit(
                        row_hash(call_index, source_day, 'call'), 0) * bucket_count) as bigint)
                    else cast(floor(hash_unit(hash_2, 1) * bucket_count) as bigint) end
                    as workspace_bucket,
                -ln(1.0 - hash_unit(hash_3, 0)) as size_draw
            from drawn
        ),
        assigned as (
            select sized.*, buckets.workspace_index,
                {_quantity_sql()} as quantity_text
            from {workspace_join_sql(part, 'sized', 'sized.workspace_bucket')}
        )"""


def _columns_sql(kind: dict[str, int], widths: IdWidths) -> str:
    """The usage columns of an `assigned` row, spoilt as its bad-row kind says."""
    return f"""
            'evt_' || day_label || '_' || lpad(cast(row_index as varchar), {widths.event}, '0')
                as event_id,
            {workspace_id_sql(kind, 'variant % 4 = 0', 'workspace_id', widths.workspace)},
            case when linked_call then 'call_' || day_label || '_'
                || lpad(cast(call_index as varchar), {widths.call}, '0') end as call_id,
            case when kind = {kind['unknown_resource_type']} then '{UNKNOWN_RESOURCE_TYPE}'
                when kind = {kind['no_rate']} then '{NO_RATE_USAGE[1]}'
                else product_resource_type end as resource_type,
            case when kind = {kind['missing_value']} and variant % 4 = 1 then null
                when kind = {kind['no_rate']} then '{NO_RATE_USAGE[0]}'
                else product_provider end as provider,
            case when kind = {kind['no_rate']} then null else product_model end as model,
            case when kind = {kind['missing_value']} and variant % 4 = 2 then null
                when kind = {kind['negative_quantity']}
                    then '-' || cast(1 + bad_number % 50 as varchar) || '.5'
                when kind = {kind['invalid_number']} then {invalid_number_text_sql()}
                when kind = {kind['no_rate']} then {_MINUTES_SQL}
                else quantity_text end as quantity,
            case when kind = {kind['no_rate']} or rate is null or hash_unit(hash_4, 2) >= 0.1
                then null
                else cast(cast(rate * case cast(floor(hash_unit(hash_3, 1) * 3) as int)
                    when 0 then 0.90 when 1 then 0.95 else 1.00 end as decimal(20, 12))
                    as varchar) end as unit_cost,
            {timestamp_sql(kind, 'variant % 4 = 3', 'occurred_at')},
            {file_columns_sql(kind)}"""


def _quantity_sql() -> str:
    """The quantity of an event, as text: exponentially distributed, per resource type."""
    return f"""case when product_resource_type = 'call_minutes'
                        or product_resource_type = 'transcription'
                    then {_MINUTES_SQL}
                when product_resource_type = 'synthesis'
                    then cast(20 + cast(floor(size_draw * 400) as bigint) as varchar)
                when product_resource_type = 'llm_tokens'
                    then cast(50 + cast(floor(size_draw * 1500) as bigint) as varchar)
                when product_resource_type = 'api_calls'
                    then cast(1 + cast(floor(size_draw * 2) as bigint) as varchar)
                else cast(cast(0.001 + pow(hash_unit(hash_3, 0), 3) * 2.0 as decimal(12, 6))
                    as varchar)
                end"""


def usage_source(rows_per_day: list[int], streamed_rows: list[int], call_slots: list[int],
                 late_threshold: int, widths: IdWidths, unparseable_day: int) -> StreamSource:
    return StreamSource(
        "usage_records", rows_per_day, late_threshold, USAGE_COLUMNS,
        partial(usage_rows_sql, widths),
        dict(zip(_EXTRA_DAY_COLUMNS, (streamed_rows, call_slots), strict=True)),
        unparseable_day=unparseable_day)
