{#- Workspace state history from the snapshots (contract 1.1): each accepted snapshot
    is in effect from its snapshot_at until the next one; the first snapshot also
    covers all time before it, so `valid_from` of the first state is open. A snapshot
    delivered twice for the same instant: the last delivered copy wins. -#}
with

snapshots as (

    {{ keep_first(ref('int_workspace_snapshots_validated'), 'workspace_id, snapshot_at',
                  'file_id desc, row_number desc') }}

),

settings as (

    select default_alert_threshold_percentage from {{ ref('stg_reference__settings') }}

),

sequenced as (

    select
        *,
        lag(snapshot_at) over (partition by workspace_id order by snapshot_at) as previous_snapshot_at,
        lead(snapshot_at) over (partition by workspace_id order by snapshot_at) as next_snapshot_at
    from snapshots

),

final as (

    select
        workspace_id || ':' || cast(snapshot_at as {{ dbt.type_string() }}) as workspace_state_id,
        workspace_id,
        workspace_name,
        workspace_status,
        plan_id,
        billing_email,
        country,
        region,
        created_at,
        cancelled_at,
        markup_percentage,
        usage_limit_monthly,
        coalesce(sequenced.alert_threshold_percentage, settings.default_alert_threshold_percentage)
            as alert_threshold_percentage,
        coalesce(auto_pause_on_limit, false) as auto_pause_on_limit,
        snapshot_at,
        case when previous_snapshot_at is null
            then cast('1900-01-01' as {{ api.Column.translate_type('timestamp') }})
            else snapshot_at end as valid_from,
        coalesce(next_snapshot_at, cast('9999-12-31' as {{ api.Column.translate_type('timestamp') }}))
            as valid_to,
        next_snapshot_at is null as is_current
    from sequenced
    cross join settings

)

select * from final
