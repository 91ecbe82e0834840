{#-
    Warns with one row per pair of time entries of the same rep and activity type whose
    periods share at least one day. int_time_entry_hours_monthly adds overlapping entries
    up, which double counts when two sources report the same days.
-#}
{{ config(severity='warn') }}

with

time_entries as (

    select * from {{ ref('stg_landing__time_entries') }}

),

overlapping_pairs as (

    select
        first_entry.rep_id,
        first_entry.activity_type,
        first_entry.period_start as first_period_start,
        first_entry.period_end as first_period_end,
        first_entry.source as first_source,
        second_entry.period_start as second_period_start,
        second_entry.period_end as second_period_end,
        second_entry.source as second_source
    from time_entries as first_entry
    inner join time_entries as second_entry
        on first_entry.rep_id = second_entry.rep_id
        and first_entry.activity_type = second_entry.activity_type
        and first_entry.period_start <= second_entry.period_end
        and second_entry.period_start <= first_entry.period_end
        -- List each pair once and never pair an entry with itself.
        and (
            first_entry.period_start < second_entry.period_start
            or (
                first_entry.period_start = second_entry.period_start
                and first_entry.source < second_entry.source
            )
        )

)

select * from overlapping_pairs
