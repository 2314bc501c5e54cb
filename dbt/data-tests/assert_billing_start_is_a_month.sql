{#- billing_start in seeds/settings.csv is empty or a month, YYYY-MM (contract 1.3). -#}
select billing_start_text
from {{ ref('stg_reference__settings') }}
where billing_start_text is not null
    and (billing_start is null or length(billing_start_text) <> 7)
