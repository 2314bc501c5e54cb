{#- The quarantine's columns for `bad_rows` (source_name, file_id, row_number, row_key,
    reason, reason_detail, raw_row), with each row's file from `files`. -#}
{% macro quarantine_rows(bad_rows, files) -%}
    select
        {{ bad_rows }}.source_name || ':' || cast({{ bad_rows }}.file_id as {{ dbt.type_string() }})
            || ':' || cast(coalesce({{ bad_rows }}.row_number, 0) as {{ dbt.type_string() }})
            as quarantine_id,
        {{ bad_rows }}.source_name,
        {{ files }}.file_path,
        {{ bad_rows }}.file_id,
        {{ bad_rows }}.row_number,
        {{ bad_rows }}.row_key,
        {{ bad_rows }}.reason,
        {{ bad_rows }}.reason_detail,
        {{ bad_rows }}.raw_row,
        {{ files }}.ingested_at
    from {{ bad_rows }}
    inner join {{ files }}
        on {{ bad_rows }}.file_id = {{ files }}.file_id
{%- endmacro %}

{#- The rows of the validated models that broke a rule, one `union all` over `sources`
    ((source_name, validated model, key column)), of the files after `after_file`. -#}
{% macro bad_rows_of(sources, after_file=0) -%}
    {%- for source_name, model, key in sources %}
    select
        '{{ source_name }}' as source_name,
        file_id,
        row_number,
        {{ key }} as row_key,
        quarantine_reason as reason,
        quarantine_detail as reason_detail,
        coalesce(unparsed_line, raw_row) as raw_row
    from {{ ref(model) }}
    where quarantine_reason is not null and file_id > {{ after_file }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
