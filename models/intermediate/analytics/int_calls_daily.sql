{{ config(
    materialized='incremental',
    incremental_strategy=replace_slices_strategy(),
    unique_key='first_call_date',
    partition_by=['first_call_date'],
) }}
{#- Calls per workspace, agent, UTC date of started_at and intent, with the counts per
    status and sentiment and the durations that fct_workspace_analytics_daily,
    fct_agent_performance_daily and fct_platform_daily sum instead of the calls. Kept in
    the slices of int_calls_deduplicated (first_call_date): a call whose later version
    starts on another day stays in its slice, so the marts sum over the slices.
    Incremental: a build re-aggregates, whole, the slices holding a call version of a
    file after its max(last_file_id), and replaces them. -#}
with

calls as (

    {{ rows_of_changed_slices(ref('int_calls_enriched'), 'first_call_date') }}

),

final as (

    select
        first_call_date,
        workspace_id,
        agent_id,
        call_date,
        intent,
        cast(count(*) as {{ dbt.type_bigint() }}) as calls,
        cast(sum(is_completed) as {{ dbt.type_bigint() }}) as completed,
        cast(sum(is_failed) as {{ dbt.type_bigint() }}) as failed,
        cast(sum(is_unanswered) as {{ dbt.type_bigint() }}) as unanswered,
        cast(sum(is_in_progress) as {{ dbt.type_bigint() }}) as in_progress,
        cast(sum(has_duration) as {{ dbt.type_bigint() }}) as calls_with_duration,
        sum(duration_seconds) as duration_seconds,
        cast(sum(case when sentiment = 'positive' then 1 else 0 end) as {{ dbt.type_bigint() }})
            as sentiment_positive,
        cast(sum(case when sentiment = 'neutral' then 1 else 0 end) as {{ dbt.type_bigint() }})
            as sentiment_neutral,
        cast(sum(case when sentiment = 'negative' then 1 else 0 end) as {{ dbt.type_bigint() }})
            as sentiment_negative,
        cast(sum(case when sentiment is not null then 1 else 0 end) as {{ dbt.type_bigint() }})
            as calls_with_sentiment,
        max(file_id) as last_file_id
    from calls
    group by first_call_date, workspace_id, agent_id, call_date, intent

)

select * from final
