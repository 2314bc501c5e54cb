{#- Half away from zero to cents (contract 2.1.5). -#}
{% macro round_money(expression) -%}
    cast(round({{ expression }}, 2) as decimal(18, 2))
{%- endmacro %}

{#- An integer type wide enough for cents x scaled quantities (int128 on DuckDB). -#}
{% macro type_wide_integer() -%}
    {{ return(adapter.dispatch('type_wide_integer')()) }}
{%- endmacro %}
{% macro default__type_wide_integer() -%} decimal(38, 0) {%- endmacro %}
{% macro duckdb__type_wide_integer() -%} hugeint {%- endmacro %}

{#- Integer division of non-negative whole numbers (the quotient rounded down). -#}
{% macro integer_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('integer_divide')(numerator, denominator)) }}
{%- endmacro %}
{% macro default__integer_divide(numerator, denominator) -%}
    floor(({{ numerator }}) / ({{ denominator }}))
{%- endmacro %}
{% macro duckdb__integer_divide(numerator, denominator) -%}
    ((cast({{ numerator }} as hugeint)) // (cast({{ denominator }} as hugeint)))
{%- endmacro %}
{% macro spark__integer_divide(numerator, denominator) -%}
    (({{ numerator }}) div ({{ denominator }}))
{%- endmacro %}

{#- numerator / denominator rounded half away from zero to `scale` decimals, exactly:
    DECIMAL division yields a binary double on some engines (DuckDB among them), so the
    quotient is taken on whole numbers (both operands in ten-thousandths). Returns NULL
    when the denominator is 0. -#}
{% macro decimal_divide(numerator, denominator, scale=2) -%}
    {%- set wide = type_wide_integer() -%}
    {%- set n = 'cast(round(abs(' ~ numerator ~ ') * 10000, 0) as ' ~ wide ~ ')' -%}
    {%- set d = 'cast(round(abs(' ~ denominator ~ ') * 10000, 0) as ' ~ wide ~ ')' -%}
    (case
        when ({{ denominator }}) = 0 then null
        else (case when ({{ numerator }}) < 0 then -1 else 1 end)
            * (case when ({{ denominator }}) < 0 then -1 else 1 end)
            * cast({{ integer_divide('2 * ' ~ n ~ ' * ' ~ (10 ** scale) ~ ' + ' ~ d, '2 * ' ~ d) }}
                as decimal(38, 0))
            * {{ '0.' ~ '0' * (scale - 1) ~ '1' if scale > 0 else '1' }}
    end)
{%- endmacro %}

{#- Money divided by a whole number (fee proration), to cents. -#}
{% macro divide_money(amount, divisor) -%}
    cast({{ decimal_divide(amount, divisor, 2) }} as decimal(18, 2))
{%- endmacro %}
