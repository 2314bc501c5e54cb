{#- dbt-duckdb has no safe_cast of its own, and dbt's default is a plain CAST that
    fails the whole model on one bad value. On DuckDB it is TRY_CAST (NULL on failure),
    as on the warehouses that have a native safe cast. -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
