{#- The grain test: no two rows share the values of `combination_of_columns`
    (NULLs compare equal, so a NULL model is part of the grain like any value). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    select {{ combination_of_columns | join(', ') }}, count(*) as n_rows
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}

{#- Rows where `expression` does not hold. -#}
{% test expression_is_true(model, expression) %}
    select * from {{ model }} where not ({{ expression }})
{% endtest %}

{#- Rows where `<column> <expression>` does not hold. -#}
{% test expression_is_true_column(model, column_name, expression) %}
    select * from {{ model }} where not ({{ column_name }} {{ expression }})
{% endtest %}
