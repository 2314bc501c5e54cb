{{ config(materialized="view") }}
{#- The accepted, de-duplicated calls with what the analytics marts group and count by:
    the UTC date and hour of started_at, and flags per status. A view: int_calls_daily
    aggregates it right away, a slice at a time. -#}
with

calls as (

    select * from {{ ref('int_calls_deduplicated') }}

),

final as (

    select
        call_id,
        workspace_id,
        agent_id,
        cast(started_at as date) as call_date,
        cast(extract(hour from started_at) as {{ dbt.type_int() }}) as hour_utc,
        call_status,
        case when call_status = 'completed' then 1 else 0 end as is_completed,
        case when call_status = 'failed' then 1 else 0 end as is_failed,
        case when call_status in ('busy', 'no_answer') then 1 else 0 end as is_unanswered,
        case when call_status = 'in_progress' then 1 else 0 end as is_in_progress,
        duration_seconds,
        case when duration_seconds is not null then 1 else 0 end as has_duration,
        sentiment,
        intent,
        first_call_date,
        file_id,
        built_at
    from calls

)

select * from final
