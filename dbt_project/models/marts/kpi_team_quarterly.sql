{#-
    One row per team and fiscal quarter with at least one employed rep, plus one row per
    fiscal quarter of the audit range with team = 'all' for the whole company. Deals and
    quotas come from kpi_performance_quarterly (a rep counts for the team of their last
    employed month in the quarter); activity counts and hours are the quarter's sums of
    the rep-month marts. Every ratio is recomputed from the row's sums.
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

fiscal_quarters as (

    select
        *,
        -- Below 3 when the audit window starts or ends inside the quarter.
        cast(count(*) over (partition by quarter_start) as integer) as months_in_range
    from {{ ref('int_fiscal_quarters') }}
    where {{ in_audit_window('month') }}

),

performance as (

    select * from {{ ref('kpi_performance_quarterly') }}
    where {{ in_audit_window('quarter_start') }}

),

effectiveness as (

    select * from {{ ref('kpi_effectiveness_monthly') }}
    where {{ in_audit_window('month') }}

),

time_allocation as (

    select * from {{ ref('rep_time_allocation_monthly') }}
    where {{ in_audit_window('month') }}

),

efficiency as (

    select * from {{ ref('kpi_efficiency_monthly') }}
    where {{ in_audit_window('month') }}

),

quarters as (

    select distinct
        quarter_start,
        quarter_label,
        months_in_range
    from fiscal_quarters

),

rep_month_activity as (

    select
        time_allocation.rep_id,
        fiscal_quarters.quarter_start,
        effectiveness.calls_made,
        effectiveness.proposals_sent,
        effectiveness.social_selling_interactions,
        effectiveness.meetings_held,
        effectiveness.emails_sent,
        time_allocation.total_hours,
        time_allocation.selling_hours,
        time_allocation.reclaimable_hours,
        efficiency.content_creation_hours,
        efficiency.content_search_hours,
        efficiency.crm_update_hours
    from time_allocation
    inner join fiscal_quarters
        on time_allocation.month = fiscal_quarters.month
    left join effectiveness
        on time_allocation.rep_id = effectiveness.rep_id
        and time_allocation.month = effectiveness.month
    left join efficiency
        on time_allocation.rep_id = efficiency.rep_id
        and time_allocation.month = efficiency.month

),

rep_quarter_activity as (

    select
        rep_id,
        quarter_start,
        sum(calls_made) as calls_made,
        sum(proposals_sent) as proposals_sent,
        sum(social_selling_interactions) as social_selling_interactions,
        sum(meetings_held) as meetings_held,
        sum(emails_sent) as emails_sent,
        sum(total_hours) as total_hours,
        sum(selling_hours) as selling_hours,
        sum(reclaimable_hours) as reclaimable_hours,
        sum(content_creation_hours) as content_creation_hours,
        sum(content_search_hours) as content_search_hours,
        sum(crm_update_hours) as crm_update_hours
    from rep_month_activity
    group by rep_id, quarter_start

),

rep_rows as (

    select
        performance.rep_id,
        performance.quarter_start,
        performance.team,
        performance.deals_won,
        performance.deals_lost,
        performance.deals_won_zero_amount,
        -- Denominator of avg_deal_size: won deals with a positive converted amount.
        performance.deals_won
            - performance.deals_won_zero_amount
            - performance.deals_won_missing_rate as deals_won_sized,
        performance.won_amount,
        performance.quota_amount,
        case when performance.quota_amount > 0 then 1 else 0 end as has_quota,
        case when performance.met_quota then 1 else 0 end as has_met_quota,
        rep_quarter_activity.calls_made,
        rep_quarter_activity.proposals_sent,
        rep_quarter_activity.social_selling_interactions,
        rep_quarter_activity.meetings_held,
        rep_quarter_activity.emails_sent,
        rep_quarter_activity.total_hours,
        rep_quarter_activity.selling_hours,
        rep_quarter_activity.reclaimable_hours,
        rep_quarter_activity.content_creation_hours,
        rep_quarter_activity.content_search_hours,
        rep_quarter_activity.crm_update_hours
    from performance
    left join rep_quarter_activity
        on performance.rep_id = rep_quarter_activity.rep_id
        and performance.quarter_start = rep_quarter_activity.quarter_start

),

scoped_rows as (

    -- Each rep-quarter counts once for its team and once for 'all'. 'all' starts from the
    -- audit quarters, so a quarter without employed reps still has a company row.
    select
        rep_rows.team as scope_team,
        rep_rows.quarter_start as scope_quarter_start,
        rep_rows.*
    from rep_rows
    union all
    select
        'all' as scope_team,
        quarters.quarter_start as scope_quarter_start,
        rep_rows.*
    from quarters
    left join rep_rows
        on quarters.quarter_start = rep_rows.quarter_start

),

summed as (

    select
        scope_team as team,
        scope_quarter_start as quarter_start,
        {{ team_kpi_sums() }}
    from scoped_rows
    group by scope_team, scope_quarter_start

),

labelled as (

    select
        summed.*,
        quarters.quarter_label,
        quarters.months_in_range
    from summed
    inner join quarters
        on summed.quarter_start = quarters.quarter_start

),

final as (

    select
        cast(team as varchar) as team,
        cast(quarter_start as date) as quarter_start,
        cast(quarter_label as varchar) as fiscal_quarter,
        cast(months_in_range as integer) as months_in_range,
        {{ team_kpi_columns() }}
    from labelled

)

select * from final
