{{ config(materialized="view") }}
{#- One row per accepted, de-duplicated call (the last delivered version of each
    call_id), for exports and reports. The caller's number is never published in full:
    every character but the last 4 is masked. A view of the incremental
    int_calls_deduplicated: a build writes only the slices that changed, not every
    call again. -#}
with

calls as (

    select * from {{ ref('int_calls_deduplicated') }}

),

final as (

    select
        call_id,
        workspace_id,
        agent_id,
        direction,
        call_status as status,
        started_at,
        ended_at,
        duration_seconds,
        {{ mask_caller_number('caller_number') }} as caller_number_masked,
        voice_provider,
        sentiment,
        intent,
        latency_ms
    from calls

)

select * from final
