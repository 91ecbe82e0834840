{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'int_deals_closed'}}}) }}
{#-
    Warns with each deal closed in the audit range whose owner has no rep-month row for the
    close month: an owner missing from reps, or one not employed that month. The rep-level
    marts and their team and 'all' totals leave such deals out.
-#}
with

deals_closed as (

    select * from {{ ref('int_deals_closed') }}

),

rep_months as (

    select * from {{ ref('int_rep_months') }}

),

final as (

    select
        deals_closed.deal_id,
        deals_closed.rep_id,
        deals_closed.month,
        deals_closed.is_won
    from deals_closed
    left join rep_months
        on deals_closed.rep_id = rep_months.rep_id
        and deals_closed.month = rep_months.month
    where rep_months.rep_id is null

)

select * from final
