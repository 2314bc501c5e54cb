{#- Turns an ordered list of (condition, reason, detail) into two columns: the reason
    and detail of the first rule a row breaks, NULL for a valid row. One place decides
    the order, so every source reports its first broken rule the same way. -#}
{% macro quarantine_reason(checks) -%}
    case
        {%- for condition, reason, detail in checks %}
        when {{ condition }} then '{{ reason }}'
        {%- endfor %}
    end as quarantine_reason,
    case
        {%- for condition, reason, detail in checks %}
        when {{ condition }} then '{{ detail }}'
        {%- endfor %}
    end as quarantine_detail
{%- endmacro %}

{#- The checks every text column shares: required and present, parseable. -#}
{% macro required_check(column) -%}
    {{ return((column ~ ' is null', 'missing_value', column)) }}
{%- endmacro %}

{#- A JSONL line too long to load (landing.MAX_LINE_BYTES): its values were never read,
    so it is checked before anything else. -#}
{% macro line_too_long_check() -%}
    {{ return(("read_error = 'line_too_long'", 'line_too_long', 'line is longer than 1000000 bytes')) }}
{%- endmacro %}
