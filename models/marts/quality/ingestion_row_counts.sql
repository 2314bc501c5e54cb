{{ config(materialized="view") }}
{#- A view, so the counts are always those of the tables as they are now. -#}
{#- Row conservation per source (contract 1.2): rows read = rows accepted + rows
    quarantined + duplicates removed. Each count is taken from its own table, so a row
    lost between layers shows as a difference instead of being absorbed: the duplicates
    from the ledger that counted each file's copies when the file was built
    (int_duplicates_by_file), so no build de-duplicates the history again. -#}
{%- set sources = [
    ('usage_records', 'stg_landing__usage_records', 'int_usage_records_deduplicated'),
    ('gateway_requests', 'stg_landing__gateway_requests', 'int_gateway_requests_deduplicated'),
    ('calls', 'stg_landing__calls', 'int_calls_deduplicated'),
    ('agents', 'stg_landing__agents', 'int_agent_states'),
    ('workspaces', 'stg_landing__workspaces', 'int_workspace_states'),
] %}
with

quarantine as (

    select * from {{ ref('quarantine') }}

),

files as (

    select * from {{ ref('stg_landing__files') }}

),

duplicates as (

    select * from {{ ref('int_duplicates_by_file') }}

),

counts as (

    {%- for source_name, staging, accepted in sources %}
    select
        '{{ source_name }}' as source_name,
        (select count(*) from {{ ref(staging) }}) as rows_read,
        (select count(*) from {{ ref(accepted) }}) as rows_accepted,
        (select count(*) from quarantine
         where source_name = '{{ source_name }}' and row_number is not null) as rows_quarantined,
        (select coalesce(sum(duplicates_removed), 0) from duplicates
         where source_name = '{{ source_name }}') as duplicates_removed,
        (select count(*) from files
         where source_name = '{{ source_name }}' and load_status = 'loaded') as files_loaded,
        (select count(*) from files
         where source_name = '{{ source_name }}' and load_status = 'failed') as files_failed
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

final as (

    select
        *,
        rows_read = rows_accepted + rows_quarantined + duplicates_removed as is_conserved
    from counts

)

select * from final
