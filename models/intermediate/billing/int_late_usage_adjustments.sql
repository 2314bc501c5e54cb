{#- Late usage (contract 2.3): for every finalized period and resource type, the charge
    re-rated with all usage known now minus what finalized invoices already billed for
    it (the original usage line plus earlier adjustments). A non-zero difference is an
    adjustment on the workspace's next non-finalized period. -#}
with

periods as (

    select * from {{ ref('int_billing_periods') }}

),

usage_charges as (

    select * from {{ ref('int_usage_charges') }}

),

finalized_invoices as (

    select * from {{ ref('stg_billing__finalized_invoices') }}

),

finalized_lines as (

    select * from {{ ref('stg_billing__finalized_invoice_lines') }}

),

metrics as (

    select * from {{ ref('metrics') }}

),

already_invoiced as (

    select
        finalized_invoices.workspace_id,
        coalesce(finalized_lines.adjustment_period, finalized_invoices.period_start)
            as original_period,
        finalized_lines.resource_type,
        sum(finalized_lines.amount) as invoiced_amount
    from finalized_lines
    inner join finalized_invoices
        on finalized_lines.invoice_id = finalized_invoices.invoice_id
    where finalized_lines.line_type in ('usage', 'adjustment')
    group by 1, 2, 3

),

rerated as (

    select
        usage_charges.workspace_id,
        usage_charges.period_start as original_period,
        usage_charges.resource_type,
        usage_charges.quantity,
        usage_charges.amount
    from usage_charges
    where usage_charges.is_finalized

),

differences as (

    select
        coalesce(rerated.workspace_id, already_invoiced.workspace_id) as workspace_id,
        coalesce(rerated.original_period, already_invoiced.original_period) as original_period,
        coalesce(rerated.resource_type, already_invoiced.resource_type) as resource_type,
        rerated.quantity as rerated_quantity,
        coalesce(rerated.amount, 0) as rerated_amount,
        coalesce(already_invoiced.invoiced_amount, 0) as invoiced_amount,
        coalesce(rerated.amount, 0) - coalesce(already_invoiced.invoiced_amount, 0) as amount
    from rerated
    full outer join already_invoiced
        on rerated.workspace_id = already_invoiced.workspace_id
        and rerated.original_period = already_invoiced.original_period
        and rerated.resource_type = already_invoiced.resource_type

),

next_open_period as (

    select
        finalized.period_start as original_period,
        min(open_periods.period_start) as period_start
    from periods as finalized
    inner join periods as open_periods
        on open_periods.period_start > finalized.period_start
        and not open_periods.is_finalized
    where finalized.is_finalized
    group by 1

),

final as (

    select
        differences.workspace_id || ':' || cast(periods.period_key as {{ dbt.type_string() }})
            || ':' || cast(differences.original_period as {{ dbt.type_string() }})
            || ':' || differences.resource_type as adjustment_id,
        differences.workspace_id,
        next_open_period.period_start,
        periods.period_key,
        differences.original_period,
        cast(extract(year from differences.original_period) * 100
            + extract(month from differences.original_period) as {{ dbt.type_int() }})
            as original_period_key,
        differences.resource_type,
        'Late usage for ' || substring(cast(differences.original_period as {{ dbt.type_string() }}), 1, 7)
            || ': ' || metrics.display_name as description,
        differences.rerated_quantity,
        differences.rerated_amount,
        differences.invoiced_amount,
        differences.amount
    from differences
    inner join next_open_period
        on differences.original_period = next_open_period.original_period
    inner join periods
        on next_open_period.period_start = periods.period_start
    inner join metrics
        on differences.resource_type = metrics.resource_type
    where differences.amount <> 0

)

select * from final
