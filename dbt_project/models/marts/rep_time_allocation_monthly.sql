{#-
    One row per rep and month in which the rep was employed (int_rep_months): hours by
    selling status and quadrant, from fct_activity_audit. A rep-month without hours has
    zeros and a null selling_time_pct.
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

rep_months as (

    select * from {{ ref('int_rep_months') }}
    where {{ in_audit_window('month') }}

),

activity_audit as (

    select * from {{ ref('fct_activity_audit') }}
    where {{ in_audit_window('month') }}

),

rep_hours as (

    select
        rep_id,
        month,
        sum(hours) as total_hours,
        sum(case when is_selling then hours else 0 end) as selling_hours,
        sum(case when quadrant = 'prioritize' then hours else 0 end) as prioritize_hours,
        sum(case when quadrant = 'automate' then hours else 0 end) as automate_hours,
        sum(case when quadrant = 'delegate' then hours else 0 end) as delegate_hours,
        sum(case when quadrant = 'evaluate' then hours else 0 end) as evaluate_hours,
        sum(reclaimable_hours) as reclaimable_hours,
        sum(
            case when hours > 0 and hours_source = 'time_entry' then 1 else 0 end
        ) as time_entry_type_count,
        sum(
            case when hours > 0 and hours_source = 'activity_log' then 1 else 0 end
        ) as activity_log_type_count
    from activity_audit
    group by rep_id, month

),

joined as (

    select
        rep_months.rep_id,
        rep_months.month,
        rep_months.team,
        coalesce(rep_hours.total_hours, 0) as total_hours,
        coalesce(rep_hours.selling_hours, 0) as selling_hours,
        coalesce(rep_hours.prioritize_hours, 0) as prioritize_hours,
        coalesce(rep_hours.automate_hours, 0) as automate_hours,
        coalesce(rep_hours.delegate_hours, 0) as delegate_hours,
        coalesce(rep_hours.evaluate_hours, 0) as evaluate_hours,
        coalesce(rep_hours.reclaimable_hours, 0) as reclaimable_hours,
        coalesce(rep_hours.time_entry_type_count, 0) as time_entry_type_count,
        coalesce(rep_hours.activity_log_type_count, 0) as activity_log_type_count
    from rep_months
    left join rep_hours
        on rep_months.rep_id = rep_hours.rep_id
        and rep_months.month = rep_hours.month

),

final as (

    select
        cast(rep_id as varchar) as rep_id,
        cast(month as date) as month,
        cast(team as varchar) as team,
        cast(round(total_hours, 9) as double) as total_hours,
        cast(round(selling_hours, 9) as double) as selling_hours,
        cast(round(selling_hours / nullif(total_hours, 0), 9) as double) as selling_time_pct,
        cast(round(prioritize_hours, 9) as double) as prioritize_hours,
        cast(round(automate_hours, 9) as double) as automate_hours,
        cast(round(delegate_hours, 9) as double) as delegate_hours,
        cast(round(evaluate_hours, 9) as double) as evaluate_hours,
        cast(round(reclaimable_hours, 9) as double) as reclaimable_hours,
        -- The sources of the rep-month's hours, over the activity types with hours > 0.
        cast(
            case
                when time_entry_type_count > 0 and activity_log_type_count > 0 then 'mixed'
                when time_entry_type_count > 0 then 'time_entry'
                when activity_log_type_count > 0 then 'activity_log'
                else 'none'
            end as varchar
        ) as hours_source
    from joined

)

select * from final
