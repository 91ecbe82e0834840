{#-
    One row per page view or form submission. raw.web_events already holds one row per
    event_id, because the quality gate quarantines superseded versions of a repeated key.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        tags=['monthly'],
        pre_hook="{{ delete_audit_window('occurred_month') }}",
    )
}}
with

source_web_events as (

    select * from {{ source('landing', 'web_events') }}

),

cleaned as (

    select
        trim(event_id) as event_id,
        nullif(trim(visitor_id), '') as visitor_id,
        nullif(trim(contact_id), '') as contact_id,
        lower(nullif(trim(email), '')) as email,
        lower(nullif(trim(event_type), '')) as event_type,
        nullif(trim(page_url), '') as page_url,
        occurred_at,
        updated_at
    from source_web_events

),

final as (

    select
        event_id,
        visitor_id,
        contact_id,
        email,
        {{ hash_email('email') }} as email_hash,
        event_type,
        page_url,
        occurred_at,
        cast({{ dbt.date_trunc('month', to_reporting_timezone('occurred_at')) }} as date)
            as occurred_month,
        updated_at
    from cleaned

)

select * from final
where {{ in_audit_window('occurred_month') }}
