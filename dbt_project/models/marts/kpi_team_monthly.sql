{#-
    One row per team and month with at least one employed rep, plus one row per audit month
    with team = 'all' for the whole company. Counts and hours are sums over the rep-month
    marts; every ratio is recomputed from those sums, never averaged from rep ratios.
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

audit_months as (

    select * from {{ ref('int_audit_months') }}

),

performance as (

    select * from {{ ref('kpi_performance_monthly') }}
    where {{ in_audit_window('month') }}

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

rep_rows as (

    select
        performance.rep_id,
        performance.month,
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
    from performance
    left join effectiveness
        on performance.rep_id = effectiveness.rep_id
        and performance.month = effectiveness.month
    left join time_allocation
        on performance.rep_id = time_allocation.rep_id
        and performance.month = time_allocation.month
    left join efficiency
        on performance.rep_id = efficiency.rep_id
        and performance.month = efficiency.month

),

scoped_rows as (

    -- Each rep-month counts once for its team and once for 'all'. 'all' starts from the
    -- audit months, so a month without employed reps still has a company row.
    select
        rep_rows.team as scope_team,
        rep_rows.month as scope_month,
        rep_rows.*
    from rep_rows
    union all
    select
        'all' as scope_team,
        audit_months.month as scope_month,
        rep_rows.*
    from audit_months
    left join rep_rows
        on audit_months.month = rep_rows.month

),

summed as (

    select
        scope_team as team,
        scope_month as month,
        {{ team_kpi_sums() }}
    from scoped_rows
    group by scope_team, scope_month

),

final as (

    select
        cast(team as varchar) as team,
        cast(month as date) as month,
        {{ team_kpi_columns() }}
    from summed

)

select * from final
