{{ config(materialized='incremental', incremental_strategy='append') }}
{#- The valid gateway requests that are a later copy of their request_id: dropped from the
    accepted rows (int_gateway_requests_deduplicated) and counted per file by the duplicates
    ledger (int_duplicates_by_file). -#}
{{ later_copies('int_gateway_requests_validated', 'request_id') }}
