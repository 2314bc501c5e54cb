{#- The rate book with half-open validity [effective_from, effective_to) as timestamps;
    an open end becomes a far-future bound so lookups are a plain range join. -#}
with

provider_rates as (

    select * from {{ ref('provider_rates') }}

),

final as (

    select
        provider,
        resource_type,
        nullif(trim(model), '') as model,
        unit_cost,
        cast(effective_from as {{ api.Column.translate_type('timestamp') }}) as effective_from,
        cast(coalesce(effective_to, cast('9999-12-31' as date))
            as {{ api.Column.translate_type('timestamp') }}) as effective_to
    from provider_rates

)

select * from final
