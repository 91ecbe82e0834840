{{ config(severity='warn') }}
{#-
    Warns with each closed deal that has neither closed_at nor close_date. Such a deal has no
    close month, so no win rate or amount counts it until the source fills the date.
-#}
with

deals as (

    select * from {{ ref('stg_landing__deals') }}

),

final as (

    select
        deal_id,
        owner_rep_id,
        stage,
        is_won
    from deals
    where is_closed
        and close_month is null

)

select * from final
