{{ config(materialized='view') }}
{#- Accepted usage records: valid, one per event_id, the first delivered copy (earliest
    loaded file, then earliest row) wins (contract 2.1.1): the valid rows of the validated
    model but its later copies (found over the keys alone), a view rather than a second
    copy of every event. -#}
with

validated as (

    select * from {{ ref('int_usage_records_validated') }}

),

later_copies as (

    select file_id, row_number from {{ ref('int_usage_records_later_copies') }}
    where file_id is not null

),

final as (

    select
        validated.event_id,
        validated.workspace_id,
        validated.call_id,
        validated.resource_type,
        validated.provider,
        validated.model,
        validated.quantity,
        validated.resolved_unit_cost as unit_cost,
        validated.unit_cost_source,
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
