{#- Calls per workspace, UTC date and UTC hour of started_at (contract 6); an hour
    without calls has no row. Summed from the hourly call aggregates. -#}
with

calls_hourly as (

    select * from {{ ref('int_calls_hourly') }}

),

final as (

    select
        workspace_id,
        call_date as date,
        hour_utc,
        cast(sum(calls) as {{ dbt.type_bigint() }}) as calls
    from calls_hourly
    group by workspace_id, call_date, hour_utc

)

select * from final
