{#-
    One row per account. raw.accounts already holds one row per account_id, because the
    quality gate quarantines superseded versions of a repeated key.
-#}
with

source_accounts as (

    select * from {{ source('landing', 'accounts') }}

),

cleaned as (

    select
        trim(account_id) as account_id,
        nullif(trim(account_name), '') as account_name,
        nullif(trim(industry), '') as industry,
        employees,
        cast(annual_revenue as decimal(18, 2)) as annual_revenue,
        nullif(trim(country), '') as country,
        nullif(trim(owner_rep_id), '') as owner_rep_id,
        updated_at
    from source_accounts

),

final as (

    select
        account_id,
        account_name,
        industry,
        employees,
        annual_revenue,
        country,
        owner_rep_id,
        updated_at
    from cleaned

)

select * from final
