{#-
    One row per rep and fiscal quarter (every row of kpi_performance_quarterly): the rep's
    efficiency and effectiveness in the quarter and the matrix segment they place the rep in.
    efficiency = selling hours / all hours of the quarter. effectiveness = quota_attainment
    of the quarter, or win_rate when the rep has no quota above 0 in the quarter.
    A value at or above its threshold is high. Thresholds are dbt vars:
    matrix_efficiency_threshold (default 0.35), matrix_effectiveness_threshold for
    attainment (default 1.0) and matrix_win_rate_threshold for the win-rate fallback
    (default 0.25).
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
{%- set efficiency_threshold = var('matrix_efficiency_threshold', 0.35) | float -%}
{%- set attainment_threshold = var('matrix_effectiveness_threshold', 1.0) | float -%}
{%- set win_rate_threshold = var('matrix_win_rate_threshold', 0.25) | float -%}

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

time_allocation as (

    select * from {{ ref('rep_time_allocation_monthly') }}
    where {{ in_audit_window('month') }}

),

rep_quarter_hours as (

    select
        time_allocation.rep_id,
        fiscal_quarters.quarter_start,
        sum(time_allocation.total_hours) as total_hours,
        sum(time_allocation.selling_hours) as selling_hours
    from time_allocation
    inner join fiscal_quarters
        on time_allocation.month = fiscal_quarters.month
    group by time_allocation.rep_id, fiscal_quarters.quarter_start

),

measured as (

    select
        performance.rep_id,
        performance.quarter_start,
        performance.fiscal_quarter,
        performance.months_in_range,
        performance.team,
        coalesce(rep_quarter_hours.total_hours, 0) as total_hours,
        coalesce(rep_quarter_hours.selling_hours, 0) as selling_hours,
        rep_quarter_hours.selling_hours
            / nullif(rep_quarter_hours.total_hours, 0) as efficiency,
        performance.quota_attainment,
        performance.win_rate,
        -- quota_attainment is null exactly when the quarter has no quota above 0.
        case
            when performance.quota_attainment is not null then 'quota_attainment'
            else 'win_rate'
        end as effectiveness_basis
    from performance
    left join rep_quarter_hours
        on performance.rep_id = rep_quarter_hours.rep_id
        and performance.quarter_start = rep_quarter_hours.quarter_start

),

with_effectiveness as (

    select
        measured.*,
        case
            when effectiveness_basis = 'quota_attainment' then quota_attainment
            else win_rate
        end as effectiveness,
        {{ efficiency_threshold }} as efficiency_threshold,
        case
            when effectiveness_basis = 'quota_attainment' then {{ attainment_threshold }}
            else {{ win_rate_threshold }}
        end as effectiveness_threshold
    from measured

),

segmented as (

    select
        with_effectiveness.*,
        case
            when efficiency is null or effectiveness is null then null
            when efficiency >= efficiency_threshold and effectiveness >= effectiveness_threshold
                then 'star'
            when efficiency >= efficiency_threshold then 'needs_coaching'
            when effectiveness >= effectiveness_threshold then 'needs_selling_time'
            else 'at_risk'
        end as segment
    from with_effectiveness

),

final as (

    select
        cast(rep_id as varchar) as rep_id,
        cast(quarter_start as date) as quarter_start,
        cast(fiscal_quarter as varchar) as fiscal_quarter,
        cast(months_in_range as integer) as months_in_range,
        cast(team as varchar) as team,
        cast(round(total_hours, 9) as double) as total_hours,
        cast(round(selling_hours, 9) as double) as selling_hours,
        cast(round(efficiency, 9) as double) as efficiency,
        cast(round(efficiency_threshold, 9) as double) as efficiency_threshold,
        cast(round(quota_attainment, 9) as double) as quota_attainment,
        cast(round(win_rate, 9) as double) as win_rate,
        cast(effectiveness_basis as varchar) as effectiveness_basis,
        cast(round(effectiveness, 9) as double) as effectiveness,
        cast(round(effectiveness_threshold, 9) as double) as effectiveness_threshold,
        cast(segment as varchar) as segment
    from segmented

)

select * from final
