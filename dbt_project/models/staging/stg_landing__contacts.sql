{#-
    One row per lead or contact. raw.contacts already holds one row per contact_id, because
    the quality gate quarantines superseded versions of a repeated key. email stays here
    for joins inside the warehouse; marts use email_hash instead.
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
        updated_at
    from source_contacts

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
    from cleaned

)

select * from final
