{#-
    One row per rep and audit month in which the rep was employed on at least one day.
    An empty hired_on means employed before any data; an empty left_on means still employed.
-#}
with

reps as (

    select * from {{ ref('stg_landing__reps') }}

),

audit_months as (

    select * from {{ ref('int_audit_months') }}

),

employed_months as (

    select
        reps.rep_id,
        audit_months.month,
        reps.rep_name,
        coalesce(reps.team, 'unassigned') as team,
        reps.manager_id,
        reps.region,
        audit_months.days_in_month,
        -- First and last employed day inside the month, inclusive.
        case
            when reps.hired_on is not null and reps.hired_on > audit_months.month
                then reps.hired_on
            else audit_months.month
        end as first_active_on,
        case
            when reps.left_on is not null and reps.left_on < audit_months.month_end
                then reps.left_on
            else audit_months.month_end
        end as last_active_on
    from reps
    inner join audit_months
        on (reps.hired_on is null or reps.hired_on <= audit_months.month_end)
        and (reps.left_on is null or reps.left_on >= audit_months.month)

),

final as (

    select
        rep_id,
        month,
        rep_name,
        team,
        manager_id,
        region,
        cast({{ dbt.datediff('first_active_on', 'last_active_on', 'day') }} + 1 as integer)
            as days_active,
        days_in_month,
        cast({{ dbt.datediff('first_active_on', 'last_active_on', 'day') }} + 1 as double)
            / days_in_month as active_share
    from employed_months

)

select * from final
