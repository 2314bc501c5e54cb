{{ config(materialized='view') }}
{#- Accepted usage records: valid, one per event_id, the first delivered copy (earliest
    loaded file, then earliest row) wins (contract 2.1.1). The validated model decides it
    when it validates a row (is_duplicate), so the accepted rows are a view of it, not a
    second copy of every event. -#}
with

validated as (

    select * from {{ ref('int_usage_records_validated') }}

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
        {#- which build validated and accepted the row: its tests check what it added -#}
        built_at
    from validated
    where quarantine_reason is null and not is_duplicate

)

select * from final
