{#- One row per account: the latest version of each account_id in raw.accounts. -#}
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
        updated_at,
        _source_file,
        _record_number
    from source_accounts
    where nullif(trim(account_id), '') is not null

),

ranked as (

    -- A re-export may repeat an account. The latest updated_at wins, then the last row in
    -- file order.
    select
        cleaned.*,
        row_number() over (
            partition by account_id
            order by updated_at desc nulls last, _source_file desc, _record_number desc
        ) as version_rank
    from cleaned

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
    from ranked
    where version_rank = 1

)

select * from final
