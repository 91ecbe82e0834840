{#-
    The sums a team row is built from, over rep rows that carry the rep-level marts'
    columns plus has_quota and has_met_quota (0 or 1). Use inside a group by team and period.
-#}
{% macro team_kpi_sums() -%}
        count(rep_id) as rep_count,
        coalesce(sum(has_quota), 0) as reps_with_quota,
        coalesce(sum(has_met_quota), 0) as reps_meeting_quota,
        coalesce(sum(deals_won), 0) as deals_won,
        coalesce(sum(deals_lost), 0) as deals_lost,
        coalesce(sum(deals_won_zero_amount), 0) as deals_won_zero_amount,
        coalesce(sum(deals_won_sized), 0) as deals_won_sized,
        coalesce(sum(won_amount), 0) as won_amount,
        -- Null when no rep of the scope has a quota, as on the rep rows.
        sum(quota_amount) as quota_amount,
        coalesce(sum(calls_made), 0) as calls_made,
        coalesce(sum(proposals_sent), 0) as proposals_sent,
        coalesce(sum(social_selling_interactions), 0) as social_selling_interactions,
        coalesce(sum(meetings_held), 0) as meetings_held,
        coalesce(sum(emails_sent), 0) as emails_sent,
        coalesce(sum(total_hours), 0) as total_hours,
        coalesce(sum(selling_hours), 0) as selling_hours,
        coalesce(sum(content_creation_hours), 0) as content_creation_hours,
        coalesce(sum(content_search_hours), 0) as content_search_hours,
        coalesce(sum(crm_update_hours), 0) as crm_update_hours,
        coalesce(sum(reclaimable_hours), 0) as reclaimable_hours
{%- endmacro %}

{#-
    The team KPI columns of kpi_team_monthly and kpi_team_quarterly, in contract order,
    computed from a relation of summed counts, amounts and hours per team and period.
    Ratios are recomputed from the sums, never averaged from rep ratios.
-#}
{% macro team_kpi_columns() -%}
        cast(rep_count as bigint) as rep_count,
        cast(reps_with_quota as bigint) as reps_with_quota,
        cast(reps_meeting_quota as bigint) as reps_meeting_quota,
        cast(
            case
                when reps_with_quota > 0
                    then cast(reps_meeting_quota as double) / reps_with_quota
            end as double
        ) as pct_reps_meeting_quota,
        cast(deals_won as bigint) as deals_won,
        cast(deals_lost as bigint) as deals_lost,
        cast(deals_won_zero_amount as bigint) as deals_won_zero_amount,
        cast(
            case
                when deals_won + deals_lost > 0
                    then cast(deals_won as double) / (deals_won + deals_lost)
            end as double
        ) as win_rate,
        cast(won_amount as decimal(18, 2)) as won_amount,
        cast(
            case
                when deals_won_sized > 0 then round(won_amount / deals_won_sized, 2)
            end as decimal(18, 2)
        ) as avg_deal_size,
        cast('{{ var("reporting_currency") | upper }}' as varchar) as reporting_currency,
        cast(quota_amount as decimal(18, 2)) as quota_amount,
        -- The row's own won_amount over its quota_amount, so the three columns agree.
        cast(
            case
                when quota_amount > 0
                    then cast(won_amount as double) / cast(quota_amount as double)
            end as double
        ) as quota_attainment,
        cast(calls_made as bigint) as calls_made,
        cast(proposals_sent as bigint) as proposals_sent,
        cast(social_selling_interactions as bigint) as social_selling_interactions,
        cast(meetings_held as bigint) as meetings_held,
        cast(emails_sent as bigint) as emails_sent,
        cast(round(total_hours, 9) as double) as total_hours,
        cast(round(selling_hours, 9) as double) as selling_hours,
        cast(
            round(case when total_hours > 0 then selling_hours / total_hours end, 9) as double
        ) as selling_time_pct,
        cast(round(content_creation_hours, 9) as double) as content_creation_hours,
        cast(round(content_search_hours, 9) as double) as content_search_hours,
        cast(round(crm_update_hours, 9) as double) as crm_update_hours,
        cast(round(reclaimable_hours, 9) as double) as reclaimable_hours
{%- endmacro %}
