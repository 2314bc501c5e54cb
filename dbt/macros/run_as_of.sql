{#- The instant a run is evaluated at, when pinned: `--vars {as_of: ...}`, else the
    environment's BILLING_AS_OF (how Dagster passes it: a changed value re-parses only the
    models that use it, where a changed var re-parses the whole project). Empty when the
    run is evaluated now. -#}
{% macro pinned_as_of() -%}
    {{- return(var('as_of', '') or env_var('BILLING_AS_OF', '')) -}}
{%- endmacro %}

{#- The instant a run is evaluated at: the pinned one, else now. -#}
{% macro run_as_of() -%}
    {%- set as_of = pinned_as_of() -%}
    {%- if as_of -%}
        cast('{{ as_of }}' as {{ api.Column.translate_type('timestamp') }})
    {%- else -%}
        cast({{ dbt.current_timestamp() }} as {{ api.Column.translate_type('timestamp') }})
    {%- endif -%}
{%- endmacro %}

{#- When this dbt invocation started, as a timestamp: a row written by the build carries
    it, so a test can tell the rows the build wrote (see get_where_subquery). -#}
{% macro build_started_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}'
        as {{ api.Column.translate_type('timestamp') }})
{%- endmacro %}
