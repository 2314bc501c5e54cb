{#- Prorated subscription fee (contract 2.2): every day of the period on which the
    workspace exists (created before the day's end, not cancelled before the day's
    start, both as of the period's end) costs the monthly_fee of the plan in effect at
    the end of that day / days in the month. One line per plan; the sum of its days is
    rounded once, so a full month on one plan is exactly monthly_fee. -#}
with

period_states as (

    select * from {{ ref('int_workspace_period_states') }}

),

workspace_states as (

    select * from {{ ref('int_workspace_states') }}

),

plans as (

    select * from {{ ref('plans') }}

),

day_numbers as (

    {{ dbt.generate_series(31) }}

),

workspace_days as (

    select
        period_states.workspace_id,
        period_states.period_start,
        period_states.period_key,
        period_states.days_in_month,
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

existing_days as (

    select * from workspace_days
    where created_at < day_end
        and (cancelled_at is null or cancelled_at >= day_start)

),

day_plans as (

    select
        existing_days.workspace_id,
        existing_days.period_start,
        existing_days.period_key,
        existing_days.days_in_month,
        workspace_states.plan_id
    from existing_days
    inner join workspace_states
        on existing_days.workspace_id = workspace_states.workspace_id
        and workspace_states.valid_from < existing_days.day_end
        and workspace_states.valid_to >= existing_days.day_end

),

plan_days as (

    select
        workspace_id,
        period_start,
        period_key,
        days_in_month,
        plan_id,
        count(*) as billed_days
    from day_plans
    group by 1, 2, 3, 4, 5

),

final as (

    select
        plan_days.workspace_id,
        plan_days.period_start,
        plan_days.period_key,
        plan_days.plan_id,
        plans.display_name as plan_name,
        plans.monthly_fee,
        plan_days.billed_days,
        plan_days.days_in_month,
        {{ divide_money('plans.monthly_fee * plan_days.billed_days', 'plan_days.days_in_month') }}
            as amount
    from plan_days
    inner join plans
        on plan_days.plan_id = plans.plan_id

)

select * from final
