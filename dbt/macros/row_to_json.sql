{#- The raw row of a quarantined record, as a JSON object of its landing columns. -#}
{% macro row_to_json(columns) -%}
    {{ return(adapter.dispatch('row_to_json')(columns)) }}
{%- endmacro %}

{% macro duckdb__row_to_json(columns) -%}
    cast(to_json(struct_pack(
        {%- for column in columns %}
        "{{ column }}" := "{{ column }}"{{ "," if not loop.last }}
        {%- endfor %}
    )) as varchar)
{%- endmacro %}

{% macro spark__row_to_json(columns) -%}
    to_json(named_struct(
        {%- for column in columns %}
        '{{ column }}', `{{ column }}`{{ "," if not loop.last }}
        {%- endfor %}
    ))
{%- endmacro %}
