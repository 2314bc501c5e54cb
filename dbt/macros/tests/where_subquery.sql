{#- A test's `where` may name the rows the running build wrote, so that a test of an
    event-level table checks what the build added instead of the whole history:
    `__built_now__` stands for "built_at is the newest built_at of the table" (every row
    after a full refresh, the appended rows after an incremental build, every row of a
    table built before it had the column), and `__relation__` for the table itself, for a test that compares the new rows with the
    old, e.g. `event_id in (select event_id from __relation__ where __built_now__)`. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where and '__built_now__' in where and execute -%}
        {#- the newest built_at as a literal, so the engine reads the new row groups only -#}
        {%- set newest = run_query('select max(built_at) from ' ~ relation).columns[0].values()[0] -%}
        {%- set built_now = "built_at = cast('" ~ newest ~ "' as "
            ~ api.Column.translate_type('timestamp') ~ ")" if newest is not none
            else 'built_at is null' -%}
        {%- set where = where | replace('__built_now__', built_now) -%}
    {%- endif -%}
    {%- if where -%}
        {%- set where = where | replace('__relation__', relation | string) -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
