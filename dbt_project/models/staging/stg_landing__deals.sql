{#-
    One row per deal. raw.deals already holds one row per deal_id, because the quality gate
    quarantines superseded versions of a repeated key. close_month is the month of closed_at
    in the reporting time zone, or of close_date (never shifted) when the source has only a
    date.
-#}
with

source_deals as (

    select * from {{ source('landing', 'deals') }}

),

cleaned as (

    select
        trim(deal_id) as deal_id,
        nullif(trim(account_id), '') as account_id,
        nullif(trim(contact_id), '') as contact_id,
        nullif(trim(owner_rep_id), '') as owner_rep_id,
        lower(nullif(trim(stage), '')) as stage,
        coalesce(is_closed, false) as is_closed,
        coalesce(is_won, false) as is_won,
        cast(amount as decimal(18, 2)) as amount,
        upper(nullif(trim(currency), '')) as currency,
        created_at,
        closed_at,
        cast(close_date as date) as close_date,
        updated_at
    from source_deals

),

final as (

    select
        deal_id,
        account_id,
        contact_id,
        owner_rep_id,
        stage,
        is_closed,
        -- A deal flagged won but still open is a CRM inconsistency, so it is not a win yet.
        (is_closed and is_won) as is_won,
        amount,
        currency,
        created_at,
        closed_at,
        close_date,
        case
            when closed_at is not null
                then cast({{ dbt.date_trunc('month', to_reporting_timezone('closed_at')) }} as date)
            when close_date is not null
                then cast({{ dbt.date_trunc('month', 'close_date') }} as date)
        end as close_month,
        case
            when closed_at is not null
                then cast({{ to_reporting_timezone('closed_at') }} as date)
            else close_date
        end as closed_on,
        updated_at
    from cleaned

)

select * from final
