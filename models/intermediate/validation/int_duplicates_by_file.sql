{{ config(materialized='incremental', incremental_strategy='append') }}
{#- Per landing file, the valid rows it delivered and how many of them were dropped as
    duplicates: a copy of a key delivered earlier (an earlier file, or earlier in the same
    file), however long ago (contract 2.1.1). Incremental: a build counts the files
    loaded since the last one, so the row conservation of ingestion_row_counts adds up
    this ledger instead of de-duplicating the history again. The usage records and
    gateway requests count the rows of their later-copies model (their accepted rows
    are the other valid rows); calls and snapshots, whose accepted tables are built
    apart from the validated rows, are counted here from the validated rows alone, so a
    row lost between them still shows. -#}
{%- set sources = [
    ('usage_records', 'int_usage_records_validated', ['event_id'], 'int_usage_records_later_copies'),
    ('gateway_requests', 'int_gateway_requests_validated', ['request_id'], 'int_gateway_requests_later_copies'),
    ('calls', 'int_calls_validated', ['call_id'], none),
    ('agents', 'int_agent_snapshots_validated', ['agent_id', 'snapshot_at'], none),
    ('workspaces', 'int_workspace_snapshots_validated', ['workspace_id', 'snapshot_at'], none),
] %}
{%- set last_file = last_file_taken() if is_incremental() else '0' %}
with

{%- for source_name, validated, key, later_copies in sources %}
{%- if later_copies %}

{{ source_name }}_valid as (

    select file_id, count(*) as rows_valid
    from {{ ref(validated) }}
    where quarantine_reason is null and file_id > {{ last_file }}
    group by file_id

),

{{ source_name }}_copies as (

    select file_id, count(*) as duplicates_removed
    from {{ ref(later_copies) }}
    where file_id > {{ last_file }}
    group by file_id

),

{{ source_name }}_counted as (

    select
        '{{ source_name }}' as source_name,
        valid.file_id,
        valid.rows_valid,
        coalesce(copies.duplicates_removed, 0) as duplicates_removed
    from {{ source_name }}_valid as valid
    left join {{ source_name }}_copies as copies
        on valid.file_id = copies.file_id

),
{%- else %}

{{ source_name }}_new as (

    select
        file_id,
        {{ key | join(', ') }},
        row_number() over (
            partition by {{ key | join(', ') }} order by file_id, row_number
        ) as copy_rank
    from {{ ref(validated) }}
    where quarantine_reason is null and file_id > {{ last_file }}

),

{{ source_name }}_seen_before as (

    {#- the new keys that a file counted by an earlier build delivered already -#}
    select distinct {% for column in key %}earlier.{{ column }}{{ ', ' if not loop.last }}{% endfor %}
    from {{ ref(validated) }} as earlier
    inner join (select distinct {{ key | join(', ') }} from {{ source_name }}_new) as new_keys
        on {% for column in key %}earlier.{{ column }} = new_keys.{{ column }}{{ ' and ' if not loop.last }}{% endfor %}
    where earlier.quarantine_reason is null and earlier.file_id <= {{ last_file }}

),

{{ source_name }}_counted as (

    select
        '{{ source_name }}' as source_name,
        new_rows.file_id,
        count(*) as rows_valid,
        sum(case
            when new_rows.copy_rank > 1 or seen_before.{{ key[0] }} is not null then 1
            else 0
        end) as duplicates_removed
    from {{ source_name }}_new as new_rows
    left join {{ source_name }}_seen_before as seen_before
        on {% for column in key %}new_rows.{{ column }} = seen_before.{{ column }}{{ ' and ' if not loop.last }}{% endfor %}
    group by new_rows.file_id

),
{%- endif %}

{%- endfor %}

final as (

    {%- for source_name, validated, key, later_copies in sources %}
    select * from {{ source_name }}_counted
    {{ 'union all' if not loop.last }}
    {%- endfor %}

)

select * from final
