{#- The payment reminders of the open invoices and when each is due (contract 4): a
    `due_soon` reminder from payment_due_soon_days (settings) before the due date until
    the due date, an `overdue` one from the day after the due date, or at once for an
    invoice already overdue (past due as of the build, or its payment failed). The
    payment step raises, on the day it runs, those whose window holds that day and that
    were not raised yet, so each is raised once per invoice. -#}
with

invoices as (

    select * from {{ ref('int_invoices_of_record') }}
    where status in ('open', 'overdue')

),

settings as (

    select payment_due_soon_days from {{ ref('stg_reference__settings') }}

),

windows as (

    select
        invoices.invoice_id,
        'due_soon' as reminder_type,
        {{ dbt.dateadd('day', '-1 * settings.payment_due_soon_days', 'invoices.due_date') }}
            as remind_from,
        invoices.due_date as remind_until
    from invoices
    cross join settings
    where invoices.status = 'open'

    union all

    select
        invoice_id,
        'overdue' as reminder_type,
        case
            when status = 'overdue' then cast('1900-01-01' as date)
            else {{ dbt.dateadd('day', 1, 'due_date') }}
        end as remind_from,
        cast(null as date) as remind_until
    from invoices

),

final as (

    select
        'reminder_' || invoices.invoice_id || '_' || windows.reminder_type as reminder_id,
        invoices.invoice_id,
        invoices.invoice_number,
        invoices.workspace_id,
        windows.reminder_type,
        invoices.due_date,
        invoices.total as amount_due,
        cast(windows.remind_from as date) as remind_from,
        cast(windows.remind_until as date) as remind_until
    from windows
    inner join invoices
        on windows.invoice_id = invoices.invoice_id

)

select * from final
