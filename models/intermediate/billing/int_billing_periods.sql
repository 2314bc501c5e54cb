{#- The billed periods: every calendar month from the first billed period to the month
    of the run's as_of, with their finalization status. The first billed period is
    `billing_start` of seeds/settings.csv; when it is empty, the first finalized period,
    else the month of the earliest accepted usage event (contract 1.3). Once a period is
    finalized the start no longer moves when older usage arrives late: that usage is
    counted, never billed. -#}
with

usage_events as (

    select min(usage_date) as first_at from {{ ref('int_usage_daily') }}

),

settings as (

    select * from {{ ref('stg_reference__settings') }}

),

finalized_periods as (

    select * from {{ ref('stg_billing__finalized_periods') }}

),

first_finalized as (

    select min(period_start) as period_start from finalized_periods

),

bounds as (

    select
        cast(coalesce(
            settings.billing_start,
            first_finalized.period_start,
            {{ dbt.date_trunc('month', 'usage_events.first_at') }}
        ) as date) as first_period,
        case
            when settings.billing_start is not null then 'setting'
            when first_finalized.period_start is not null then 'first_finalized_period'
            else 'first_usage'
        end as first_period_source,
        {{ dbt.date_trunc('month', run_as_of()) }} as last_period
    from usage_events
    cross join settings
    cross join first_finalized

),

months as (

    {{ dbt.generate_series(1200) }}

),

periods as (

    select
        cast({{ dbt.dateadd('month', 'months.generated_number - 1', 'bounds.first_period') }}
            as date) as period_start,
        bounds.first_period,
        bounds.first_period_source
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
        {#- where the billed periods start, and why (for refusals and the summary) -#}
        periods.first_period as billing_start,
        periods.first_period_source as billing_start_source,
        {#- when these drafts were computed: the finalization refuses drafts older than
            the last landing file ingested -#}
        {{ build_started_at() }} as built_at,
        cast('{{ pinned_as_of() }}' as {{ dbt.type_string() }}) as pinned_as_of
    from periods
    left join finalized_periods
        on periods.period_start = finalized_periods.period_start

)

select * from final
