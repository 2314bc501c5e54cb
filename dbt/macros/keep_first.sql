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

{#- The rows of `relation` (the checked rows of a validated model) with is_duplicate:
    for a valid row, whether it is a later copy of a key (contract 2.1.1: the first valid
    copy wins, earliest loaded file then earliest row); NULL for a quarantined row. The
    decision is final when the row is validated (no file can arrive before one already
    loaded), so the validated model keeps it and the accepted rows are a view of it. In
    an incremental build, a valid copy of a key accepted from an earlier file, however
    long ago, is a duplicate too: a re-delivery months later, or rows re-read after a
    crash. -#}
{% macro flag_later_copies(relation, key) -%}
    {%- if is_incremental() and execute
          and 'is_duplicate' not in adapter.get_columns_in_relation(this)
              | map(attribute='name') | map('lower') | list %}
        {{ exceptions.raise_compiler_error(
            this.identifier ~ ' holds rows validated before it kept is_duplicate:'
            ~ ' rebuild it once with `billing build --full-refresh`') }}
    {%- endif %}
    select
        checked_rows.*,
        case when checked_rows.quarantine_reason is null then
            {%- if is_incremental() %}
            accepted_before.{{ key }} is not null or
            {%- endif %}
            row_number() over (
                partition by checked_rows.{{ key }}, checked_rows.quarantine_reason is null
                order by checked_rows.file_id, checked_rows.row_number
            ) > 1
        end as is_duplicate
    from {{ relation }} as checked_rows
    {%- if is_incremental() %}
    left join (
        select {{ key }} from {{ this }}
        where quarantine_reason is null and not is_duplicate
    ) as accepted_before
        on checked_rows.{{ key }} = accepted_before.{{ key }}
    {%- endif %}
{%- endmacro %}
