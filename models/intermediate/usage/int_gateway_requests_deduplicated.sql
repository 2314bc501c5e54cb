{{ config(materialized='view') }}
{#- Accepted gateway requests: valid, one per request_id, the first delivered copy wins;
    decided by the validated model (is_duplicate), like the usage records. -#}
with

validated as (

    select * from {{ ref('int_gateway_requests_validated') }}

),

final as (

    select
        request_id,
        workspace_id,
        provider,
        model,
        request_type,
        input_tokens,
        output_tokens,
        actual_cost,
        llm_tokens_unit_cost,
        api_calls_unit_cost,
        occurred_at,
        file_id,
        row_number,
        {#- which build validated and accepted the row: its tests check what it added -#}
        built_at
    from validated
    where quarantine_reason is null and not is_duplicate

)

select * from final
