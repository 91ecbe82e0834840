{#-
    One row per self-reported time entry (rep, period, activity type, source). raw.time_entries
    holds one row per key, because the quality gate quarantines superseded versions of a
    repeated key. Periods are calendar dates, never shifted between time zones; days_covered
    counts both ends.
-#}
with

source_time_entries as (

    select * from {{ source('landing', 'time_entries') }}

),

cleaned as (

    select
        trim(rep_id) as rep_id,
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        lower(nullif(trim(activity_type), '')) as activity_type,
        cast(hours as double) as hours,
        lower(nullif(trim(source), '')) as source,
        updated_at,
        _source_file,
        _record_number
    from source_time_entries

),

ranked as (

    -- Staging lower-cases source, so raw keys that differ only in its case (Survey and
    -- survey) are one entry here. The latest updated_at wins, then the last row in file
    -- order, as in the loader.
    select
        cleaned.*,
        row_number() over (
            partition by rep_id, period_start, activity_type, source
            order by updated_at desc nulls last, _source_file desc, _record_number desc
        ) as version_rank
    from cleaned

),

final as (

    select
        rep_id,
        period_start,
        -- An entry without an end covers its start day only.
        coalesce(period_end, period_start) as period_end,
        activity_type,
        hours,
        source,
        cast(
            {{ dbt.datediff('period_start', 'coalesce(period_end, period_start)', 'day') }} + 1
            as integer
        ) as days_covered,
        updated_at
    from ranked
    where version_rank = 1

)

select * from final
