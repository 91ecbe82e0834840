{#-
    One row per currency and rate date: the days a rate applies to. A rate applies from its
    rate_date until the day before the currency's next rate date, and the latest rate applies
    to every later day (valid_to null). A date before a currency's first rate has no rate.
    Rates of the reporting currency itself are left out: converting it always uses 1.
-#}
with

fx_rates as (

    select * from {{ ref('stg_landing__fx_rates') }}

),

foreign_rates as (

    select
        currency,
        rate_date,
        rate_to_reporting_currency
    from fx_rates
    where currency <> '{{ var("reporting_currency") | upper }}'

),

with_next_rate_date as (

    select
        currency,
        rate_date,
        rate_to_reporting_currency,
        lead(rate_date) over (partition by currency order by rate_date) as next_rate_date
    from foreign_rates

),

final as (

    select
        currency,
        rate_date as valid_from,
        cast({{ dbt.dateadd('day', -1, 'next_rate_date') }} as date) as valid_to,
        rate_to_reporting_currency
    from with_next_rate_date

)

select * from final
