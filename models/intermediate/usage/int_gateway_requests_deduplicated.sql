{{ config(materialized='incremental', incremental_strategy='append') }}
{#- Accepted gateway requests: valid, one per request_id, the first delivered copy wins. -#}
with

deduplicated as (

    {{ first_delivered_copies(ref('int_gateway_requests_validated'), 'request_id') }}

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
        row_number
    from deduplicated

)

select * from final
