{#-
    Warns with one row per rep, audit month and activity type whose hours or activities
    fall outside the rep's employment (no int_rep_months row: unknown rep, before
    hired_on or after left_on). fct_activity_audit leaves them out, so this test makes the
    gap visible instead of dropping it silently.
-#}
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'int_rep_activity_hours_monthly'}}}) }}

with

rep_activity_hours as (

    select * from {{ ref('int_rep_activity_hours_monthly') }}

),

audit_months as (

    select * from {{ ref('int_audit_months') }}

),

rep_months as (

    select * from {{ ref('int_rep_months') }}

),

outside_employment as (

    select
        rep_activity_hours.rep_id,
        rep_activity_hours.month,
        rep_activity_hours.activity_type,
        rep_activity_hours.activity_count,
        rep_activity_hours.hours
    from rep_activity_hours
    inner join audit_months
        on rep_activity_hours.month = audit_months.month
    left join rep_months
        on rep_activity_hours.rep_id = rep_months.rep_id
        and rep_activity_hours.month = rep_months.month
    where rep_months.rep_id is null
        and (rep_activity_hours.hours > 0 or rep_activity_hours.activity_count > 0)

)

select * from outside_employment
