{#- Which discount rules an open invoice is eligible for (contract 2.5), in the order
    they apply (priority, then rule_id). Every set condition must hold: plan and
    workspace (state at period end), subtotal >= min_subtotal, the period starts within
    [valid_from, valid_to], and first_invoice_only -> no earlier finalized invoice with
    a total > 0. The volume rule's percent is resolved here from its tiers. -#}
{%- set max_tiers = 10 -%}
with

lines as (

    select * from {{ ref('int_invoice_lines_before_discounts') }}

),

period_states as (

    select * from {{ ref('int_workspace_period_states') }}

),

discount_rules as (

    select * from {{ ref('discount_rules') }}

),

finalized_invoices as (

    select * from {{ ref('stg_billing__finalized_invoices') }}

),

invoices as (

    select
        invoice_id,
        workspace_id,
        period_start,
        sum(amount) as subtotal
    from lines
    group by 1, 2, 3

),

first_charged as (

    select
        workspace_id,
        min(period_start) as first_charged_period
    from finalized_invoices
    where total > 0
    group by 1

),

tiers as (

    select
        rule_id,
        {%- for n in range(1, max_tiers + 1) %}
        {{ dbt.safe_cast("nullif(" ~ dbt.split_part(dbt.split_part('volume_tiers', "';'", n), "':'", 1) ~ ", '')", 'decimal(18, 4)') }} as threshold_{{ n }},
        {{ dbt.safe_cast("nullif(" ~ dbt.split_part(dbt.split_part('volume_tiers', "';'", n), "':'", 2) ~ ", '')", 'decimal(9, 4)') }} as percent_{{ n }}{{ "," if not loop.last }}
        {%- endfor %}
    from discount_rules
    where kind = 'volume'

),

eligible as (

    select
        invoices.invoice_id,
        invoices.subtotal,
        discount_rules.rule_id,
        discount_rules.name as rule_name,
        discount_rules.kind,
        case
            when discount_rules.kind = 'percentage' then discount_rules.percent
            when discount_rules.kind = 'volume' then case
                {%- for n in range(max_tiers, 0, -1) %}
                when invoices.subtotal >= tiers.threshold_{{ n }} then tiers.percent_{{ n }}
                {%- endfor %}
            end
        end as percent,
        discount_rules.amount as fixed_amount,
        nullif(trim(discount_rules.resource_type), '') as resource_type,
        coalesce(discount_rules.stackable, true) as stackable,
        discount_rules.priority
    from invoices
    inner join period_states
        on invoices.workspace_id = period_states.workspace_id
        and invoices.period_start = period_states.period_start
    cross join discount_rules
    left join tiers
        on discount_rules.rule_id = tiers.rule_id
    left join first_charged
        on invoices.workspace_id = first_charged.workspace_id
    where (discount_rules.plan_id is null or discount_rules.plan_id = period_states.plan_id)
        and (discount_rules.workspace_id is null
            or discount_rules.workspace_id = invoices.workspace_id)
        and (discount_rules.min_subtotal is null
            or invoices.subtotal >= discount_rules.min_subtotal)
        and (discount_rules.valid_from is null
            or invoices.period_start >= discount_rules.valid_from)
        and (discount_rules.valid_to is null
            or invoices.period_start <= discount_rules.valid_to)
        and (not coalesce(discount_rules.first_invoice_only, false)
            or first_charged.first_charged_period is null
            or first_charged.first_charged_period >= invoices.period_start)

),

final as (

    select
        invoice_id || ':' || rule_id as invoice_rule_id,
        *,
        row_number() over (partition by invoice_id order by priority, rule_id) as rule_rank
    from eligible

)

select * from final
