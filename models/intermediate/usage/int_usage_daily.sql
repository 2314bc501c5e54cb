{{ config(
    materialized='incremental',
    incremental_strategy=replace_slices_strategy(),
    unique_key='usage_date',
    partition_by=['usage_date'],
    on_schema_change='append_new_columns',
) }}
{#- Daily usage per workspace, resource type, provider and model, from the accepted,
    de-duplicated usage of both landing sources: what rating, margins, limits and the
    analytics marts read instead of the events. Incremental: a build aggregates the
    events of the files loaded since the last one and adds them to the rows of the days
    they fall on (a late event changes its own day only), which are replaced whole. The
    accepted events only ever grow (the first delivered copy wins, later copies are
    dropped), so adding up equals aggregating the day again. last_file_id (the newest
    file counted in the row's day) says where the last build stopped. -#}
with

usage_events as (

    select * from {{ ref('int_usage_events_unioned') }}
    {%- if is_incremental() %}
    where file_id > {{ last_file_taken('last_file_id') }}
    {%- endif %}

),

events_by_day as (

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
    from usage_events
    group by 1, 2, 3, 4, 5

),

{%- if is_incremental() %}

counted_before as (

    {#- what earlier builds counted on the days the new events fall on -#}
    select
        workspace_id,
        usage_date,
        resource_type,
        provider,
        model,
        quantity,
        provider_cost,
        events,
        last_file_id
    from {{ this }}
    where usage_date in (select usage_date from events_by_day)

),

aggregated as (

    select
        workspace_id,
        usage_date,
        resource_type,
        provider,
        model,
        sum(quantity) as quantity,
        sum(provider_cost) as provider_cost,
        cast(sum(events) as {{ dbt.type_bigint() }}) as events,
        max(last_file_id) as last_file_id
    from (
        select * from counted_before
        union all
        select * from events_by_day
    ) as day_rows
    group by 1, 2, 3, 4, 5

),

{%- else %}

aggregated as (

    select * from events_by_day

),

{%- endif %}

final as (

    {#- the day's newest file on each of its rows: it changes exactly when the day gets
        new events, and a full refresh gives the same value -#}
    select
        workspace_id,
        usage_date,
        resource_type,
        provider,
        model,
        quantity,
        provider_cost,
        events,
        max(last_file_id) over (partition by usage_date) as last_file_id,
        {#- which build wrote the day: its tests check the days it replaced -#}
        {{ build_started_at() }} as built_at
    from aggregated

)

select * from final
