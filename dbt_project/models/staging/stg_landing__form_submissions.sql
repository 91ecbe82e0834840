{#-
    One row per form fill. raw.form_submissions already holds one row per submission_id,
    because the quality gate quarantines superseded versions of a repeated key.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        tags=['monthly'],
        pre_hook="{{ delete_audit_window('submitted_month') }}",
    )
}}
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
        updated_at
    from source_form_submissions

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
    from cleaned

)

select * from final
where {{ in_audit_window('submitted_month') }}
