{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
) }}
{#- Every landed call row with the first rule it breaks (NULL = valid). Incremental:
    a build validates the rows of the files loaded since the last one. -#}
with

calls as (

    select * from {{ ref('stg_landing__calls') }}
    {%- if is_incremental() %}
    where file_id > {{ last_file_taken() }}
    {%- endif %}

),

known_workspaces as (

    select distinct workspace_id from {{ ref('int_workspace_snapshots_validated') }}
    where quarantine_reason is null

),

checked as (

    select
        calls.*,
        known_workspaces.workspace_id is not null as is_known_workspace
    from calls
    left join known_workspaces
        on calls.workspace_id = known_workspaces.workspace_id

),

reasoned as (

    select
        *,
        {{ quarantine_reason([
            line_too_long_check(),
            ('unparsed_line is not null', 'invalid_json', 'line is not a JSON object'),
            required_check('call_id'),
            required_check('workspace_id'),
            ('direction is null', 'missing_value', 'direction'),
            ('call_status is null', 'missing_value', 'status'),
            ("started_at_text is null or trim(started_at_text) = ''", 'missing_value', 'started_at'),
            ('started_at is null', 'invalid_timestamp', 'started_at'),
            (is_unparseable('ended_at_text', 'ended_at'), 'invalid_timestamp', 'ended_at'),
            (is_unparseable('duration_seconds_text', 'duration_seconds'), 'invalid_number', 'duration_seconds'),
            (is_unparseable('latency_ms_text', 'latency_ms'), 'invalid_number', 'latency_ms'),
            ("direction not in ('inbound', 'outbound')", 'invalid_value', 'direction'),
            ("call_status not in ('completed', 'failed', 'busy', 'no_answer', 'in_progress')", 'invalid_value', 'status'),
            ("sentiment not in ('positive', 'neutral', 'negative')", 'invalid_value', 'sentiment'),
            ('duration_seconds < 0', 'negative_quantity', 'duration_seconds'),
            ('latency_ms < 0', 'negative_value', 'latency_ms'),
            ('not is_known_workspace', 'unknown_workspace', 'workspace_id'),
            ('started_at > ' ~ dbt.dateadd('day', 1, run_as_of()), 'future_timestamp', 'started_at'),
        ]) }}
    from checked

),

final as (

    {#- the landing text is only needed to find the broken rule, and the JSON copy of
        the row only for the quarantined rows -#}
    select
        * {{ exclude_columns(['raw_row', 'read_error', 'duration_seconds_text', 'ended_at_text', 'latency_ms_text', 'started_at_text']) }},
        case when quarantine_reason is not null then raw_row end as raw_row,
        {#- which build validated the row: its grain test checks what it added -#}
        {{ build_started_at() }} as built_at
    from reasoned

)

select * from final
