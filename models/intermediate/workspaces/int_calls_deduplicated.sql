{#- Accepted calls: valid, one per call_id, the last delivered version wins (a call is
    re-sent as it progresses from in_progress to its final status). -#}
with

deduplicated as (

    {{ keep_first(ref('int_calls_validated'), 'call_id', 'file_id desc, row_number desc') }}

),

final as (

    select
        call_id,
        workspace_id,
        agent_id,
        direction,
        call_status,
        started_at,
        ended_at,
        duration_seconds,
        caller_number,
        voice_provider,
        sentiment,
        intent,
        latency_ms,
        file_id,
        row_number
    from deduplicated

)

select * from final
