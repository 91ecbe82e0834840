{#-
    One row per lead or contact: the latest version of each contact_id in raw.contacts.
    email stays here for joins inside the warehouse; marts use email_hash instead.
-#}
with

source_contacts as (

    select * from {{ source('landing', 'contacts') }}

),

cleaned as (

    select
        trim(contact_id) as contact_id,
        lower(nullif(trim(email), '')) as email,
        nullif(trim(first_name), '') as first_name,
        nullif(trim(last_name), '') as last_name,
        nullif(trim(account_id), '') as account_id,
        nullif(trim(owner_rep_id), '') as owner_rep_id,
        lower(nullif(trim(lifecycle_stage), '')) as lifecycle_stage,
        nullif(trim(lead_source), '') as lead_source,
        created_at,
        subscribed_at,
        unsubscribed_at,
        cast(budget as decimal(18, 2)) as budget,
        nullif(trim(company_size), '') as company_size,
        nullif(trim(job_title), '') as job_title,
        nullif(trim(industry), '') as industry,
        updated_at,
        _source_file,
        _record_number
    from source_contacts
    where nullif(trim(contact_id), '') is not null

),

ranked as (

    -- A re-export may repeat a contact: the latest updated_at wins, then the last row in
    -- file order.
    select
        cleaned.*,
        row_number() over (
            partition by contact_id
            order by updated_at desc nulls last, _source_file desc, _record_number desc
        ) as version_rank
    from cleaned

),

final as (

    select
        contact_id,
        email,
        {{ hash_email('email') }} as email_hash,
        first_name,
        last_name,
        account_id,
        owner_rep_id,
        lifecycle_stage,
        lead_source,
        created_at,
        cast({{ dbt.date_trunc('month', to_reporting_timezone('created_at')) }} as date)
            as created_month,
        subscribed_at,
        unsubscribed_at,
        budget,
        company_size,
        job_title,
        industry,
        updated_at
    from ranked
    where version_rank = 1

)

select * from final
