{{ config(
    materialized='incremental',
    incremental_strategy=replace_slices_strategy(),
    unique_key='first_call_date',
    partition_by=['first_call_date'],
) }}
{#- Calls per workspace, UTC date and UTC hour of started_at, in the slices of
    int_calls_deduplicated and built like int_calls_daily: what fct_calls_by_hour sums.
    A model of its own, as int_calls_daily by hour too would have many times its rows. -#}
with

calls as (

    {{ rows_of_changed_slices(ref('int_calls_enriched'), 'first_call_date') }}

),

final as (

    select
        first_call_date,
        workspace_id,
        call_date,
        hour_utc,
        cast(count(*) as {{ dbt.type_bigint() }}) as calls,
        max(file_id) as last_file_id
    from calls
    group by first_call_date, workspace_id, call_date, hour_utc

)

select * from final
