{#- A 64-bit hash of a key, to group or match many keys where a collision costs only a
    little extra work (the rows found are compared on the key itself afterwards):
    grouping integers is several times cheaper than grouping strings. -#}
{% macro key_hash(expression) -%}
    {{ return(adapter.dispatch('key_hash')(expression)) }}
{%- endmacro %}

{% macro default__key_hash(expression) -%}
    hash({{ expression }})
{%- endmacro %}

{% macro spark__key_hash(expression) -%}
    xxhash64({{ expression }})
{%- endmacro %}
