{#- The instant a run is evaluated at: `--vars {as_of: ...}` when pinned, else now. -#}
{% macro run_as_of() -%}
    {%- set as_of = var('as_of', '') -%}
    {%- if as_of -%}
        cast('{{ as_of }}' as {{ api.Column.translate_type('timestamp') }})
    {%- else -%}
        cast({{ dbt.current_timestamp() }} as {{ api.Column.translate_type('timestamp') }})
    {%- endif -%}
{%- endmacro %}
