{#- One row per marketing campaign: the latest version of each campaign_id in raw.campaigns. -#}
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
        updated_at,
        _source_file,
        _record_number
    from source_campaigns
    where nullif(trim(campaign_id), '') is not null

),

ranked as (

    -- A re-export may repeat a campaign: the latest updated_at wins, then the last row in
    -- file order.
    select
        cleaned.*,
        row_number() over (
            partition by campaign_id
            order by updated_at desc nulls last, _source_file desc, _record_number desc
        ) as version_rank
    from cleaned

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
    from ranked
    where version_rank = 1

)

select * from final
