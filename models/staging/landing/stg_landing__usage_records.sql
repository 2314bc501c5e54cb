with

source as (

    select * from {{ source('landing', 'usage_records') }}

),

final as (

    select
        _file_id as file_id,
        _row_number as row_number,
        _unparsed as unparsed_line,
        _read_error as read_error,
        nullif(trim(event_id), '') as event_id,
        nullif(trim(workspace_id), '') as workspace_id,
        nullif(trim(call_id), '') as call_id,
        nullif(trim(resource_type), '') as resource_type,
        nullif(trim(provider), '') as provider,
        nullif(trim(model), '') as model,
        quantity as quantity_text,
        {{ parse_decimal('quantity', type_quantity()) }} as quantity,
        unit_cost as unit_cost_text,
        {{ parse_decimal('unit_cost', type_unit_price()) }} as unit_cost,
        occurred_at as occurred_at_text,
        {{ parse_timestamp_utc('occurred_at') }} as occurred_at,
        {{ row_to_json(['event_id', 'workspace_id', 'call_id', 'resource_type', 'provider',
                        'model', 'quantity', 'unit_cost', 'occurred_at', '_extra']) }} as raw_row
    from source

)

select * from final
