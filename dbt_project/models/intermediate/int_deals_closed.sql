{#-
    One row per deal closed (won or lost) in an audit month, with its amount converted to the
    reporting currency at the rate of its close day in the reporting time zone, or the latest
    earlier rate. Open deals are not here: they never count in win rates.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        tags=['monthly'],
        pre_hook="{{ delete_audit_window('month') }}",
    )
}}
{%- set reporting_currency = var('reporting_currency') | upper %}

with

deals as (

    select * from {{ ref('stg_landing__deals') }}

),

audit_months as (

    select * from {{ ref('int_audit_months') }}

),

fx_rate_periods as (

    select * from {{ ref('int_fx_rate_periods') }}

),

closed_deals as (

    select
        deals.deal_id,
        deals.owner_rep_id as rep_id,
        deals.close_month as month,
        deals.closed_on,
        deals.is_won,
        deals.amount,
        -- A deal without a currency code is read in the reporting currency.
        coalesce(deals.currency, '{{ reporting_currency }}') as currency
    from deals
    inner join audit_months
        on deals.close_month = audit_months.month
    where deals.is_closed
        and deals.owner_rep_id is not null

),

with_rate as (

    select
        closed_deals.*,
        case
            when closed_deals.currency = '{{ reporting_currency }}' then 1
            else fx_rate_periods.rate_to_reporting_currency
        end as fx_rate
    from closed_deals
    left join fx_rate_periods
        on closed_deals.currency = fx_rate_periods.currency
        and closed_deals.closed_on >= fx_rate_periods.valid_from
        and (fx_rate_periods.valid_to is null or closed_deals.closed_on <= fx_rate_periods.valid_to)

),

final as (

    select
        deal_id,
        rep_id,
        month,
        closed_on,
        is_won,
        amount,
        currency,
        cast(fx_rate as decimal(18, 8)) as fx_rate,
        -- Null when the amount or its exchange rate is missing.
        -- Widen before multiplying: decimal(18, 2) times decimal(18, 8) overflows 18 digits.
        cast(round(cast(amount as decimal(38, 2)) * fx_rate, 2) as decimal(18, 2))
            as amount_reporting,
        -- Zero, negative and missing amounts are not deal sizes, so they stay out of averages.
        coalesce(amount <= 0, true) as is_zero_amount,
        -- Only a positive amount needs a rate. Without one, the deal is left out of every amount.
        (coalesce(amount > 0, false) and fx_rate is null) as has_missing_rate
    from with_rate

)

select * from final
