{#-
    One row per rep and fiscal quarter with at least one audit month in which the rep was
    employed: the columns of kpi_performance_monthly, summed from the closed deals and
    prorated quotas of the quarter's employed months. Every ratio is recomputed from the
    quarter's sums, never averaged from monthly ratios.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        tags=['quarterly'],
        pre_hook="{{ delete_audit_window('quarter_start') }}",
    )
}}
with

rep_months as (

    select * from {{ ref('int_rep_months') }}
    where {{ in_audit_window('month') }}

),

fiscal_quarters as (

    select
        *,
        -- Below 3 when the audit window starts or ends inside the quarter.
        cast(count(*) over (partition by quarter_start) as integer) as months_in_range
    from {{ ref('int_fiscal_quarters') }}
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

rep_quarter_months as (

    select
        rep_months.rep_id,
        rep_months.month,
        rep_months.team,
        fiscal_quarters.quarter_start,
        fiscal_quarters.quarter_label,
        fiscal_quarters.months_in_range
    from rep_months
    inner join fiscal_quarters
        on rep_months.month = fiscal_quarters.month

),

-- Deals join on the rep's employed months, as in kpi_performance_monthly, so a quarter's
-- counts are the sums of its monthly rows.
deal_totals as (

    select
        rep_quarter_months.rep_id,
        rep_quarter_months.quarter_start,
        sum(case when deals_closed.is_won then 1 else 0 end) as deals_won,
        sum(case when not deals_closed.is_won then 1 else 0 end) as deals_lost,
        sum(
            case when deals_closed.is_won and deals_closed.is_zero_amount then 1 else 0 end
        ) as deals_won_zero_amount,
        sum(
            case when deals_closed.is_won and deals_closed.has_missing_rate then 1 else 0 end
        ) as deals_won_missing_rate,
        -- Denominator of avg_deal_size: won deals with a positive converted amount.
        sum(
            case
                when deals_closed.is_won
                    and not deals_closed.is_zero_amount
                    and not deals_closed.has_missing_rate
                    then 1
                else 0
            end
        ) as deals_won_sized,
        sum(
            case
                when deals_closed.is_won and not deals_closed.is_zero_amount
                    then deals_closed.amount_reporting
            end
        ) as won_amount,
        sum(
            case
                when not deals_closed.is_won and not deals_closed.is_zero_amount
                    then deals_closed.amount_reporting
            end
        ) as lost_amount
    from rep_quarter_months
    inner join deals_closed
        on rep_quarter_months.rep_id = deals_closed.rep_id
        and rep_quarter_months.month = deals_closed.month
    group by rep_quarter_months.rep_id, rep_quarter_months.quarter_start

),

-- The quarter's quota is the sum of its prorated monthly quotas, null when no month has one.
quota_totals as (

    select
        rep_quarter_months.rep_id,
        rep_quarter_months.quarter_start,
        sum(quotas_prorated.quota_amount) as quota_amount
    from rep_quarter_months
    inner join quotas_prorated
        on rep_quarter_months.rep_id = quotas_prorated.rep_id
        and rep_quarter_months.month = quotas_prorated.month
    group by rep_quarter_months.rep_id, rep_quarter_months.quarter_start

),

rep_quarters as (

    select
        rep_id,
        quarter_start,
        quarter_label,
        months_in_range,
        -- The team of the rep's last employed month in the quarter.
        arg_max(team, month) as team
    from rep_quarter_months
    group by rep_id, quarter_start, quarter_label, months_in_range

),

joined as (

    select
        rep_quarters.rep_id,
        rep_quarters.quarter_start,
        rep_quarters.quarter_label,
        rep_quarters.months_in_range,
        rep_quarters.team,
        coalesce(deal_totals.deals_won, 0) as deals_won,
        coalesce(deal_totals.deals_lost, 0) as deals_lost,
        coalesce(deal_totals.deals_won_zero_amount, 0) as deals_won_zero_amount,
        coalesce(deal_totals.deals_won_missing_rate, 0) as deals_won_missing_rate,
        coalesce(deal_totals.deals_won_sized, 0) as deals_won_sized,
        coalesce(deal_totals.won_amount, 0) as won_amount,
        coalesce(deal_totals.lost_amount, 0) as lost_amount,
        quota_totals.quota_amount
    from rep_quarters
    left join deal_totals
        on rep_quarters.rep_id = deal_totals.rep_id
        and rep_quarters.quarter_start = deal_totals.quarter_start
    left join quota_totals
        on rep_quarters.rep_id = quota_totals.rep_id
        and rep_quarters.quarter_start = quota_totals.quarter_start

),

final as (

    select
        cast(rep_id as varchar) as rep_id,
        cast(quarter_start as date) as quarter_start,
        cast(quarter_label as varchar) as fiscal_quarter,
        cast(months_in_range as integer) as months_in_range,
        cast(team as varchar) as team,
        {{ rep_performance_columns() }}
    from joined

)

select * from final
