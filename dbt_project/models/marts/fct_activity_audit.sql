{#-
    One row per rep, month and activity type with hours > 0 or at least one logged
    activity, for reps employed in that month (int_rep_months). Hours follow the hours
    rule of int_rep_activity_hours_monthly; the classification comes from the taxonomy.
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

rep_activity_hours as (

    select * from {{ ref('int_rep_activity_hours_monthly') }}
    where {{ in_audit_window('month') }}

),

rep_months as (

    select * from {{ ref('int_rep_months') }}
    where {{ in_audit_window('month') }}

),

taxonomy as (

    select * from {{ ref('int_activity_taxonomy') }}

),

employed_activity_hours as (

    select
        rep_activity_hours.rep_id,
        rep_activity_hours.month,
        rep_months.team,
        rep_activity_hours.activity_type,
        rep_activity_hours.activity_count,
        rep_activity_hours.hours,
        rep_activity_hours.hours_source
    from rep_activity_hours
    inner join rep_months
        on rep_activity_hours.rep_id = rep_months.rep_id
        and rep_activity_hours.month = rep_months.month
    where rep_activity_hours.hours > 0
        or rep_activity_hours.activity_count > 0

),

classified as (

    select
        employed_activity_hours.*,
        taxonomy.impact_level,
        taxonomy.urgency_level,
        taxonomy.quadrant,
        taxonomy.action,
        taxonomy.is_selling,
        taxonomy.kpi_group,
        taxonomy.reclaimable_share
    from employed_activity_hours
    left join taxonomy
        on employed_activity_hours.activity_type = taxonomy.activity_type

),

final as (

    select
        cast(rep_id as varchar) as rep_id,
        cast(month as date) as month,
        cast(team as varchar) as team,
        cast(activity_type as varchar) as activity_type,
        cast(activity_count as bigint) as activity_count,
        cast(round(hours, 9) as double) as hours,
        cast(hours_source as varchar) as hours_source,
        cast(round(
            hours / nullif(sum(hours) over (partition by rep_id, month), 0), 9) as double) as share_of_rep_hours,
        cast(impact_level as varchar) as impact_level,
        cast(urgency_level as varchar) as urgency_level,
        cast(quadrant as varchar) as quadrant,
        cast(action as varchar) as action,
        cast(is_selling as boolean) as is_selling,
        cast(kpi_group as varchar) as kpi_group,
        cast(round(hours * reclaimable_share, 9) as double) as reclaimable_hours
    from classified

)

select * from final
