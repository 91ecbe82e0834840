{#- One row per form fill: the latest version of each submission_id in raw.form_submissions. -#}
with

source_form_submissions as (

    select * from {{ source('landing', 'form_submissions') }}

),

cleaned as (

    select
        trim(submission_id) as submission_id,
        lower(nullif(trim(email), '')) as email,
        nullif(trim(contact_id), '') as contact_id,
        nullif(trim(form_id), '') as form_id,
        submitted_at,
        nullif(trim(field_values), '') as field_values,
        updated_at,
        _source_file,
        _record_number
    from source_form_submissions
    where nullif(trim(submission_id), '') is not null

),

ranked as (

    -- A re-export may repeat a submission: the latest updated_at wins, then the last row in
    -- file order.
    select
        cleaned.*,
        row_number() over (
            partition by submission_id
            order by updated_at desc nulls last, _source_file desc, _record_number desc
        ) as version_rank
    from cleaned

),

final as (

    select
        submission_id,
        email,
        {{ hash_email('email') }} as email_hash,
        contact_id,
        form_id,
        submitted_at,
        cast({{ dbt.date_trunc('month', to_reporting_timezone('submitted_at')) }} as date)
            as submitted_month,
        field_values,
        updated_at
    from ranked
    where version_rank = 1

)

select * from final
