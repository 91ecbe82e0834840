{#-
    One row per scope ('rep' or 'team'), scope id, KPI, period type ('month' or 'quarter')
    and period: the KPI's value, its value in the previous period (the previous calendar
    month, or the previous fiscal quarter), the change and its direction. Monthly values
    come from the monthly marts and quarterly values from the quarterly marts, so a
    quarter's ratio is recomputed from its sums. previous_value is null when the scope has
    no row for the previous period (the first period of the audit range, a rep not yet
    employed).
    var('comparison_kpis') narrows the published KPIs to a list of names; unit tests use it.
-#}
{{ config(tags=['comparison']) }}
{%- set rep_kpis = [
    'win_rate', 'avg_deal_size', 'won_amount', 'quota_attainment', 'selling_time_pct',
    'calls_made', 'proposals_sent', 'social_selling_interactions',
    'content_creation_hours', 'content_search_hours', 'crm_update_hours',
] -%}
{%- set team_kpis = rep_kpis + ['pct_reps_meeting_quota'] -%}
{%- set selected_kpis = var('comparison_kpis', team_kpis) -%}
{%- for kpi in selected_kpis if kpi not in team_kpis -%}
    {{ exceptions.raise_compiler_error(
        "Invalid KPI '" ~ kpi ~ "' in var comparison_kpis: expected names from "
        ~ team_kpis | join(', ') ~ "."
    ) }}
{%- endfor -%}
{%- set rep_kpis = rep_kpis | select('in', selected_kpis) | list -%}
{%- set team_kpis = team_kpis | select('in', selected_kpis) | list -%}

with

fiscal_quarters as (

    select * from {{ ref('int_fiscal_quarters') }}

),

performance_monthly as (

    select * from {{ ref('kpi_performance_monthly') }}

),

effectiveness_monthly as (

    select * from {{ ref('kpi_effectiveness_monthly') }}

),

time_allocation_monthly as (

    select * from {{ ref('rep_time_allocation_monthly') }}

),

efficiency_monthly as (

    select * from {{ ref('kpi_efficiency_monthly') }}

),

