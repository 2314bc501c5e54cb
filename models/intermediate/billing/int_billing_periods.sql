{#- The billed periods: every calendar month from the first billed month (var
    `billing_start`, else the month of the earliest accepted usage event or workspace
    snapshot) to the month of the run's as_of, with their finalization status. -#}
with

usage_events as (

    select min(occurred_at) as first_at from {{ ref('int_usage_events_unioned') }}

),

workspace_states as (

    select min(snapshot_at) as first_at from {{ ref('int_workspace_states') }}

),

finalized_periods as (

    select * from {{ source('billing', 'finalized_periods') }}

),

bounds as (

    select
        {%- if var('billing_start') %}
        {{ dbt.date_trunc('month', "cast('" ~ var('billing_start') ~ "' as date)") }}
        {%- else %}
        {{ dbt.date_trunc('month', 'least(coalesce(usage_events.first_at, workspace_states.first_at), coalesce(workspace_states.first_at, usage_events.first_at))') }}
        {%- endif %} as first_period,
        {{ dbt.date_trunc('month', run_as_of()) }} as last_period
    from usage_events
    cross join workspace_states

),

months as (

    {{ dbt.generate_series(1200) }}

),

periods as (

    select
        cast({{ dbt.dateadd('month', 'months.generated_number - 1', 'bounds.first_period') }}
            as date) as period_start
    from bounds
    cross join months
    where {{ dbt.dateadd('month', 'months.generated_number - 1', 'bounds.first_period') }}
        <= bounds.last_period

),

final as (

    select
        periods.period_start,
        cast({{ dbt.dateadd('month', 1, 'periods.period_start') }} as date) as period_end,
        {{ dbt.datediff('periods.period_start', dbt.dateadd('month', 1, 'periods.period_start'), 'day') }}
            as days_in_month,
        cast(extract(year from periods.period_start) * 100
            + extract(month from periods.period_start) as {{ dbt.type_int() }}) as period_key,
        {{ dbt.dateadd('month', 1, 'periods.period_start') }} <= {{ run_as_of() }} as is_complete,
        finalized_periods.period_start is not null as is_finalized,
        {#- when these drafts were computed: the finalization refuses drafts older than
            the last landing file ingested -#}
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}'
            as {{ api.Column.translate_type('timestamp') }}) as built_at,
        cast('{{ var('as_of', '') }}' as {{ dbt.type_string() }}) as pinned_as_of
    from periods
    left join finalized_periods
        on periods.period_start = finalized_periods.period_start

)

select * from final
