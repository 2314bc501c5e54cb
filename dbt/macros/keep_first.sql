{#- The valid rows of `relation`, one per `partition_by`: the first by `order_by`.
    Portable (no QUALIFY); the row-number column is not carried into the output. -#}
{% macro keep_first(relation, partition_by, order_by) -%}
    select * {{ exclude_columns(['delivery_rank']) }}
    from (
        select
            *,
            row_number() over (partition by {{ partition_by }} order by {{ order_by }})
                as delivery_rank
        from {{ relation }}
        where quarantine_reason is null
    ) as ranked
    where delivery_rank = 1
{%- endmacro %}

{% macro exclude_columns(columns) -%}
    {{ return(adapter.dispatch('exclude_columns')(columns)) }}
{%- endmacro %}

{% macro duckdb__exclude_columns(columns) -%}
    exclude ({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__exclude_columns(columns) -%}
    {#- Spark has no EXCLUDE; the extra column is harmless downstream. -#}
{%- endmacro %}

{#- The body of a later-copies model: the valid rows of the validated model `validated`
    that are not the first copy of their `key` (contract 2.1.1: the first valid copy
    wins, earliest loaded file then earliest row), as (key, file_id, row_number). Found
    over the key column alone: the keys the new files deliver twice (an aggregate of
    their 64-bit hashes), and in an incremental build the new keys a file taken by an
    earlier build delivered already, however long ago (a re-delivery months later, or
    rows re-read after a crash); only the rows of those keys are ranked. The decision is
    final (no file can be loaded before one already loaded), so it is appended a file
    once. Each build also appends one row with only taken_through_file_id, the newest
    file it read, so the next build starts after it even when it found no copy. -#}
{% macro later_copies(validated, key) -%}
{%- set last_file = last_file_taken('taken_through_file_id') if is_incremental() else 0 %}
with

new_rows as (

    select {{ key }}, file_id, row_number
    from {{ ref(validated) }}
    where quarantine_reason is null and file_id > {{ last_file }}

),

repeated_keys as (

    {#- the hashes of the keys the new files deliver more than once -#}
    select {{ key_hash(key) }} as key_hash
    from new_rows
    group by {{ key_hash(key) }}
    having count(*) > 1

),
{%- if is_incremental() %}

accepted_before as (

    {#- the new keys a file taken by an earlier build delivered already -#}
    select distinct earlier.{{ key }}
    from {{ ref(validated) }} as earlier
    inner join (select distinct {{ key }} from new_rows) as new_keys
        on earlier.{{ key }} = new_keys.{{ key }}
    where earlier.quarantine_reason is null and earlier.file_id <= {{ last_file }}

),
{%- endif %}

candidate_rows as (

    {#- every copy of those keys (and of the few keys sharing their hash) -#}
    select new_rows.*
    from new_rows
    inner join repeated_keys
        on {{ key_hash('new_rows.' ~ key) }} = repeated_keys.key_hash
    {%- if is_incremental() %}

    union

    select new_rows.*
    from new_rows
    inner join accepted_before
        on new_rows.{{ key }} = accepted_before.{{ key }}
    {%- endif %}

),

ranked as (

    select
        {{ key }},
        file_id,
        row_number,
        row_number() over (partition by {{ key }} order by file_id, row_number) as copy_rank
    from candidate_rows

),

copies as (

    select ranked.{{ key }}, ranked.file_id, ranked.row_number
    from ranked
    {%- if is_incremental() %}
    left join accepted_before
        on ranked.{{ key }} = accepted_before.{{ key }}
    where ranked.copy_rank > 1 or accepted_before.{{ key }} is not null
    {%- else %}
    where ranked.copy_rank > 1
    {%- endif %}

),

taken as (

    select max(file_id) as taken_through_file_id from new_rows

),

final as (

    select
        copies.{{ key }},
        copies.file_id,
        copies.row_number,
        taken.taken_through_file_id,
        {{ build_started_at() }} as built_at
    from copies
    cross join taken

    union all

    select
        null as {{ key }},
        null as file_id,
        null as row_number,
        taken_through_file_id,
        {{ build_started_at() }} as built_at
    from taken
    where taken_through_file_id is not null

)

select * from final
{%- endmacro %}
