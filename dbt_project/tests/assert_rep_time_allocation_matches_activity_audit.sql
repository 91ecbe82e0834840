{#-
    Fails with one row per rep and month whose total_hours or reclaimable_hours in
    rep_time_allocation_monthly differ from the sum over fct_activity_audit by more than
    rounding (1e-6 hours), or whose quadrant hours do not add up to total_hours.
-#}
{{ config(meta={'dagster': {'ref': {'name': 'rep_time_allocation_monthly'}}}) }}
with

allocation as (

    select * from {{ ref('rep_time_allocation_monthly') }}

),

activity_audit as (

    select * from {{ ref('fct_activity_audit') }}

),

audit_totals as (

    select
        rep_id,
        month,
        sum(hours) as hours,
        sum(reclaimable_hours) as reclaimable_hours
    from activity_audit
    group by rep_id, month

),

compared as (

    select
        allocation.rep_id,
        allocation.month,
        allocation.total_hours,
        coalesce(audit_totals.hours, 0) as audit_hours,
        allocation.reclaimable_hours,
        coalesce(audit_totals.reclaimable_hours, 0) as audit_reclaimable_hours,
        allocation.prioritize_hours
            + allocation.automate_hours
            + allocation.delegate_hours
            + allocation.evaluate_hours as quadrant_hours
    from allocation
    left join audit_totals
        on allocation.rep_id = audit_totals.rep_id
        and allocation.month = audit_totals.month

),

mismatched as (

    select * from compared
    where abs(total_hours - audit_hours) > 1e-6
        or abs(reclaimable_hours - audit_reclaimable_hours) > 1e-6
        or abs(total_hours - quadrant_hours) > 1e-6

)

select * from mismatched
