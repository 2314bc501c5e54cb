{#- The platform per UTC day, from the first data day to the date of the run's as_of
    (contract 6). Every figure is taken at the end of the day, in the workspace state in
    effect then (int_workspace_daily_states), and every 30-day window is the 30 days
    ending with that date: (end of date - 30 days, end of date], i.e. the days
    date - 29 ... date. -#}
with

dates as (

    select * from {{ ref('int_analytics_dates') }}

),

daily_states as (

    select * from {{ ref('int_workspace_daily_states') }}

),

calls_daily as (

    select * from {{ ref('int_calls_daily') }}

),

invoices as (

    select * from {{ ref('fct_invoices') }}

),

workspace_counts as (

    select
        date_day,
        sum(case when is_live then 1 else 0 end) as workspaces_total,
        sum(case when is_active then 1 else 0 end) as workspaces_active,
        sum(case when is_live then monthly_fee else 0 end) as mrr
    from daily_states
    group by date_day

),

{#- the workspaces live at the end of the day 30 days before, and which of them are
    cancelled at the end of the day -#}
churn as (

    select
        current_states.date_day,
        count(*) as workspaces_30d_before,
        sum(case when current_states.is_cancelled then 1 else 0 end) as churned_workspaces_30d
    from daily_states as current_states
    inner join daily_states as earlier_states
        on current_states.workspace_id = earlier_states.workspace_id
        and earlier_states.date_day = cast({{ dbt.dateadd('day', -30, 'current_states.date_day') }} as date)
    where earlier_states.is_live
    group by current_states.date_day

),

call_days as (

    select call_date as date_day, sum(calls) as calls
    from calls_daily
    group by call_date

),

{#- a finalized invoice's revenue falls on the last day of its period (period_end is the
    first day of the next month); drafts and void invoices carry none -#}
revenue_days as (

    select
        cast({{ dbt.dateadd('day', -1, 'period_end') }} as date) as date_day,
        sum(total - tax_total) as revenue
    from invoices
    where status not in ('draft', 'void')
    group by period_end

),

daily as (

    select
        dates.date_day,
        dates.is_reported,
        coalesce(workspace_counts.workspaces_total, 0) as workspaces_total,
        coalesce(workspace_counts.workspaces_active, 0) as workspaces_active,
        coalesce(workspace_counts.mrr, 0) as mrr,
        coalesce(churn.workspaces_30d_before, 0) as workspaces_30d_before,
        coalesce(churn.churned_workspaces_30d, 0) as churned_workspaces_30d,
        coalesce(call_days.calls, 0) as calls,
        coalesce(revenue_days.revenue, 0) as revenue
    from dates
    left join workspace_counts
        on dates.date_day = workspace_counts.date_day
    left join churn
        on dates.date_day = churn.date_day
    left join call_days
        on dates.date_day = call_days.date_day
    left join revenue_days
        on dates.date_day = revenue_days.date_day

),

{#- dates has one row per day, so 30 rows are 30 days -#}
windowed as (

    select
        *,
        sum(calls) over (order by date_day rows between 29 preceding and current row)
            as calls_30d,
        sum(revenue) over (order by date_day rows between 29 preceding and current row)
            as revenue_30d
    from daily

),

final as (

    select
        date_day as date,
        cast(workspaces_total as {{ dbt.type_bigint() }}) as workspaces_total,
        cast(workspaces_active as {{ dbt.type_bigint() }}) as workspaces_active,
        cast(calls_30d as {{ dbt.type_bigint() }}) as calls_30d,
        cast(revenue_30d as decimal(18, 2)) as revenue_30d,
        cast(mrr as decimal(18, 2)) as mrr,
        {{ percentage_of('churned_workspaces_30d', 'workspaces_30d_before') }} as churn_rate_30d,
        cast(churned_workspaces_30d as {{ dbt.type_bigint() }}) as churned_workspaces_30d,
        cast(workspaces_30d_before as {{ dbt.type_bigint() }}) as workspaces_30d_before
    from windowed
    where is_reported

)

select * from final
