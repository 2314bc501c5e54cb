{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
) }}
{#- Every landed gateway request with the first rule it breaks (NULL = valid) and the
    rate-book rates its two usage lines need: llm_tokens (required unless actual_cost
    is given) and api_calls (0 when the rate book has none, contract 2.1). Later copies
    of a request are found apart (int_gateway_requests_later_copies). -#}
with

requests as (

    select * from {{ ref('stg_landing__gateway_requests') }}
    {%- if is_incremental() %}
    where file_id > {{ last_file_taken() }}
    {%- endif %}

),

known_workspaces as (

    select distinct workspace_id from {{ ref('int_workspace_snapshots_validated') }}
    where quarantine_reason is null

),

provider_rates as (

    select * from {{ ref('int_provider_rates') }}

),

checked as (

    select
        requests.*,
        known_workspaces.workspace_id is not null as is_known_workspace,
        coalesce(llm_model_rates.unit_cost, llm_any_model_rates.unit_cost) as llm_tokens_unit_cost,
        coalesce(api_model_rates.unit_cost, api_any_model_rates.unit_cost, 0) as api_calls_unit_cost
    from requests
    left join known_workspaces
        on requests.workspace_id = known_workspaces.workspace_id
    {%- for resource_type, alias in [('llm_tokens', 'llm'), ('api_calls', 'api')] %}
    left join provider_rates as {{ alias }}_model_rates
        on requests.provider = {{ alias }}_model_rates.provider
        and {{ alias }}_model_rates.resource_type = '{{ resource_type }}'
        and requests.model = {{ alias }}_model_rates.model
        and requests.occurred_at >= {{ alias }}_model_rates.effective_from
        and requests.occurred_at < {{ alias }}_model_rates.effective_to
    left join provider_rates as {{ alias }}_any_model_rates
        on requests.provider = {{ alias }}_any_model_rates.provider
        and {{ alias }}_any_model_rates.resource_type = '{{ resource_type }}'
        and {{ alias }}_any_model_rates.model is null
        and requests.occurred_at >= {{ alias }}_any_model_rates.effective_from
        and requests.occurred_at < {{ alias }}_any_model_rates.effective_to
    {%- endfor %}

),

reasoned as (

    select
        *,
        {{ quarantine_reason([
            line_too_long_check(),
            ('unparsed_line is not null', 'invalid_json', 'line is not a JSON object'),
            required_check('request_id'),
            ('workspace_id is null', 'missing_value', 'organization_id'),
            required_check('provider'),
            required_check('model'),
            ("input_tokens_text is null or trim(input_tokens_text) = ''", 'missing_value', 'input_tokens'),
            ("output_tokens_text is null or trim(output_tokens_text) = ''", 'missing_value', 'output_tokens'),
            ("occurred_at_text is null or trim(occurred_at_text) = ''", 'missing_value', 'occurred_at'),
            ('input_tokens is null or input_tokens <> floor(input_tokens)', 'invalid_number', 'input_tokens'),
            ('output_tokens is null or output_tokens <> floor(output_tokens)', 'invalid_number', 'output_tokens'),
            (is_unparseable('actual_cost_text', 'actual_cost'), 'invalid_number', 'actual_cost'),
            ('occurred_at is null', 'invalid_timestamp', 'occurred_at'),
            ('input_tokens < 0 or output_tokens < 0', 'negative_quantity', 'input_tokens or output_tokens'),
            ('actual_cost < 0', 'negative_value', 'actual_cost'),
            ('not is_known_workspace', 'unknown_workspace', 'organization_id'),
            ('occurred_at > ' ~ dbt.dateadd('day', 1, run_as_of()), 'future_timestamp', 'occurred_at'),
            ('actual_cost is null and llm_tokens_unit_cost is null', 'no_rate', 'no actual_cost and no matching llm_tokens rate'),
        ]) }}
    from checked

),

final as (

    {#- the landing text is only needed to find the broken rule, and the JSON copy of
        the row only for the quarantined rows -#}
    select
        * {{ exclude_columns(['raw_row', 'read_error', 'actual_cost_text', 'input_tokens_text', 'occurred_at_text', 'output_tokens_text']) }},
        case when quarantine_reason is not null then raw_row end as raw_row,
        {#- which build validated the row: its grain test checks what it added -#}
        {{ build_started_at() }} as built_at
    from reasoned

)

select * from final
