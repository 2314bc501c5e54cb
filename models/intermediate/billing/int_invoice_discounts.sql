{#- Discount lines (contract 2.5). Eligible rules apply one after another in rank order;
    each step's base is the remaining subtotal (subtotal - discounts so far), or with a
    resource_type that resource's usage line minus the resource-scoped discounts already
    taken from it, never more than the remaining subtotal and never below 0:
      percentage  round(base x percent / 100)
      fixed       min(amount, base)
      volume      round(base x tier percent / 100)
    A rule applies when its discount is > 0; after a non-stackable rule applies no further
    rule does. The steps are unrolled to `max_discount_rules` (a data test guards it), so
    the model stays set-based and portable (no recursive CTE). -#}
{%- set steps = var('max_discount_rules', 10) -%}
with

lines as (

    select * from {{ ref('int_invoice_lines_before_discounts') }}

),

eligibility as (

    select * from {{ ref('int_invoice_discount_eligibility') }}

),

usage_lines as (

    select invoice_id, resource_type, amount
    from lines
    where line_type = 'usage'

),

step_0 as (

    select
        invoice_id,
        sum(amount) as subtotal,
        sum(amount) as remaining_0,
        false as stopped_0
    from lines
    group by 1

),
{%- for k in range(1, steps + 1) %}

step_{{ k }}_rule as (

    select
        step_{{ k - 1 }}.*,
        eligibility.rule_id as rule_id_{{ k }},
        eligibility.rule_name as rule_name_{{ k }},
        eligibility.kind as kind_{{ k }},
        eligibility.percent as percent_{{ k }},
        eligibility.fixed_amount as fixed_amount_{{ k }},
        eligibility.resource_type as resource_type_{{ k }},
        eligibility.stackable as stackable_{{ k }},
        case
            when eligibility.rule_id is null or step_{{ k - 1 }}.stopped_{{ k - 1 }} then 0
            when eligibility.resource_type is null then greatest(step_{{ k - 1 }}.remaining_{{ k - 1 }}, 0)
            else greatest(least(
                coalesce(usage_lines.amount, 0)
                {%- for j in range(1, k) %}
                - case when step_{{ k - 1 }}.resource_type_{{ j }} = eligibility.resource_type
                    then step_{{ k - 1 }}.discount_{{ j }} else 0 end
                {%- endfor %},
                step_{{ k - 1 }}.remaining_{{ k - 1 }}
            ), 0)
        end as base_{{ k }}
    from step_{{ k - 1 }}
    left join eligibility
        on step_{{ k - 1 }}.invoice_id = eligibility.invoice_id
        and eligibility.rule_rank = {{ k }}
    left join usage_lines
        on step_{{ k - 1 }}.invoice_id = usage_lines.invoice_id
        and eligibility.resource_type = usage_lines.resource_type

),

step_{{ k }}_discount as (

    select
        *,
        case
            when rule_id_{{ k }} is null then cast(0 as decimal(18, 2))
            when kind_{{ k }} = 'fixed' then {{ round_money('least(fixed_amount_' ~ k ~ ', base_' ~ k ~ ')') }}
            else {{ round_money('base_' ~ k ~ ' * coalesce(percent_' ~ k ~ ', 0) * 0.01') }}
        end as discount_{{ k }}
    from step_{{ k }}_rule

),

step_{{ k }} as (

    select
        *,
        remaining_{{ k - 1 }} - discount_{{ k }} as remaining_{{ k }},
        stopped_{{ k - 1 }} or (discount_{{ k }} > 0 and not stackable_{{ k }}) as stopped_{{ k }}
    from step_{{ k }}_discount

),
{%- endfor %}

discounts as (

    {%- for k in range(1, steps + 1) %}
    select
        invoice_id,
        {{ k }} as rule_rank,
        rule_id_{{ k }} as rule_id,
        rule_name_{{ k }} as rule_name,
        resource_type_{{ k }} as resource_type,
        base_{{ k }} as base,
        discount_{{ k }} as discount
    from step_{{ steps }}
    where discount_{{ k }} > 0
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

final as (

    select
        invoice_id || ':' || rule_id as invoice_discount_id,
        invoice_id,
        rule_rank,
        rule_id,
        rule_name,
        resource_type,
        base,
        -discount as amount
    from discounts

)

select * from final
