{#- The rows of the validated models that broke a rule, one `union all` over `sources`
    ((source_name, validated model, key column)), of the files after `after_file`. -#}
{% macro bad_rows_of(sources, after_file=0) -%}
    {%- for source_name, model, key in sources %}
    select
        {{ quarantine_id("'" ~ source_name ~ "'", 'file_id', 'row_number') }} as quarantine_id,
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

{#- A quarantined row's id: `<source>:<file_id>:<row_number>`, row 0 for a whole file. -#}
{% macro quarantine_id(source_name, file_id, row_number) -%}
    {{ source_name }} || ':' || cast({{ file_id }} as {{ dbt.type_string() }})
        || ':' || cast(coalesce({{ row_number }}, 0) as {{ dbt.type_string() }})
{%- endmacro %}
