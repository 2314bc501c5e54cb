{#- Two rates for the same (provider, resource_type, model) whose validity overlaps
    would make the rate lookup ambiguous and fan usage out. -#}
{% test no_overlapping_rates(model) %}
    select a.provider, a.resource_type, a.model, a.effective_from, b.effective_from
    from {{ model }} as a
    inner join {{ model }} as b
        on a.provider = b.provider
        and a.resource_type = b.resource_type
        and coalesce(a.model, '') = coalesce(b.model, '')
        and a.effective_from < b.effective_from
        and b.effective_from < a.effective_to
{% endtest %}
