{#- Calls per workspace, agent and UTC date of started_at (contract 6), with the agent's
    name in the state in effect at the end of that day (the first snapshot also covers
    the days before it). top_intent is the most frequent intent of the day, ties broken
    alphabetically. Calls without an agent form the row with agent_id NULL. Summed from
    the daily call aggregates. -#}
with

calls_daily as (

    select * from {{ ref('int_calls_daily') }}

),

agent_states as (

    select * from {{ ref('int_agent_states') }}

),

intent_groups as (

    select
        workspace_id,
        agent_id,
        call_date,
        intent,
        sum(calls) as calls,
        sum(completed) as completed,
        sum(calls_with_duration) as calls_with_duration,
        sum(duration_seconds) as duration_seconds
    from calls_daily
    group by workspace_id, agent_id, call_date, intent

),

{#- one pass over the (day, intent) groups: the day's totals on every group, and the
    groups ranked so that rank 1 is the top intent (a NULL intent ranks last) -#}
ranked as (

    select
        *,
        sum(calls) over (partition by workspace_id, agent_id, call_date) as day_calls,
        sum(completed) over (partition by workspace_id, agent_id, call_date) as day_completed,
        sum(calls_with_duration) over (partition by workspace_id, agent_id, call_date)
            as day_calls_with_duration,
        sum(duration_seconds) over (partition by workspace_id, agent_id, call_date)
            as day_duration_seconds,
        row_number() over (
            partition by workspace_id, agent_id, call_date
            order by case when intent is null then 1 else 0 end, calls desc, intent
        ) as intent_rank
    from intent_groups

),

agent_days as (

    select
        workspace_id,
        agent_id,
        call_date,
        cast({{ dbt.dateadd('day', 1, 'call_date') }} as {{ api.Column.translate_type('timestamp') }})
            as day_end,
        day_calls as calls,
        day_completed as completed,
        day_calls_with_duration as calls_with_duration,
        coalesce(day_duration_seconds, 0) as duration_seconds,
        intent as top_intent,
        case when intent is not null then calls end as top_intent_calls
    from ranked
    where intent_rank = 1

),

final as (

    select
        agent_days.workspace_id,
        agent_days.agent_id,
        agent_states.agent_name,
        agent_days.call_date as date,
        cast(agent_days.calls as {{ dbt.type_bigint() }}) as calls,
        cast(agent_days.completed as {{ dbt.type_bigint() }}) as completed,
        {{ percentage_of('agent_days.completed', 'agent_days.calls') }} as success_rate,
        {{ average_of('agent_days.duration_seconds', 'agent_days.calls_with_duration') }}
            as avg_duration_seconds,
        {{ seconds_to_minutes('agent_days.duration_seconds') }} as minutes,
        agent_days.top_intent,
        cast(agent_days.top_intent_calls as {{ dbt.type_bigint() }}) as top_intent_calls
    from agent_days
    left join agent_states
        on agent_days.agent_id = agent_states.agent_id
        and agent_states.valid_from < agent_days.day_end
        and agent_states.valid_to >= agent_days.day_end

)

select * from final
