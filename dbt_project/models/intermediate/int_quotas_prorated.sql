{#-
    One row per rep and audit month with a quota while the rep was employed. The full-month
    quota is converted to the reporting currency at the rate of the month's first day, or the
    latest earlier rate, and prorated by days active / days in month for a rep hired or
    leaving during the month.
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

quotas as (

    select * from {{ ref('stg_landing__quotas') }}

),

rep_months as (

    select * from {{ ref('int_rep_months') }}
    where {{ in_audit_window('month') }}

),

fx_rate_periods as (

    select * from {{ ref('int_fx_rate_periods') }}

),

employed_quotas as (

    select
        rep_months.rep_id,
        rep_months.month,
        quotas.quota_amount as full_quota_amount,
        -- A quota without a currency code is read in the reporting currency.
        coalesce(quotas.currency, '{{ reporting_currency }}') as currency,
        rep_months.active_share
    from rep_months
    inner join quotas
        on rep_months.rep_id = quotas.rep_id
        and rep_months.month = quotas.month

),

with_rate as (

    select
        employed_quotas.*,
        case
            when employed_quotas.currency = '{{ reporting_currency }}' then 1
            else fx_rate_periods.rate_to_reporting_currency
        end as fx_rate
    from employed_quotas
    left join fx_rate_periods
        on employed_quotas.currency = fx_rate_periods.currency
        and employed_quotas.month >= fx_rate_periods.valid_from
        and (fx_rate_periods.valid_to is null or employed_quotas.month <= fx_rate_periods.valid_to)

),

final as (

    select
        rep_id,
        month,
        full_quota_amount,
        currency,
        cast(fx_rate as decimal(18, 8)) as fx_rate,
        active_share,
        -- Null when the quota currency has no rate on or before the month's first day.
        -- Widen before multiplying: decimal(18, 2) times decimal(18, 8) overflows 18 digits.
        cast(
            round(cast(full_quota_amount as decimal(38, 2)) * fx_rate * active_share, 2)
            as decimal(18, 2)
        )
            as quota_amount,
        (fx_rate is null) as has_missing_rate
    from with_rate

)

select * from final
