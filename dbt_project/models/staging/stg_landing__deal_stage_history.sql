{#-
    One row per deal and stage entry (deal_id, stage, entered_at). raw.deal_stage_history
    holds one row per key, because the quality gate quarantines superseded versions of a
    repeated key. entered_month is the month of entered_at in the reporting time zone.
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

),

ranked as (

    -- Staging lower-cases stage, so raw keys that differ only in its case (Proposal and
    -- proposal at the same entered_at) are one entry here. The latest updated_at wins,
    -- then the last row in file order, as in the loader.
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
