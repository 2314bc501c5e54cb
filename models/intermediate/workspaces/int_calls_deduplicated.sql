{{ config(
    materialized='incremental',
    incremental_strategy=replace_slices_strategy(),
    unique_key='first_call_date',
    partition_by=['first_call_date'],
    on_schema_change='append_new_columns',
) }}
{#- Accepted calls: valid, one per call_id, the last delivered version wins (a call is
    re-sent as it progresses from in_progress to its final status).

    Stored in slices by first_call_date, the UTC date of started_at of the call's first
    accepted version: a later version may start on another day, but the call never
    leaves its slice, so replacing a slice never has to empty one (neither engine can
    replace a slice by no rows). Incremental: the valid versions in files after the
    newest version taken (max(file_id)) are the new ones; each affected call's latest
    version replaces its row, and the slices of the affected calls are rewritten whole. -#}
{%- set columns = [
    'call_id', 'workspace_id', 'agent_id', 'direction', 'call_status', 'started_at',
    'ended_at', 'duration_seconds', 'caller_number', 'voice_provider', 'sentiment',
    'intent', 'latency_ms', 'file_id', 'row_number',
] %}
with

validated as (

    select * from {{ ref('int_calls_validated') }}

),

{%- if is_incremental() %}

new_versions as (

    select
        {{ columns | join(', ') }},
        cast(started_at as date) as first_call_date
    from validated
    where file_id > {{ last_file_taken() }}
        and quarantine_reason is null

),

affected_calls as (

    select distinct call_id from new_versions

),

{#- the rows the affected calls have now, with the slice they stay in -#}
current_versions as (

    select {% for column in columns %}accepted.{{ column }}, {% endfor %}accepted.first_call_date
    from {{ this }} as accepted
    inner join affected_calls
        on accepted.call_id = affected_calls.call_id

),

versions as (

    select * from current_versions
    union all
    select * from new_versions

),

{%- else %}

versions as (

    select
        {{ columns | join(', ') }},
        cast(started_at as date) as first_call_date
    from validated
    where quarantine_reason is null

),

{%- endif %}

{#- the last delivered version of each call, in the slice of its first one (in an
    incremental build, the current row is the first of its versions and carries the
    call's slice) -#}
ranked as (

    select
        {{ columns | join(', ') }},
        first_value(first_call_date) over (
            partition by call_id order by file_id, row_number
        ) as first_call_date,
        row_number() over (
            partition by call_id order by file_id desc, row_number desc
        ) as version_rank
    from versions

),

latest as (

    select {{ columns | join(', ') }}, first_call_date
    from ranked
    where version_rank = 1

),

{%- if is_incremental() %}

touched_slices as (

    select distinct first_call_date from latest

),

{#- the other calls of the rewritten slices, as they are -#}
unchanged as (

    select {% for column in columns %}accepted.{{ column }}, {% endfor %}accepted.first_call_date
    from {{ this }} as accepted
    inner join touched_slices
        on accepted.first_call_date = touched_slices.first_call_date
    left join affected_calls
        on accepted.call_id = affected_calls.call_id
    where affected_calls.call_id is null

),

final as (

    select * from unchanged
    union all
    select * from latest

)

{%- else %}

final as (

    select * from latest

)

{%- endif %}

{#- built_at: which build wrote the row (the rows of the slices it rewrote); the key
    tests check those against every accepted call -#}
select
    {{ columns | join(', ') }},
    {{ build_started_at() }} as built_at,
    first_call_date
from final
