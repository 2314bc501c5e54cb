{#- The days the platform marts report on: from the first data day (the earliest
    workspace snapshot, call or usage event) to the date of the run's as_of, preceded by
    the 30 days before it, so a 30-day window or "30 days before" is defined from the
    first reported day on. Capped at 36,600 days (100 years). -#}
with

workspace_states as (

    select min(snapshot_at) as first_at from {{ ref('int_workspace_states') }}

),

calls as (

    {#- a day, like usage_events -#}
    select cast(min(call_date) as {{ api.Column.translate_type('timestamp') }}) as first_at
    from {{ ref('int_calls_daily') }}

),

usage_events as (

    {#- a day, not an instant, like the other two once cast below -#}
    select cast(min(usage_date) as {{ api.Column.translate_type('timestamp') }}) as first_at
    from {{ ref('int_usage_daily') }}

),

bounds as (

    select
        cast(least(
            coalesce(workspace_states.first_at, calls.first_at, usage_events.first_at),
            coalesce(calls.first_at, usage_events.first_at, workspace_states.first_at),
            coalesce(usage_events.first_at, workspace_states.first_at, calls.first_at)
        ) as date) as first_day,
        cast({{ run_as_of() }} as date) as last_day
    from workspace_states
    cross join calls
    cross join usage_events

),

day_numbers as (

    {{ dbt.generate_series(36600) }}

),

days as (

    select
        cast({{ dbt.dateadd('day', 'day_numbers.generated_number - 31', 'bounds.first_day') }}
            as date) as date_day,
        bounds.first_day,
        bounds.last_day
    from bounds
    cross join day_numbers

),

final as (

    select
        date_day,
        cast(date_day as {{ api.Column.translate_type('timestamp') }}) as day_start,
        cast({{ dbt.dateadd('day', 1, 'date_day') }} as {{ api.Column.translate_type('timestamp') }})
            as day_end,
        date_day >= first_day as is_reported
    from days
    where date_day <= last_day

)

select * from final
