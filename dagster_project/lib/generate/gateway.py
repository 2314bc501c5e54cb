"""gateway_requests/: LLM gateway requests over the gateway models, with token counts
and, for most of them, the cost the gateway reports."""

from __future__ import annotations

from functools import partial

from dagster_project.lib.generate.bad_rows import (
    GATEWAY_BAD_KINDS,
    NO_RATE_GATEWAY,
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

GATEWAY_COLUMNS = (
    Column("request_id"), Column("organization_id"), Column("provider"), Column("model"),
    Column("request_type"), Column("input_tokens", "num"), Column("output_tokens", "num"),
    Column("actual_cost", "num"), Column("occurred_at"),
)


def gateway_rows_sql(widths: IdWidths, part: Part) -> str:
    """The gateway rows of one part file."""
    kind, kind_sql, variant_sql = kinds_of(GATEWAY_BAD_KINDS, part)
    return (f"with {_requests_sql(part, kind_sql, variant_sql)}\n"
            f"select {_columns_sql(kind, widths)}\nfrom assigned")


def _requests_sql(part: Part, kind_sql: str, variant_sql: str) -> str:
    """The CTEs up to `assigned`: each request drawn (model, instant, type, tokens,
    workspace) with its bad-row kind and variant."""
    keyed = day_rows_sql(part, "gateway_requests", ("g1", "g2", "g3", "g4"))
    return f"""{keyed},
        positioned as (
            select *, (row_index + hash_unit(hash_1, 0)) / day_rows as quantile,
                {bad_row_columns_sql()}
            from keyed
        ),
        timed as (
            select positioned.*, product.provider as product_provider,
                product.model as product_model, product.rate,
                day_start + to_milliseconds({millisecond_of_day_sql('quantile', 'times')}) as ts,
                {kind_sql} as kind,
                {variant_sql} as variant,
                case when hash_unit(hash_2, 1) < 0.80 then 'chat'
                    when hash_unit(hash_2, 1) < 0.92 then 'completion'
                    else 'embedding' end as request_type
            from positioned
            join gateway_products product on product.product_bucket
                = cast(floor(hash_unit(hash_1, 1) * {PRODUCT_BUCKETS}) as bigint)
            join time_of_day times on times.weekend = positioned.weekend
                and times.bucket = {time_bucket_sql('quantile')}
        ),
        sized as (
            select *,
                20 + cast(floor(-ln(1.0 - hash_unit(hash_3, 0)) * 1200) as bigint) as tokens_in,
                case when request_type = 'embedding' then 0
                    else 5 + cast(floor(-ln(1.0 - hash_unit(hash_3, 1)) * 300) as bigint) end
                    as tokens_out
            from timed
        ),
        assigned as (
            select sized.*, buckets.workspace_index
            from {workspace_join_sql(
                part, 'sized', 'cast(floor(hash_unit(hash_2, 0) * sized.bucket_count) as bigint)')}
        )"""


def _columns_sql(kind: dict[str, int], widths: IdWidths) -> str:
    """The gateway columns of an `assigned` row, spoilt as its bad-row kind says."""
    return f"""
            'req_' || day_label || '_' || lpad(cast(row_index as varchar), {widths.event}, '0')
                as request_id,
            {workspace_id_sql(kind, 'variant % 4 = 0', 'organization_id', widths.workspace)},
            case when kind = {kind['no_rate']} then '{NO_RATE_GATEWAY[0]}'
                else product_provider end as provider,
            case when kind = {kind['missing_value']} and variant % 4 = 1 then null
                when kind = {kind['no_rate']} then '{NO_RATE_GATEWAY[1]}'
                else product_model end as model,
            request_type,
            case when kind = {kind['missing_value']} and variant % 4 = 2 then null
                when kind = {kind['negative_quantity']} then '-' || cast(tokens_in as varchar)
                when kind = {kind['invalid_number']} then {invalid_number_text_sql()}
                else cast(tokens_in as varchar) end as input_tokens,
            cast(tokens_out as varchar) as output_tokens,
            case when kind = {kind['no_rate']} or hash_unit(hash_4, 2) >= 0.25 then null
                else cast(cast((tokens_in + tokens_out) * rate as decimal(20, 10)) as varchar)
                end as actual_cost,
            {timestamp_sql(kind, 'variant % 4 = 3', 'occurred_at')},
            {file_columns_sql(kind)}"""


def gateway_source(rows_per_day: list[int], widths: IdWidths) -> StreamSource:
    return StreamSource("gateway_requests", rows_per_day, 0, GATEWAY_COLUMNS,
                        partial(gateway_rows_sql, widths))