performance_quarterly as (

    {{ select_built_or_empty(ref('kpi_performance_quarterly'), empty_select=
        "select cast(null as varchar) as rep_id, cast(null as date) as quarter_start,
            cast(null as varchar) as fiscal_quarter, cast(null as integer) as months_in_range,
            cast(null as double) as win_rate, cast(null as double) as avg_deal_size,
            cast(null as double) as won_amount, cast(null as double) as quota_attainment
        where false") }}

),

team_monthly as (

    select * from {{ ref('kpi_team_monthly') }}

),

team_quarterly as (

    {%- set empty_team_kpis = [] %}
    {%- for kpi in team_kpis %}
        {%- do empty_team_kpis.append('cast(null as double) as ' ~ kpi) %}
    {%- endfor %}
    {{ select_built_or_empty(ref('kpi_team_quarterly'), empty_select=
        "select cast(null as varchar) as team, cast(null as date) as quarter_start,
            cast(null as varchar) as fiscal_quarter, cast(null as integer) as months_in_range"
        ~ (', ' ~ empty_team_kpis | join(', ') if empty_team_kpis else '')
        ~ " where false") }}

),

rep_month_activity as (

    select
        performance_monthly.rep_id,
        performance_monthly.month,
        effectiveness_monthly.calls_made,
        effectiveness_monthly.proposals_sent,
        effectiveness_monthly.social_selling_interactions,
        time_allocation_monthly.total_hours,
        time_allocation_monthly.selling_hours,
        efficiency_monthly.content_creation_hours,
        efficiency_monthly.content_search_hours,
        efficiency_monthly.crm_update_hours
    from performance_monthly
    left join effectiveness_monthly
        on performance_monthly.rep_id = effectiveness_monthly.rep_id
        and performance_monthly.month = effectiveness_monthly.month
    left join time_allocation_monthly
        on performance_monthly.rep_id = time_allocation_monthly.rep_id
        and performance_monthly.month = time_allocation_monthly.month
    left join efficiency_monthly
        on performance_monthly.rep_id = efficiency_monthly.rep_id
        and performance_monthly.month = efficiency_monthly.month

),

rep_months as (

    select
        performance_monthly.rep_id as scope_id,
        performance_monthly.month as period_start,
        strftime(performance_monthly.month, '%Y-%m') as period_label,
        1 as months_in_range,
        performance_monthly.win_rate,
        performance_monthly.avg_deal_size,
        performance_monthly.won_amount,
        performance_monthly.quota_attainment,
        rep_month_activity.selling_hours
            / nullif(rep_month_activity.total_hours, 0) as selling_time_pct,
        rep_month_activity.calls_made,
        rep_month_activity.proposals_sent,
        rep_month_activity.social_selling_interactions,
        rep_month_activity.content_creation_hours,
        rep_month_activity.content_search_hours,
        rep_month_activity.crm_update_hours
    from performance_monthly
    left join rep_month_activity
        on performance_monthly.rep_id = rep_month_activity.rep_id
        and performance_monthly.month = rep_month_activity.month

),

rep_quarter_activity as (

    select
        rep_month_activity.rep_id,
        fiscal_quarters.quarter_start,
        sum(rep_month_activity.calls_made) as calls_made,
        sum(rep_month_activity.proposals_sent) as proposals_sent,
        sum(rep_month_activity.social_selling_interactions) as social_selling_interactions,
        sum(rep_month_activity.total_hours) as total_hours,
        sum(rep_month_activity.selling_hours) as selling_hours,
        sum(rep_month_activity.content_creation_hours) as content_creation_hours,
        sum(rep_month_activity.content_search_hours) as content_search_hours,
        sum(rep_month_activity.crm_update_hours) as crm_update_hours
    from rep_month_activity
    inner join fiscal_quarters
        on rep_month_activity.month = fiscal_quarters.month
    group by rep_month_activity.rep_id, fiscal_quarters.quarter_start

),

rep_quarters as (

    select
        performance_quarterly.rep_id as scope_id,
        performance_quarterly.quarter_start as period_start,
        performance_quarterly.fiscal_quarter as period_label,
        performance_quarterly.months_in_range,
        performance_quarterly.win_rate,
        performance_quarterly.avg_deal_size,
        performance_quarterly.won_amount,
        performance_quarterly.quota_attainment,
        rep_quarter_activity.selling_hours
            / nullif(rep_quarter_activity.total_hours, 0) as selling_time_pct,
        rep_quarter_activity.calls_made,
        rep_quarter_activity.proposals_sent,
        rep_quarter_activity.social_selling_interactions,
        rep_quarter_activity.content_creation_hours,
        rep_quarter_activity.content_search_hours,
        rep_quarter_activity.crm_update_hours
    from performance_quarterly
    left join rep_quarter_activity
        on performance_quarterly.rep_id = rep_quarter_activity.rep_id
        and performance_quarterly.quarter_start = rep_quarter_activity.quarter_start

),

team_months as (

    select
        team as scope_id,
        month as period_start,
        strftime(month, '%Y-%m') as period_label,
        1 as months_in_range,
        *
    from team_monthly

),

team_quarters as (

    select
        team as scope_id,
        quarter_start as period_start,
        fiscal_quarter as period_label,
        *
    from team_quarterly

),

-- One row per scope, period and KPI. Every KPI is published as a double, amounts included.
kpi_values as (

    {%- set sources = [
        ('rep', 'month', 'rep_months', rep_kpis),
        ('rep', 'quarter', 'rep_quarters', rep_kpis),
        ('team', 'month', 'team_months', team_kpis),
        ('team', 'quarter', 'team_quarters', team_kpis),
    ] %}
    {%- set selects = [] %}
    {%- for scope, period_type, relation, kpis in sources %}
        {%- for kpi in kpis %}
            {%- do selects.append(
                "select '" ~ scope ~ "' as scope, scope_id, '" ~ kpi ~ "' as kpi, '"
                ~ period_type ~ "' as period_type, period_start, period_label, months_in_range, cast("
                ~ kpi ~ " as double) as value from " ~ relation
            ) %}
        {%- endfor %}
    {%- endfor %}
    {%- if selects %}
    {{ selects | join('\n    union all\n    ') }}
    {%- else %}
    -- No KPI selected: an empty relation with the same columns.
    select
        cast(null as varchar) as scope,
        cast(null as varchar) as scope_id,
        cast(null as varchar) as kpi,
        cast(null as varchar) as period_type,
        cast(null as date) as period_start,
        cast(null as varchar) as period_label,
        cast(null as integer) as months_in_range,
        cast(null as double) as value
    where false
    {%- endif %}

),

with_previous_period as (

    -- A fiscal quarter always spans three calendar months, so the previous quarter starts
    -- three months earlier.
    select
        kpi_values.*,
        cast(
            case
                when period_type = 'month' then {{ dbt.dateadd('month', -1, 'period_start') }}
                else {{ dbt.dateadd('month', -3, 'period_start') }}
            end as date
        ) as previous_period_start
    from kpi_values

),

compared as (

    select
        current_period.*,
        previous_period.months_in_range as previous_months_in_range,
        previous_period.value as previous_value
    from with_previous_period as current_period
    left join kpi_values as previous_period
        on current_period.scope = previous_period.scope
        and current_period.scope_id = previous_period.scope_id
        and current_period.kpi = previous_period.kpi
        and current_period.period_type = previous_period.period_type
        and current_period.previous_period_start = previous_period.period_start

),

final as (

    select
        cast(scope as varchar) as scope,
        cast(scope_id as varchar) as scope_id,
        cast(kpi as varchar) as kpi,
        cast(period_type as varchar) as period_type,
        cast(period_start as date) as period_start,
        cast(period_label as varchar) as period_label,
        cast(months_in_range as integer) as months_in_range,
        cast(previous_period_start as date) as previous_period_start,
        cast(previous_months_in_range as integer) as previous_months_in_range,
        cast(round(value, 9) as double) as value,
        cast(round(previous_value, 9) as double) as previous_value,
        cast(round(value - previous_value, 9) as double) as change,
        cast(
            case
                when value is null or previous_value is null then null
                when value > previous_value then 'up'
                when value < previous_value then 'down'
                else 'flat'
            end as varchar
        ) as direction
    from compared

)

select * from final
