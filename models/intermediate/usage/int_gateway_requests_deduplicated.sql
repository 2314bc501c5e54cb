{{ config(materialized='view') }}
{#- Accepted gateway requests: valid, one per request_id, the first delivered copy wins;
    the valid rows of the validated model but its later copies, like the usage records. -#}
with

validated as (

    select * from {{ ref('int_gateway_requests_validated') }}

),

later_copies as (

    select file_id, row_number from {{ ref('int_gateway_requests_later_copies') }}
    where file_id is not null

),

final as (

    select
        validated.request_id,
        validated.workspace_id,
        validated.provider,
        validated.model,
        validated.request_type,
        validated.input_tokens,
        validated.output_tokens,
        validated.actual_cost,
        validated.llm_tokens_unit_cost,
        validated.api_calls_unit_cost,
        validated.occurred_at,
        validated.file_id,
        validated.row_number,
        {#- which build validated and accepted the row: its tests check what it added -#}
        validated.built_at
    from validated
    left join later_copies
        on validated.file_id = later_copies.file_id
        and validated.row_number = later_copies.row_number
    where validated.quarantine_reason is null and later_copies.file_id is null

)

select * from final
