{#- Every workspace on every day of int_analytics_dates, in the state in effect at the
    end of that day (the snapshot with the latest snapshot_at before the day's end; the
    first snapshot also covers all time before it). A workspace is *live* at the end of a
    day when it was created before the day's end and is not cancelled by then; it is
    *cancelled* once its cancelled_at has passed, or, when that state gives no
    cancelled_at, when its status is cancelled. -#}
with

dates as (

    select * from {{ ref('int_analytics_dates') }}

),

workspace_states as (

    select * from {{ ref('int_workspace_states') }}

),

plans as (

    select * from {{ ref('plans') }}

),

day_states as (

    select
        workspace_states.workspace_id,
        dates.date_day,
        workspace_states.workspace_status,
        workspace_states.plan_id,
        workspace_states.created_at,
        workspace_states.cancelled_at,
        workspace_states.created_at < dates.day_end as is_created,
        case
            when workspace_states.cancelled_at is not null
                then workspace_states.cancelled_at < dates.day_end
            else workspace_states.workspace_status = 'cancelled'
        end as is_cancelled
    from dates
    inner join workspace_states
        on workspace_states.valid_from < dates.day_end
        and workspace_states.valid_to >= dates.day_end

),

final as (

    select
        day_states.workspace_id,
        day_states.date_day,
        day_states.workspace_status,
        day_states.plan_id,
        plans.monthly_fee,
        day_states.created_at,
        day_states.cancelled_at,
        day_states.is_created and not day_states.is_cancelled as is_live,
        day_states.is_created and not day_states.is_cancelled
            and day_states.workspace_status = 'active' as is_active,
        day_states.is_cancelled
    from day_states
    left join plans
        on day_states.plan_id = plans.plan_id

)

select * from final
