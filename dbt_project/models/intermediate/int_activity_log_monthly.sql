{#-
    One row per rep, month and activity type with at least one logged activity: the count
    and the logged hours (sum of duration_minutes / 60; an activity without a duration adds
    to the count but no hours). Months are started_at months in the reporting time zone.
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

activities as (

    select * from {{ ref('stg_landing__activities') }}
    where {{ in_audit_window('started_month') }}

),

final as (

    select
        rep_id,
        started_month as month,
        activity_type,
        cast(count(*) as bigint) as activity_count,
        cast(round(coalesce(sum(duration_hours), 0), 9) as double) as logged_hours
    from activities
    where rep_id is not null
        and activity_type is not null
        and started_month is not null
    group by rep_id, started_month, activity_type

)

select * from final
