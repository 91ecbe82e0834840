{#- One row per page view or form submission: the latest version of each event_id in raw.web_events. -#}
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
        updated_at,
        _source_file,
        _record_number
    from source_web_events
    where nullif(trim(event_id), '') is not null

),

ranked as (

    -- A re-export may repeat an event: the latest updated_at wins, then the last row in
    -- file order.
    select
        cleaned.*,
        row_number() over (
            partition by event_id
            order by updated_at desc nulls last, _source_file desc, _record_number desc
        ) as version_rank
    from cleaned

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
    from ranked
    where version_rank = 1

)

select * from final
