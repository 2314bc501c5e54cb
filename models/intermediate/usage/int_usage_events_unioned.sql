{{ config(materialized="view") }}
{#- All billable usage in one shape: usage records as they are, and each gateway
    request as two events, `llm_tokens` (input + output tokens, costing actual_cost
    when given, else tokens x rate) and `api_calls` (quantity 1 at the api_calls rate,
    0 when the rate book has none) (contract 2.1.2). A view: its consumers aggregate it
    right away, so writing the event-level union out would only cost time. -#}
with

usage_records as (

    select * from {{ ref('int_usage_records_deduplicated') }}

),

gateway_requests as (

    select * from {{ ref('int_gateway_requests_deduplicated') }}

),

final as (

    select
        event_id,
        'usage_records' as source_name,
        workspace_id,
        resource_type,
        provider,
        model,
        quantity,
        cast(quantity * unit_cost as {{ type_money() }}) as provider_cost,
        occurred_at,
        file_id,
        built_at
    from usage_records

    union all

    select
        request_id || ':llm_tokens' as event_id,
        'gateway_requests' as source_name,
        workspace_id,
        'llm_tokens' as resource_type,
        provider,
        model,
        input_tokens + output_tokens as quantity,
        cast(coalesce(actual_cost, (input_tokens + output_tokens) * llm_tokens_unit_cost)
            as {{ type_money() }}) as provider_cost,
        occurred_at,
        file_id,
        built_at
    from gateway_requests

    union all

    select
        request_id || ':api_calls' as event_id,
        'gateway_requests' as source_name,
        workspace_id,
        'api_calls' as resource_type,
        provider,
        model,
        cast(1 as {{ type_quantity() }}) as quantity,
        cast(api_calls_unit_cost as {{ type_money() }}) as provider_cost,
        occurred_at,
        file_id,
        built_at
    from gateway_requests

)

select * from final
