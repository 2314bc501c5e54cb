{#- Layers land in schemas named after the layer (staging, intermediate, marts,
    reference), not in `<target>_<layer>`: analysts and the contract address `marts.*`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
