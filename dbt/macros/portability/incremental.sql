{#- Incremental building blocks both engines have (dbt-duckdb and dbt-spark on plain
    parquet tables): appending rows, and replacing whole slices of a table. -#}

{#- Replace every slice (a day) the model returns: the model selects all rows of each
    slice it touches. DuckDB deletes the slices' rows by unique_key and inserts the new
    ones in one transaction; Spark overwrites the partitions (partition_by). -#}
{% macro replace_slices_strategy() -%}
    {{ return(adapter.dispatch('replace_slices_strategy')()) }}
{%- endmacro %}

{% macro default__replace_slices_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__replace_slices_strategy() -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}

{#- The newest landing file an incremental model has taken in: landing files are
    numbered in load order (raw._files.file_id, one writer at a time), so the rows of
    later files are the new ones. 0 before the first build. -#}
{% macro last_file_taken(column='file_id') -%}
    {#- read when the model runs and written into its SQL as a number: a literal bound
        lets the engine skip the row groups (DuckDB zone maps, Parquet statistics) of the
        older files, which a subquery does not -#}
    {%- if execute -%}
        {%- set taken = run_query('select coalesce(max(' ~ column ~ '), 0) from ' ~ this) -%}
        {{- taken.columns[0].values()[0] | int -}}
    {%- else -%}
        0
    {%- endif -%}
{%- endmacro %}

{#- The rows of `relation` in the slices an incremental model replaces: in an
    incremental build, the slices (values of `slice`) holding a row of a file after the
    newest one the model has counted (max of its `watermark` column), whole; else every
    row. For a model kept in the same slices as `relation`, whose rows of a slice change
    only with a row of a later file. -#}
{% macro rows_of_changed_slices(relation, slice, watermark='last_file_id') -%}
    {%- if is_incremental() %}
    select changed_rows.*
    from {{ relation }} as changed_rows
    inner join (
        select distinct {{ slice }} from {{ relation }}
        where file_id > {{ last_file_taken(watermark) }}
    ) as changed_slices
        on changed_rows.{{ slice }} = changed_slices.{{ slice }}
    {%- else %}
    select * from {{ relation }}
    {%- endif %}
{%- endmacro %}
