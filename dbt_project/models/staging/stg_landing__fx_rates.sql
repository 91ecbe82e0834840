{#-
    One row per currency and rate date. raw.fx_rates already holds one row per currency and
    rate_date, because the quality gate quarantines superseded versions of a repeated key
    and rejects currency codes that are not three upper-case letters.
-#}
with

source_fx_rates as (

    select * from {{ source('landing', 'fx_rates') }}

),

cleaned as (

    select
        upper(trim(currency)) as currency,
        cast(rate_date as date) as rate_date,
        cast(rate_to_reporting_currency as decimal(18, 8)) as rate_to_reporting_currency,
        updated_at
    from source_fx_rates

),

final as (

    select
        currency,
        rate_date,
        rate_to_reporting_currency,
        updated_at
    from cleaned

)

select * from final
