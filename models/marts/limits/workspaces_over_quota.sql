{#- Workspaces above the included quantity of a hard-capped allowance in the current
    period (contract 3): the application blocks further use of that resource type. -#}
with

usage_charges as (

    select * from {{ ref('int_usage_charges') }}

),

final as (

    select
        workspace_id,
        period_start,
        resource_type,
        plan_id,
        quantity,
        included_quantity,
        quantity - included_quantity as quantity_over
    from usage_charges
    where cap = 'hard'
        and quantity > included_quantity
        and period_start = cast({{ dbt.date_trunc('month', run_as_of()) }} as date)

)

select * from final
