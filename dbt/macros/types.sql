{#- Column types of the pipeline, in one place. Money stays DECIMAL end to end. -#}

{% macro type_quantity() -%}
    {{ return(adapter.dispatch('type_quantity')()) }}
{%- endmacro %}
{% macro default__type_quantity() -%} decimal(24, 6) {%- endmacro %}

{% macro type_unit_price() -%}
    {{ return(adapter.dispatch('type_unit_price')()) }}
{%- endmacro %}
{% macro default__type_unit_price() -%} decimal(24, 12) {%- endmacro %}

{#- Money inside the pipeline: at least 4 decimals (contract 2.7). -#}
{% macro type_money() -%}
    {{ return(adapter.dispatch('type_money')()) }}
{%- endmacro %}
{% macro default__type_money() -%} decimal(38, 12) {%- endmacro %}
