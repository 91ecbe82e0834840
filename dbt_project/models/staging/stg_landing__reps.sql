{#- One row per rep: the latest version of each rep_id in raw.reps. -#}
with

source_reps as (

    select * from {{ source('landing', 'reps') }}

),

cleaned as (

    select
        trim(rep_id) as rep_id,
        nullif(trim(rep_name), '') as rep_name,
        lower(nullif(trim(email), '')) as email,
        nullif(trim(team), '') as team,
        nullif(trim(manager_id), '') as manager_id,
        nullif(trim(region), '') as region,
        cast(hired_on as date) as hired_on,
        cast(left_on as date) as left_on,
        updated_at,
        _source_file,
        _record_number
    from source_reps
    where nullif(trim(rep_id), '') is not null

),

ranked as (

    -- A re-export may repeat a rep. The latest updated_at wins, then the last row in file order.
    select
        cleaned.*,
        row_number() over (
            partition by rep_id
            order by updated_at desc nulls last, _source_file desc, _record_number desc
        ) as version_rank
    from cleaned

),

final as (

    select
        rep_id,
        coalesce(rep_name, rep_id) as rep_name,
        email,
        team,
        manager_id,
        region,
        hired_on,
        left_on,
        updated_at
    from ranked
    where version_rank = 1

)

select * from final
