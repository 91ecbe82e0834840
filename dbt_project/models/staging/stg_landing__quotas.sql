{#-
    One row per rep and month. raw.quotas holds one row per rep_id and month, because the
    quality gate quarantines superseded versions of a repeated key. Staging truncates month
    to the first day, so two raw rows dated in the same month still collide here.
-#}
with

source_quotas as (

    select * from {{ source('landing', 'quotas') }}

),

cleaned as (

    select
        trim(rep_id) as rep_id,
        -- A quota month given as any day of the month counts for that whole month.
        cast({{ dbt.date_trunc('month', 'month') }} as date) as month,
        cast(quota_amount as decimal(18, 2)) as quota_amount,
        upper(nullif(trim(currency), '')) as currency,
        updated_at,
        _source_file,
        _record_number
    from source_quotas

),

ranked as (

    -- Raw rows dated on different days of one month (2025-01-01 and 2025-01-15) have
    -- distinct raw keys but are one quota month here. The latest updated_at wins, then the
    -- last row in file order, as in the loader.
    select
        cleaned.*,
        row_number() over (
            partition by rep_id, month
            order by updated_at desc nulls last, _source_file desc, _record_number desc
        ) as version_rank
    from cleaned

),

final as (

    select
        rep_id,
        month,
        quota_amount,
        currency,
        updated_at
    from ranked
    where version_rank = 1

)

select * from final
