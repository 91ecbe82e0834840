{#-
    One row per rep and month the rep was employed: deals won and lost, win rates, won amount
    and deal size in the reporting currency, and quota attainment against the prorated quota.
    Counts are 0 and ratios null where nothing happened.
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
with

rep_months as (

    select * from {{ ref('int_rep_months') }}
    where {{ in_audit_window('month') }}

),

deals_closed as (

    select * from {{ ref('int_deals_closed') }}
    where {{ in_audit_window('month') }}

),

quotas_prorated as (

    select * from {{ ref('int_quotas_prorated') }}
    where {{ in_audit_window('month') }}

),

deal_totals as (

    select
        rep_id,
        month,
        sum(case when is_won then 1 else 0 end) as deals_won,
        sum(case when not is_won then 1 else 0 end) as deals_lost,
        sum(case when is_won and is_zero_amount then 1 else 0 end) as deals_won_zero_amount,
        sum(case when is_won and has_missing_rate then 1 else 0 end) as deals_won_missing_rate,
        -- Denominator of avg_deal_size: won deals with a positive converted amount.
        sum(
            case when is_won and not is_zero_amount and not has_missing_rate then 1 else 0 end
        ) as deals_won_sized,
        sum(case when is_won and not is_zero_amount then amount_reporting end) as won_amount,
        sum(case when not is_won and not is_zero_amount then amount_reporting end) as lost_amount
    from deals_closed
    group by rep_id, month

),

joined as (

    select
        rep_months.rep_id,
        rep_months.month,
        rep_months.team,
        coalesce(deal_totals.deals_won, 0) as deals_won,
        coalesce(deal_totals.deals_lost, 0) as deals_lost,
        coalesce(deal_totals.deals_won_zero_amount, 0) as deals_won_zero_amount,
        coalesce(deal_totals.deals_won_missing_rate, 0) as deals_won_missing_rate,
        coalesce(deal_totals.deals_won_sized, 0) as deals_won_sized,
        coalesce(deal_totals.won_amount, 0) as won_amount,
        coalesce(deal_totals.lost_amount, 0) as lost_amount,
        quotas_prorated.quota_amount
    from rep_months
    left join deal_totals
        on rep_months.rep_id = deal_totals.rep_id
        and rep_months.month = deal_totals.month
    left join quotas_prorated
        on rep_months.rep_id = quotas_prorated.rep_id
        and rep_months.month = quotas_prorated.month

),

final as (

    select
        cast(rep_id as varchar) as rep_id,
        cast(month as date) as month,
        cast(team as varchar) as team,
        {{ rep_performance_columns() }}
    from joined

)

select * from final
