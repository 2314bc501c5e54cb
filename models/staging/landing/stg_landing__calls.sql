with

source as (

    select * from {{ source('landing', 'calls') }}

),

final as (

    select
        _file_id as file_id,
        _row_number as row_number,
        _unparsed as unparsed_line,
        _read_error as read_error,
        nullif(trim(call_id), '') as call_id,
        nullif(trim(workspace_id), '') as workspace_id,
        nullif(trim(agent_id), '') as agent_id,
        lower(nullif(trim(direction), '')) as direction,
        lower(nullif(trim(status), '')) as call_status,
        started_at as started_at_text,
        {{ parse_timestamp_utc('started_at') }} as started_at,
        ended_at as ended_at_text,
        {{ parse_timestamp_utc('ended_at') }} as ended_at,
        duration_seconds as duration_seconds_text,
        {{ parse_decimal('duration_seconds', 'decimal(18, 3)') }} as duration_seconds,
        nullif(trim(caller_number), '') as caller_number,
        nullif(trim(voice_provider), '') as voice_provider,
        lower(nullif(trim(sentiment), '')) as sentiment,
        nullif(trim(intent), '') as intent,
        latency_ms as latency_ms_text,
        {{ parse_decimal('latency_ms', 'decimal(18, 3)') }} as latency_ms,
        {{ row_to_json(['call_id', 'workspace_id', 'agent_id', 'direction', 'status',
                        'started_at', 'ended_at', 'duration_seconds', 'caller_number',
                        'voice_provider', 'sentiment', 'intent', 'latency_ms',
                        '_extra']) }} as raw_row
    from source

)

select * from final
