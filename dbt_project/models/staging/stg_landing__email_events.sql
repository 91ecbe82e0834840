{#-
    One row per email event. raw.email_events already holds one row per event_id, because
    the quality gate quarantines superseded versions of a repeated event. Events are
    sequenced by occurred_at, when they happened, not by received_at, when they arrived.
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

source_email_events as (

    select * from {{ source('landing', 'email_events') }}

),

cleaned as (

    select
        trim(event_id) as event_id,
        nullif(trim(message_id), '') as message_id,
        nullif(trim(campaign_id), '') as campaign_id,
        nullif(trim(contact_id), '') as contact_id,
        lower(nullif(trim(email), '')) as email,
        lower(nullif(trim(event_type), '')) as event_type,
        occurred_at,
        received_at,
        nullif(trim(url), '') as url,
        nullif(trim(user_agent), '') as user_agent,
        is_machine_open,
        updated_at
    from source_email_events

),

sequenced as (

    select
        cleaned.*,
        case
            when message_id is not null
                then row_number() over (
                    partition by message_id
                    order by occurred_at, event_id
                )
        end as event_number_in_message
    from cleaned

),

final as (

    select
        event_id,
        message_id,
        campaign_id,
        contact_id,
        email,
        {{ hash_email('email') }} as email_hash,
        event_type,
        occurred_at,
        cast({{ dbt.date_trunc('month', to_reporting_timezone('occurred_at')) }} as date)
            as occurred_month,
        received_at,
        event_number_in_message,
        url,
        user_agent,
        -- Only the sender can tell a proxy or scanner open apart, so unflagged opens count
        -- as human.
        coalesce(is_machine_open, false) as is_machine_open,
        updated_at
    from sequenced

)

select * from final
where {{ in_audit_window('occurred_month') }}
