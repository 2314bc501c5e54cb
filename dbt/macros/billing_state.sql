{#- The frozen billing state: finalized periods, invoices and lines. These tables are
    written only by the monthly finalization (Dagster), never by a dbt model, so no
    build, backfill or --full-refresh can change a finalized invoice. dbt creates them
    empty when they do not exist yet (on-run-start) and reads them as a source. -#}
{% macro create_billing_state_tables() %}
    {%- set money = 'decimal(18, 2)' -%}
    create schema if not exists billing;
    create table if not exists billing.finalized_periods (
        period_start date not null primary key,
        finalized_at timestamp not null,
        invoices integer not null,
        invoices_total {{ money }} not null
    );
    create table if not exists billing.finalized_invoices (
        invoice_id varchar not null primary key,
        invoice_number varchar not null unique,
        workspace_id varchar not null,
        period_start date not null,
        period_end date not null,
        status varchar not null,
        subtotal {{ money }} not null,
        discount_total {{ money }} not null,
        tax_total {{ money }} not null,
        total {{ money }} not null,
        currency varchar not null,
        finalized_at timestamp not null,
        due_date date not null
    );
    create table if not exists billing.finalized_invoice_lines (
        invoice_id varchar not null,
        line_id varchar not null,
        line_number integer not null,
        line_type varchar not null,
        resource_type varchar,
        description varchar not null,
        quantity decimal(24, 6),
        unit_amount decimal(24, 12),
        amount {{ money }} not null,
        adjustment_period date,
        plan_id varchar,
        rule_id varchar,
        primary key (invoice_id, line_id)
    );
{% endmacro %}

{#- Half away from zero to cents (contract 2.1.5). -#}
{% macro round_money(expression) -%}
    cast(round({{ expression }}, 2) as decimal(18, 2))
{%- endmacro %}

{#- Integer division (the quotient rounded toward minus infinity). -#}
{% macro integer_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('integer_divide')(numerator, denominator)) }}
{%- endmacro %}
{% macro default__integer_divide(numerator, denominator) -%}
    floor(({{ numerator }}) / ({{ denominator }}))
{%- endmacro %}
{% macro duckdb__integer_divide(numerator, denominator) -%}
    (({{ numerator }}) // ({{ denominator }}))
{%- endmacro %}
{% macro spark__integer_divide(numerator, denominator) -%}
    (({{ numerator }}) div ({{ denominator }}))
{%- endmacro %}

{#- amount / whole-number divisor, rounded to cents half away from zero, exactly:
    DECIMAL division yields a binary double on some engines (DuckDB among them), so
    the quotient is taken on BIGINT ten-thousandths of the amount. `amount` may have
    up to 4 decimals. -#}
{% macro divide_money(amount, divisor) -%}
    {%- set bigint = dbt.type_bigint() -%}
    (case when {{ amount }} < 0 then -1 else 1 end) * cast(
        {{ integer_divide(
            '2 * cast(abs(' ~ amount ~ ') * 10000 as ' ~ bigint ~ ') + 100 * cast(' ~ divisor ~ ' as ' ~ bigint ~ ')',
            '200 * cast(' ~ divisor ~ ' as ' ~ bigint ~ ')') }}
        as decimal(18, 0)) * 0.01
{%- endmacro %}
