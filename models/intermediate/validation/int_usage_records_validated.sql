{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
) }}
{#- Every landed usage row with the first rule it breaks (NULL = valid) and, for valid
    rows, the unit cost to use: the row's own, else the rate book's most specific rate
    (model before any-model) effective at occurred_at. Which valid rows are later copies
    of an event is found apart, over the keys alone (int_usage_records_later_copies). -#}
with

usage_records as (

    select * from {{ ref('stg_landing__usage_records') }}
    {%- if is_incremental() %}
    where file_id > {{ last_file_taken() }}
    {%- endif %}

),

known_workspaces as (

    select distinct workspace_id from {{ ref('int_workspace_snapshots_validated') }}
    where quarantine_reason is null

),

metrics as (

    select resource_type from {{ ref('metrics') }}

),

provider_rates as (

    select * from {{ ref('int_provider_rates') }}

),

checked as (

    select
        usage_records.*,
        metrics.resource_type is not null as is_known_resource_type,
        known_workspaces.workspace_id is not null as is_known_workspace,
        coalesce(model_rates.unit_cost, any_model_rates.unit_cost) as rate_book_unit_cost
    from usage_records
    left join metrics
        on usage_records.resource_type = metrics.resource_type
    left join known_workspaces
        on usage_records.workspace_id = known_workspaces.workspace_id
    left join provider_rates as model_rates
        on usage_records.provider = model_rates.provider
        and usage_records.resource_type = model_rates.resource_type
        and usage_records.model = model_rates.model
        and usage_records.occurred_at >= model_rates.effective_from
        and usage_records.occurred_at < model_rates.effective_to
    left join provider_rates as any_model_rates
        on usage_records.provider = any_model_rates.provider
        and usage_records.resource_type = any_model_rates.resource_type
        and any_model_rates.model is null
        and usage_records.occurred_at >= any_model_rates.effective_from
        and usage_records.occurred_at < any_model_rates.effective_to

),

reasoned as (

    select
        *,
        coalesce(unit_cost, rate_book_unit_cost) as resolved_unit_cost,
        case when unit_cost is not null then 'record' else 'rate_book' end as unit_cost_source,
        {{ quarantine_reason([
            line_too_long_check(),
            ('unparsed_line is not null', 'invalid_json', 'line is not a JSON object'),
            required_check('event_id'),
            required_check('workspace_id'),
            required_check('resource_type'),
            required_check('provider'),
            ("quantity_text is null or trim(quantity_text) = ''", 'missing_value', 'quantity'),
            ("occurred_at_text is null or trim(occurred_at_text) = ''", 'missing_value', 'occurred_at'),
            ('quantity is null', 'invalid_number', 'quantity'),
            (is_unparseable('unit_cost_text', 'unit_cost'), 'invalid_number', 'unit_cost'),
            ('occurred_at is null', 'invalid_timestamp', 'occurred_at'),
            ('quantity < 0', 'negative_quantity', 'quantity'),
            ('unit_cost < 0', 'negative_value', 'unit_cost'),
            ('not is_known_resource_type', 'unknown_resource_type', 'resource_type'),
            ('not is_known_workspace', 'unknown_workspace', 'workspace_id'),
            ('occurred_at > ' ~ dbt.dateadd('day', 1, run_as_of()), 'future_timestamp', 'occurred_at'),
            ('unit_cost is null and rate_book_unit_cost is null', 'no_rate', 'no unit_cost and no matching provider rate'),
        ]) }}
    from checked

),

final as (

    {#- the landing text is only needed to find the broken rule, and the JSON copy of
        the row only for the quarantined rows -#}
    select
        * {{ exclude_columns(['raw_row', 'read_error', 'occurred_at_text', 'quantity_text', 'unit_cost_text']) }},
        case when quarantine_reason is not null then raw_row end as raw_row,
        {#- which build validated the row: its grain test checks what it added -#}
        {{ build_started_at() }} as built_at
    from reasoned

)

select * from final
