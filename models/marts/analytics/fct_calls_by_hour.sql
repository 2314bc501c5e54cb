{#- Calls per workspace, UTC date and UTC hour of started_at (contract 6); an hour
    without calls has no row. -#}
with

calls as (

    select * from {{ ref('int_calls_enriched') }}

),

final as (

    select
        workspace_id,
        call_date as date,
        hour_utc,
        cast(count(*) as {{ dbt.type_bigint() }}) as calls
    from calls
    group by workspace_id, call_date, hour_utc

)

select * from final
