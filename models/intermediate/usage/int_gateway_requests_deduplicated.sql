{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
) }}
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
        row_number,
        {#- which build accepted the row: its tests check what it added -#}
        {{ build_started_at() }} as built_at
    from deduplicated

)

select * from final
