{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
) }}
{#- Accepted usage records: valid, one per event_id, the first delivered copy (earliest
    loaded file, then earliest row) wins (contract 2.1.1). -#}
with

deduplicated as (

    {{ first_delivered_copies(ref('int_usage_records_validated'), 'event_id') }}

),

final as (

    select
        event_id,
        workspace_id,
        call_id,
        resource_type,
        provider,
        model,
        quantity,
        resolved_unit_cost as unit_cost,
        unit_cost_source,
        occurred_at,
        file_id,
        row_number,
        {#- which build accepted the row: its tests check what it added -#}
        {{ build_started_at() }} as built_at
    from deduplicated

)

select * from final
