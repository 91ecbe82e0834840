{#-
    One row per month and activity type with hours > 0 in that month, over all employed
    reps: the type's classification, its hours and share of the month's hours, the hours
    that acting on it would free, and why.
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

activity_audit as (

    select * from {{ ref('fct_activity_audit') }}
    where {{ in_audit_window('month') }}

),

taxonomy as (

    select * from {{ ref('int_activity_taxonomy') }}

),

type_hours as (

    select
        month,
        activity_type,
        sum(hours) as hours,
        sum(reclaimable_hours) as reclaimable_hours,
        count(distinct case when hours > 0 then rep_id end) as rep_count
    from activity_audit
    group by month, activity_type
    having sum(hours) > 0

),

classified as (

    select
        type_hours.*,
        taxonomy.impact_level,
        taxonomy.urgency_level,
        taxonomy.quadrant,
        taxonomy.action,
        taxonomy.rationale
    from type_hours
    left join taxonomy
        on type_hours.activity_type = taxonomy.activity_type

),

final as (

    select
        cast(month as date) as month,
        cast(activity_type as varchar) as activity_type,
        cast(impact_level as varchar) as impact_level,
        cast(urgency_level as varchar) as urgency_level,
        cast(quadrant as varchar) as quadrant,
        cast(action as varchar) as action,
        cast(round(hours, 9) as double) as hours,
        cast(round(hours / nullif(sum(hours) over (partition by month), 0), 9) as double)
            as share_of_hours,
        cast(round(reclaimable_hours, 9) as double) as reclaimable_hours,
        cast(rep_count as bigint) as rep_count,
        cast(rationale as varchar) as rationale
    from classified

)

select * from final
