with

snapshots as (

    select * from {{ ref('stg_landing__workspaces') }}

),

plans as (

    select plan_id from {{ ref('plans') }}

),

checked as (

    select
        snapshots.*,
        plans.plan_id is not null as is_known_plan
    from snapshots
    left join plans
        on snapshots.plan_id = plans.plan_id

),

reasoned as (

    select
        *,
        {{ quarantine_reason([
            line_too_long_check(),
            ('unparsed_line is not null', 'invalid_json', 'line is not a JSON object'),
            required_check('workspace_id'),
            required_check('plan_id'),
            required_check('workspace_status'),
            ("created_at_text is null or trim(created_at_text) = ''", 'missing_value', 'created_at'),
            ("snapshot_at_text is null or trim(snapshot_at_text) = ''", 'missing_value', 'snapshot_at'),
            ('created_at is null', 'invalid_timestamp', 'created_at'),
            ('snapshot_at is null', 'invalid_timestamp', 'snapshot_at'),
            (is_unparseable('cancelled_at_text', 'cancelled_at'), 'invalid_timestamp', 'cancelled_at'),
            (is_unparseable('markup_percentage_text', 'markup_percentage'), 'invalid_number', 'markup_percentage'),
            (is_unparseable('usage_limit_monthly_text', 'usage_limit_monthly'), 'invalid_number', 'usage_limit_monthly'),
            (is_unparseable('alert_threshold_percentage_text', 'alert_threshold_percentage'), 'invalid_number', 'alert_threshold_percentage'),
            (is_unparseable('auto_pause_on_limit_text', 'auto_pause_on_limit'), 'invalid_value', 'auto_pause_on_limit'),
            ("workspace_status not in ('active', 'suspended', 'cancelled')", 'invalid_value', 'status'),
            ('not is_known_plan', 'unknown_plan', 'plan_id'),
            ('markup_percentage < 0 or usage_limit_monthly < 0 or alert_threshold_percentage < 0', 'negative_value', 'markup_percentage, usage_limit_monthly or alert_threshold_percentage'),
            ('snapshot_at > ' ~ dbt.dateadd('day', 1, run_as_of()), 'future_timestamp', 'snapshot_at'),
        ]) }}
    from checked

),

final as (

    {#- the landing text is only needed to find the broken rule, and the JSON copy of
        the row only for the quarantined rows -#}
    select
        * {{ exclude_columns(['raw_row', 'read_error', 'alert_threshold_percentage_text', 'auto_pause_on_limit_text', 'cancelled_at_text', 'created_at_text', 'markup_percentage_text', 'snapshot_at_text', 'usage_limit_monthly_text']) }},
        case when quarantine_reason is not null then raw_row end as raw_row
    from reasoned

)

select * from final
