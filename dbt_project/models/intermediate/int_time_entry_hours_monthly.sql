{#-
    One row per rep, audit month and activity type with self-reported (time entry) hours.
    An entry spanning several months is split by days: each month gets
    hours x (days of the entry in that month / days the entry covers). Months outside the
    audit range are not reported.
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

time_entries as (

    select * from {{ ref('stg_landing__time_entries') }}
    -- An entry that ends before it starts covers no day. A staging test reports it.
    where period_end >= period_start

),

audit_months as (

    select * from {{ ref('int_audit_months') }}

),

entry_months as (

    select
        time_entries.rep_id,
        audit_months.month,
        time_entries.activity_type,
        time_entries.hours,
        time_entries.days_covered,
        greatest(time_entries.period_start, audit_months.month) as first_day_in_month,
        least(time_entries.period_end, audit_months.month_end) as last_day_in_month
    from time_entries
    inner join audit_months
        on audit_months.month <= time_entries.period_end
        and audit_months.month_end >= time_entries.period_start

),

split_hours as (

    select
        rep_id,
        month,
        activity_type,
        hours
            * ({{ dbt.datediff('first_day_in_month', 'last_day_in_month', 'day') }} + 1)
            / days_covered as hours_in_month
    from entry_months

),

final as (

    select
        rep_id,
        month,
        activity_type,
        cast(round(sum(hours_in_month), 9) as double) as time_entry_hours,
        cast(count(*) as bigint) as time_entry_count
    from split_hours
    group by rep_id, month, activity_type

)

select * from final
