{{ config(
    materialized='incremental',
    incremental_strategy=replace_slices_strategy(),
    unique_key='usage_date',
    partition_by=['usage_date'],
) }}
{#- Daily usage per workspace, resource type, provider and model, from the accepted,
    de-duplicated usage of both landing sources: what rating, margins, limits and the
    analytics marts read instead of the events. Incremental: a build
    re-aggregates only the days that events of the files loaded since the last build
    fall on (a late event re-aggregates its own day), whole, and replaces them;
    last_file_id (the newest file counted in the row's day) says where the last build
    stopped and which days it re-aggregated. -#}
with

usage_events as (

    select * from {{ ref('int_usage_events_unioned') }}

),

{%- if is_incremental() %}

new_events as (

    select occurred_at from usage_events
    where file_id > {{ last_file_taken('last_file_id') }}

),

touched_days as (

    select distinct cast(occurred_at as date) as usage_date from new_events

),

touched_range as (

    select min(occurred_at) as first_at, max(occurred_at) as last_at from new_events

),

events as (

    {#- the range lets the engine skip the older data; the days pick exactly -#}
    select usage_events.*
    from usage_events
    cross join touched_range
    inner join touched_days
        on cast(usage_events.occurred_at as date) = touched_days.usage_date
    where usage_events.occurred_at >= {{ dbt.date_trunc('day', 'touched_range.first_at') }}
        and usage_events.occurred_at < {{ dbt.dateadd('day', 1, dbt.date_trunc('day', 'touched_range.last_at')) }}

),

{%- else %}

events as (

    select * from usage_events

),

{%- endif %}

aggregated as (

    select
        workspace_id,
        cast(occurred_at as date) as usage_date,
        resource_type,
        provider,
        model,
        sum(quantity) as quantity,
        sum(provider_cost) as provider_cost,
        count(*) as events,
        max(file_id) as last_file_id
    from events
    group by 1, 2, 3, 4, 5

),

final as (

    {#- the day's newest file on each of its rows: it changes exactly when the day is
        re-aggregated, and a full refresh gives the same value -#}
    select
        workspace_id,
        usage_date,
        resource_type,
        provider,
        model,
        quantity,
        provider_cost,
        events,
        max(last_file_id) over (partition by usage_date) as last_file_id
    from aggregated

)

select * from final
