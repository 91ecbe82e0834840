{#-
    One row per marketing campaign. raw.campaigns already holds one row per campaign_id,
    because the quality gate quarantines superseded versions of a repeated key.
-#}
with

source_campaigns as (

    select * from {{ source('landing', 'campaigns') }}

),

cleaned as (

    select
        trim(campaign_id) as campaign_id,
        nullif(trim(campaign_name), '') as campaign_name,
        lower(nullif(trim(channel), '')) as channel,
        cast(cost as decimal(18, 2)) as cost,
        upper(nullif(trim(currency), '')) as currency,
        cast(started_on as date) as started_on,
        cast(ended_on as date) as ended_on,
        updated_at
    from source_campaigns

),

final as (

    select
        campaign_id,
        campaign_name,
        channel,
        cost,
        currency,
        started_on,
        ended_on,
        updated_at
    from cleaned

)

select * from final
