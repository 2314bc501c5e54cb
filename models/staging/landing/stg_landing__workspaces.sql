with

source as (

    select * from {{ source('landing', 'workspaces') }}

),

final as (

    select
        _file_id as file_id,
        _row_number as row_number,
        _unparsed as unparsed_line,
        _read_error as read_error,
        nullif(trim(workspace_id), '') as workspace_id,
        nullif(trim(name), '') as workspace_name,
        lower(nullif(trim(status), '')) as workspace_status,
        nullif(trim(plan_id), '') as plan_id,
        nullif(trim(billing_email), '') as billing_email,
        upper(nullif(trim(country), '')) as country,
        upper(nullif(trim(region), '')) as region,
        created_at as created_at_text,
        {{ parse_timestamp_utc('created_at') }} as created_at,
        cancelled_at as cancelled_at_text,
        {{ parse_timestamp_utc('cancelled_at') }} as cancelled_at,
        markup_percentage as markup_percentage_text,
        {{ parse_decimal('markup_percentage', 'decimal(9, 4)') }} as markup_percentage,
        usage_limit_monthly as usage_limit_monthly_text,
        {{ parse_decimal('usage_limit_monthly', 'decimal(18, 4)') }} as usage_limit_monthly,
        alert_threshold_percentage as alert_threshold_percentage_text,
        {{ parse_decimal('alert_threshold_percentage', 'decimal(9, 4)') }}
            as alert_threshold_percentage,
        auto_pause_on_limit as auto_pause_on_limit_text,
        {{ parse_boolean('auto_pause_on_limit') }} as auto_pause_on_limit,
        snapshot_at as snapshot_at_text,
        {{ parse_timestamp_utc('snapshot_at') }} as snapshot_at,
        {{ row_to_json(['workspace_id', 'name', 'status', 'plan_id', 'billing_email', 'country',
                        'region', 'created_at', 'cancelled_at', 'markup_percentage',
                        'usage_limit_monthly', 'alert_threshold_percentage',
                        'auto_pause_on_limit', 'snapshot_at', '_extra']) }} as raw_row
    from source

)

select * from final
