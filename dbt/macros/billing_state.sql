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
    create table if not exists billing.usage_alerts (
        alert_id varchar not null primary key,
        workspace_id varchar not null,
        period_start date not null,
        threshold_pct decimal(9, 2) not null,
        usage_pct decimal(18, 2) not null,
        usage_limit_monthly decimal(18, 4) not null,
        draft_subtotal {{ money }} not null,
        raised_at timestamp not null,
        delivered_at timestamp
    );
    {{ create_stripe_state_tables() }}
{% endmacro %}

{#- What the pipeline knows of Stripe, written only by the Stripe assets (Dagster):
    the customer of each workspace, the Stripe invoice of each finalized invoice, the
    failed sync attempts, the payment events received (de-duplicated by event id),
    refused webhook payloads, and the payment reminders of the outbox. -#}
{% macro create_stripe_state_tables() %}
    {%- set money = 'decimal(18, 2)' -%}
    create table if not exists billing.stripe_customers (
        workspace_id varchar not null primary key,
        stripe_customer_id varchar not null unique,
        created_at timestamp not null
    );
    create table if not exists billing.stripe_invoices (
        invoice_id varchar not null primary key,
        workspace_id varchar not null,
        period_start date not null,
        stripe_customer_id varchar not null,
        stripe_invoice_id varchar not null unique,
        stripe_status varchar not null,
        stripe_number varchar,
        stripe_total_cents bigint,
        items integer,
        first_seen_at timestamp not null,
        completed_at timestamp
    );
    create table if not exists billing.stripe_sync_errors (
        invoice_id varchar not null,
        period_start date not null,
        attempted_at timestamp not null,
        error_type varchar not null,
        message varchar not null
    );
    create table if not exists billing.stripe_events (
        event_id varchar not null primary key,
        event_type varchar not null,
        created_at timestamp not null,
        stripe_invoice_id varchar,
        invoice_id varchar,
        received_via varchar not null,
        received_at timestamp not null
    );
    create table if not exists billing.stripe_webhook_rejections (
        received_at timestamp not null,
        reason varchar not null,
        payload_sha256 varchar not null,
        payload_bytes integer not null
    );
    create table if not exists billing.payment_reminders (
        reminder_id varchar not null primary key,
        invoice_id varchar not null,
        invoice_number varchar not null,
        workspace_id varchar not null,
        reminder_type varchar not null,
        due_date date not null,
        amount_due {{ money }} not null,
        raised_at timestamp not null,
        delivered_at timestamp
    );
{% endmacro %}

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
