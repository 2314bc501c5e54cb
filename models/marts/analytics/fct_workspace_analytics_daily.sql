{#- Calls, usage cost and revenue per workspace and UTC date (contract 6). A row exists
    for every day with calls (by started_at) or usage (by occurred_at), and for every
    day up to the run's as_of date that carries a share of a non-zero invoice revenue.
    Revenue is the invoice's total - tax_total spread over the days of its period on
    which the workspace exists (int_invoice_revenue_daily), so a month's rows add up to
    its invoice exactly, however many calls or invoices the workspace has. -#}
with

calls_daily as (

    select * from {{ ref('int_calls_daily') }}

),

usage_daily as (

    select * from {{ ref('int_usage_daily') }}

),

invoice_revenue as (

    select * from {{ ref('int_invoice_revenue_daily') }}

),

call_days as (

    select
        workspace_id,
        call_date as date_day,
        sum(calls) as calls_total,
        sum(completed) as calls_completed,
        sum(failed) as calls_failed,
        sum(unanswered) as calls_unanswered,
        sum(in_progress) as calls_in_progress,
        sum(calls_with_duration) as calls_with_duration,
        coalesce(sum(duration_seconds), 0) as duration_seconds,
        sum(sentiment_positive) as sentiment_positive_calls,
        sum(sentiment_neutral) as sentiment_neutral_calls,
        sum(sentiment_negative) as sentiment_negative_calls,
        sum(calls_with_sentiment) as calls_with_sentiment
    from calls_daily
    group by workspace_id, call_date

),

usage_days as (

    select
        workspace_id,
        usage_date as date_day,
        sum(provider_cost) as provider_cost
    from usage_daily
    group by workspace_id, usage_date

),

revenue_days as (

    select
        workspace_id,
        revenue_date as date_day,
        sum(revenue) as revenue,
        max(case when invoice_revenue <> 0 then 1 else 0 end) as has_invoice_revenue
    from invoice_revenue
    group by workspace_id, revenue_date

),

workspace_days as (

    select workspace_id, date_day from call_days
    union
    select workspace_id, date_day from usage_days
    union
    select workspace_id, date_day from revenue_days
    where has_invoice_revenue = 1
        and date_day <= cast({{ run_as_of() }} as date)

),

final as (

    select
        workspace_days.workspace_id,
        workspace_days.date_day as date,
        cast(coalesce(call_days.calls_total, 0) as {{ dbt.type_bigint() }}) as calls_total,
        cast(coalesce(call_days.calls_completed, 0) as {{ dbt.type_bigint() }}) as calls_completed,
        cast(coalesce(call_days.calls_failed, 0) as {{ dbt.type_bigint() }}) as calls_failed,
        cast(coalesce(call_days.calls_unanswered, 0) as {{ dbt.type_bigint() }}) as calls_unanswered,
        cast(coalesce(call_days.calls_in_progress, 0) as {{ dbt.type_bigint() }}) as calls_in_progress,
        {{ seconds_to_minutes('coalesce(call_days.duration_seconds, 0)') }} as minutes,
        {{ average_of('call_days.duration_seconds', 'call_days.calls_with_duration') }}
            as avg_duration_seconds,
        {{ percentage_of('call_days.calls_completed', 'call_days.calls_total') }} as success_rate,
        {{ percentage_of('call_days.sentiment_positive_calls', 'call_days.calls_with_sentiment') }}
            as sentiment_positive,
        {{ percentage_of('call_days.sentiment_neutral_calls', 'call_days.calls_with_sentiment') }}
            as sentiment_neutral,
        {{ percentage_of('call_days.sentiment_negative_calls', 'call_days.calls_with_sentiment') }}
            as sentiment_negative,
        cast(coalesce(call_days.sentiment_positive_calls, 0) as {{ dbt.type_bigint() }}) as sentiment_positive_calls,
        cast(coalesce(call_days.sentiment_neutral_calls, 0) as {{ dbt.type_bigint() }}) as sentiment_neutral_calls,
        cast(coalesce(call_days.sentiment_negative_calls, 0) as {{ dbt.type_bigint() }}) as sentiment_negative_calls,
        coalesce(usage_days.provider_cost, 0) as provider_cost,
        cast(coalesce(revenue_days.revenue, 0) as decimal(18, 2)) as revenue
    from workspace_days
    left join call_days
        on workspace_days.workspace_id = call_days.workspace_id
        and workspace_days.date_day = call_days.date_day
    left join usage_days
        on workspace_days.workspace_id = usage_days.workspace_id
        and workspace_days.date_day = usage_days.date_day
    left join revenue_days
        on workspace_days.workspace_id = revenue_days.workspace_id
        and workspace_days.date_day = revenue_days.date_day

)

select * from final
