{#- Fails with each rep-month that is in int_rep_months but not in kpi_performance_monthly, or the reverse. -#}
{{ config(meta={'dagster': {'ref': {'name': 'kpi_performance_monthly'}}}) }}
with

rep_months as (

    select rep_id, month from {{ ref('int_rep_months') }}

),

performance as (

    select rep_id, month from {{ ref('kpi_performance_monthly') }}

),

missing_from_mart as (

    select rep_months.rep_id, rep_months.month, 'missing from kpi_performance_monthly' as problem
    from rep_months
    left join performance
        on rep_months.rep_id = performance.rep_id
        and rep_months.month = performance.month
    where performance.rep_id is null

),

not_employed as (

    select performance.rep_id, performance.month, 'rep not employed that month' as problem
    from performance
    left join rep_months
        on performance.rep_id = rep_months.rep_id
        and performance.month = rep_months.month
    where rep_months.rep_id is null

),

final as (

    select * from missing_from_mart
    union all
    select * from not_employed

)

select * from final
