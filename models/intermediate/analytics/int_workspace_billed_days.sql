{#- The days of each billed period on which the workspace exists (contract 2.2): created
    before the day's end and not cancelled before the day's start, both as of the
    period's end. These are the days its subscription fee is billed for, and the days
    its invoice revenue is spread over in the analytics marts. -#}
with

period_states as (

    select * from {{ ref('int_workspace_period_states') }}

),

day_numbers as (

    {{ dbt.generate_series(31) }}

),

workspace_days as (

    select
        period_states.workspace_id,
        period_states.period_start,
        cast({{ dbt.dateadd('day', 'day_numbers.generated_number - 1', 'period_states.period_start') }}
            as date) as date_day,
        {{ dbt.dateadd('day', 'day_numbers.generated_number - 1', 'period_states.period_start') }}
            as day_start,
        {{ dbt.dateadd('day', 'day_numbers.generated_number', 'period_states.period_start') }}
            as day_end,
        period_states.created_at,
        period_states.cancelled_at
    from period_states
    inner join day_numbers
        on day_numbers.generated_number <= period_states.days_in_month

),

final as (

    select
        workspace_id,
        period_start,
        date_day
    from workspace_days
    where created_at < day_end
        and (cancelled_at is null or cancelled_at >= day_start)

)

select * from final
