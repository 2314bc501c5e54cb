{#- Parsing of landing text into typed values. A value that is present but does not
    parse comes back NULL, so validation can tell "missing" from "unparseable". -#}

{#- ISO-8601 text with or without offset -> timestamp in UTC (no offset = UTC). -#}
{% macro parse_timestamp_utc(column) -%}
    {{ return(adapter.dispatch('parse_timestamp_utc')(column)) }}
{%- endmacro %}

{% macro default__parse_timestamp_utc(column) -%}
    {{ dbt.safe_cast(column, api.Column.translate_type('timestamp')) }}
{%- endmacro %}

{% macro duckdb__parse_timestamp_utc(column) -%}
    (try_cast({{ column }} as timestamptz) at time zone 'UTC')
{%- endmacro %}

{% macro spark__parse_timestamp_utc(column) -%}
    to_utc_timestamp(try_to_timestamp({{ column }}), 'UTC')
{%- endmacro %}

{% macro parse_decimal(column, type) -%}
    {{ dbt.safe_cast('trim(' ~ column ~ ')', type) }}
{%- endmacro %}

{#- true when the text holds a value (not NULL, not blank). -#}
{% macro is_present(column) -%}
    (nullif(trim({{ column }}), '') is not null)
{%- endmacro %}

{#- true when a present value failed to parse. -#}
{% macro is_unparseable(raw_column, parsed_column) -%}
    ({{ is_present(raw_column) }} and {{ parsed_column }} is null)
{%- endmacro %}

{% macro parse_boolean(column) -%}
    case
        when lower(trim({{ column }})) in ('true', 't', '1', 'yes', 'y') then true
        when lower(trim({{ column }})) in ('false', 'f', '0', 'no', 'n') then false
    end
{%- endmacro %}
