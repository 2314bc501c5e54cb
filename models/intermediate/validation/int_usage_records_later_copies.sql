{{ config(materialized='incremental', incremental_strategy='append') }}
{#- The valid usage records that are a later copy of their event_id: dropped from the
    accepted rows (int_usage_records_deduplicated) and counted per file by the duplicates
    ledger (int_duplicates_by_file). -#}
{{ later_copies('int_usage_records_validated', 'event_id') }}
