{#-
    One row per logged activity. raw.activities already holds one row per activity_id,
    because the quality gate quarantines superseded versions of a repeated key.
    started_month is the month of started_at in the reporting time zone.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        tags=['monthly'],
        pre_hook="{{ delete_audit_window('started_month') }}",
    )
}}
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
        updated_at
    from source_activities

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
    from cleaned

)

select * from final
where {{ in_audit_window('started_month') }}
