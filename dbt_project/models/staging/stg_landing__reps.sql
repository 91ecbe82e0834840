{#-
    One row per rep. raw.reps already holds one row per rep_id, because the quality gate
    quarantines superseded versions of a repeated key.
-#}
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
        updated_at
    from source_reps

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
        updated_at,
        -- When a change of team, manager or region takes effect in reps_history.
        coalesce(updated_at, cast(current_timestamp as timestamp)) as changed_at
    from cleaned

)

select * from final
