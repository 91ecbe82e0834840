{#-
    One row per rep, month and activity type that has logged activities or time entries.
    hours applies the hours rule: where a time entry covers the rep, month and type, its
    hours replace the logged hours (the two are never added); otherwise the logged hours.
    hours_source names the source used.
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

activity_log as (

    select * from {{ ref('int_activity_log_monthly') }}
    where {{ in_audit_window('month') }}

),

time_entry_hours as (

    select * from {{ ref('int_time_entry_hours_monthly') }}
    where {{ in_audit_window('month') }}

),

combined as (

    select
        coalesce(time_entry_hours.rep_id, activity_log.rep_id) as rep_id,
        coalesce(time_entry_hours.month, activity_log.month) as month,
        coalesce(time_entry_hours.activity_type, activity_log.activity_type) as activity_type,
        coalesce(activity_log.activity_count, 0) as activity_count,
        coalesce(activity_log.logged_hours, 0) as logged_hours,
        time_entry_hours.time_entry_hours,
        time_entry_hours.rep_id is not null as has_time_entry
    from activity_log
    full outer join time_entry_hours
        on activity_log.rep_id = time_entry_hours.rep_id
        and activity_log.month = time_entry_hours.month
        and activity_log.activity_type = time_entry_hours.activity_type

),

final as (

    select
        rep_id,
        month,
        activity_type,
        cast(activity_count as bigint) as activity_count,
        cast(round(logged_hours, 9) as double) as logged_hours,
        cast(round(time_entry_hours, 9) as double) as time_entry_hours,
        -- NOTE: a time entry covering only part of the month still replaces all logged
        -- hours of that month and type, as the hours rule is per rep, month and type.
        cast(round(case when has_time_entry then time_entry_hours else logged_hours end, 9) as double)
            as hours,
        case when has_time_entry then 'time_entry' else 'activity_log' end as hours_source
    from combined

)

select * from final
