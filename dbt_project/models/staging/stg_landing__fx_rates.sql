{#- One row per currency and rate date: the latest version of each rate in raw.fx_rates. -#}
with

source_fx_rates as (

    select * from {{ source('landing', 'fx_rates') }}

),

cleaned as (

    select
        upper(trim(currency)) as currency,
        cast(rate_date as date) as rate_date,
        cast(rate_to_reporting_currency as decimal(18, 8)) as rate_to_reporting_currency,
        updated_at,
        _source_file,
        _record_number
    from source_fx_rates
    where nullif(trim(currency), '') is not null
        and rate_date is not null
        and rate_to_reporting_currency is not null

),

ranked as (

    -- A re-export may repeat a rate. The latest updated_at wins, then the last row in file order.
    select
        cleaned.*,
        row_number() over (
            partition by currency, rate_date
            order by updated_at desc nulls last, _source_file desc, _record_number desc
        ) as version_rank
    from cleaned

),

final as (

    select
        currency,
        rate_date,
        rate_to_reporting_currency,
        updated_at
    from ranked
    where version_rank = 1

)

select * from final
