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

{#- The first valid copy of each key of a validated model: earliest loaded file, then
    earliest row (contract 2.1.1). In an incremental model, the first copies within the
    files loaded since its last build, minus the keys it accepted from earlier files,
    however long ago: a re-delivery months later is still a duplicate, and rows re-read
    after a crash are duplicates of what was committed. -#}
{% macro first_delivered_copies(validated, key) -%}
    select first_copies.*
    from (
        {{ keep_first(
            '(select * from ' ~ validated ~ ' where file_id > ' ~ last_file_taken() ~ ') as new_rows'
            if is_incremental() else validated,
            key, 'file_id, row_number') }}
    ) as first_copies
    {%- if is_incremental() %}
    left join {{ this }} as accepted
        on first_copies.{{ key }} = accepted.{{ key }}
    where accepted.{{ key }} is null
    {%- endif %}
{%- endmacro %}
