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
