{#- A test's `where` may name the rows the running build wrote, so that a test of an
    event-level table checks what the build added instead of the whole history:
    `__built_now__` stands for "built_at is the newest built_at of the table" (every row
    after a full refresh, the appended rows after an incremental build, every row of a
    table built before it had the column), and `__relation__` for the table itself, for
    a test that compares the new rows with the old, e.g.
    `event_id in (select event_id from __relation__ where __built_now__)`. When one build
    wrote every row (a first build, a full refresh), that comparison is every row with a
    key: it is written so, not as a join of the table with itself. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where and '__built_now__' in where and execute -%}
        {#- the newest built_at as a literal, so the engine reads the new row groups only -#}
        {%- set built = run_query('select min(built_at), max(built_at) from ' ~ relation) -%}
        {%- set oldest = built.columns[0].values()[0] -%}
        {%- set newest = built.columns[1].values()[0] -%}
        {%- if oldest is not none and oldest == newest -%}
            {%- set where = modules.re.sub(
                '(\\w+) in \\(select \\1 from __relation__ where __built_now__\\)',
                '\\1 is not null', where) | replace('__built_now__', 'true') -%}
        {%- else -%}
            {%- set built_now = "built_at = cast('" ~ newest ~ "' as "
                ~ api.Column.translate_type('timestamp') ~ ")" if newest is not none
                else 'built_at is null' -%}
            {%- set where = where | replace('__built_now__', built_now) -%}
        {%- endif -%}
    {%- endif -%}
    {%- if where -%}
        {%- set where = where | replace('__relation__', relation | string) -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
