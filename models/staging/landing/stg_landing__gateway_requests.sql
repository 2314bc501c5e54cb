with

source as (

    select * from {{ source('landing', 'gateway_requests') }}

),

final as (

    select
        _file_id as file_id,
        _row_number as row_number,
        _unparsed as unparsed_line,
        _read_error as read_error,
        nullif(trim(request_id), '') as request_id,
        nullif(trim(organization_id), '') as workspace_id,
        nullif(trim(provider), '') as provider,
        nullif(trim(model), '') as model,
        nullif(trim(request_type), '') as request_type,
        input_tokens as input_tokens_text,
        {{ parse_decimal('input_tokens', type_quantity()) }} as input_tokens,
        output_tokens as output_tokens_text,
        {{ parse_decimal('output_tokens', type_quantity()) }} as output_tokens,
        actual_cost as actual_cost_text,
        {{ parse_decimal('actual_cost', type_unit_price()) }} as actual_cost,
        occurred_at as occurred_at_text,
        {{ parse_timestamp_utc('occurred_at') }} as occurred_at,
        {{ row_to_json(['request_id', 'organization_id', 'provider', 'model', 'request_type',
                        'input_tokens', 'output_tokens', 'actual_cost', 'occurred_at',
                        '_extra']) }} as raw_row
    from source

)

select * from final
