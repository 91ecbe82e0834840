{#-
    One row per logged activity: the latest version of each activity_id in raw.activities.
    started_month is the month of started_at in the reporting time zone.
-#}
with

source_activities as (

    select * from {{ source('landing', 'activities') }}

),

cleaned as (

    select
        trim(activity_id) as activity_id,
        nullif(trim(rep_id), '') as rep_id,
        lower(nullif(trim(activity_type), '')) as activity_type,
        started_at,
        cast(duration_minutes as decimal(18, 2)) as duration_minutes,
        nullif(trim(contact_id), '') as contact_id,
        nullif(trim(deal_id), '') as deal_id,
        nullif(trim(source_system), '') as source_system,
        updated_at,
        _source_file,
        _record_number
    from source_activities
    where nullif(trim(activity_id), '') is not null

),

ranked as (

    -- A re-export may repeat an activity: the latest updated_at wins, then the last row in
    -- file order.
    select
        cleaned.*,
        row_number() over (
            partition by activity_id
            order by updated_at desc nulls last, _source_file desc, _record_number desc
        ) as version_rank
    from cleaned

),

final as (

    select
        activity_id,
        rep_id,
        activity_type,
        started_at,
        cast({{ to_reporting_timezone('started_at') }} as date) as started_on,
        cast({{ dbt.date_trunc('month', to_reporting_timezone('started_at')) }} as date)
            as started_month,
        duration_minutes,
        cast(duration_minutes as double) / 60 as duration_hours,
        contact_id,
        deal_id,
        source_system,
        updated_at
    from ranked
    where version_rank = 1

)

select * from final
