{#-
    One row per deal and stage entry: the latest version of each (deal_id, stage,
    entered_at) in raw.deal_stage_history. entered_month is the month of entered_at in the
    reporting time zone.
-#}
with

source_deal_stage_history as (

    select * from {{ source('landing', 'deal_stage_history') }}

),

cleaned as (

    select
        trim(deal_id) as deal_id,
        lower(nullif(trim(stage), '')) as stage,
        entered_at,
        updated_at,
        _source_file,
        _record_number
    from source_deal_stage_history
    where nullif(trim(deal_id), '') is not null
        and nullif(trim(stage), '') is not null
        and entered_at is not null

),

ranked as (

    -- A re-export may repeat a stage entry: the latest updated_at wins, then the last row in
    -- file order.
    select
        cleaned.*,
        row_number() over (
            partition by deal_id, stage, entered_at
            order by updated_at desc nulls last, _source_file desc, _record_number desc
        ) as version_rank
    from cleaned

),

final as (

    select
        deal_id,
        stage,
        entered_at,
        cast({{ dbt.date_trunc('month', to_reporting_timezone('entered_at')) }} as date)
            as entered_month,
        updated_at
    from ranked
    where version_rank = 1

)

select * from final
