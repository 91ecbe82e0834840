{#-
    Fails with each month whose team = 'all' row in kpi_team_monthly disagrees with the sums
    of kpi_performance_monthly (reps, deals won and lost, won amount, quota), or with the sum
    of that month's team rows.
-#}
{{ config(meta={'dagster': {'ref': {'name': 'kpi_team_monthly'}}}) }}
with

performance as (

    select * from {{ ref('kpi_performance_monthly') }}

),

team_months as (

    select * from {{ ref('kpi_team_monthly') }}

),

rep_totals as (

    select
        month,
        count(*) as rep_count,
        sum(deals_won) as deals_won,
        sum(deals_lost) as deals_lost,
        sum(won_amount) as won_amount,
        coalesce(sum(quota_amount), 0) as quota_amount
    from performance
    group by month

),

team_totals as (

    select
        month,
        sum(rep_count) as rep_count,
        sum(deals_won) as deals_won,
        sum(deals_lost) as deals_lost,
        sum(won_amount) as won_amount,
        coalesce(sum(quota_amount), 0) as quota_amount
    from team_months
    where team <> 'all'
    group by month

),

all_rows as (

    select
        month,
        rep_count,
        deals_won,
        deals_lost,
        won_amount,
        coalesce(quota_amount, 0) as quota_amount
    from team_months
    where team = 'all'

),

compared as (

    select
        all_rows.month,
        all_rows.rep_count <> coalesce(rep_totals.rep_count, 0)
        or all_rows.deals_won <> coalesce(rep_totals.deals_won, 0)
        or all_rows.deals_lost <> coalesce(rep_totals.deals_lost, 0)
        or all_rows.won_amount <> coalesce(rep_totals.won_amount, 0)
        or all_rows.quota_amount <> coalesce(rep_totals.quota_amount, 0) as differs_from_reps,
        all_rows.rep_count <> coalesce(team_totals.rep_count, 0)
        or all_rows.deals_won <> coalesce(team_totals.deals_won, 0)
        or all_rows.deals_lost <> coalesce(team_totals.deals_lost, 0)
        or all_rows.won_amount <> coalesce(team_totals.won_amount, 0)
        or all_rows.quota_amount <> coalesce(team_totals.quota_amount, 0) as differs_from_teams
    from all_rows
    left join rep_totals
        on all_rows.month = rep_totals.month
    left join team_totals
        on all_rows.month = team_totals.month

),

final as (

    select * from compared
    where differs_from_reps or differs_from_teams

)

select * from final
