{#-
    One row per rep and audit month in which the rep was employed on at least one day.
    An empty hired_on means employed before any data; an empty left_on means still employed.
    Team, manager and region are the ones in effect at the end of the month (reps_history,
    in the reporting time zone), so a later reorganization leaves past months as they were.
    A rep's first recorded version counts as valid from the start, since nothing earlier
    is known.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        tags=['monthly'],
        pre_hook="{{ delete_audit_window('month') }}",
    )
}}
with

reps as (

    select * from {{ ref('stg_landing__reps') }}

),

audit_months as (

    select * from {{ ref('int_audit_months') }}

),

rep_versions as (

    select
        rep_id,
        team,
        manager_id,
        region,
        case
            when row_number() over (partition by rep_id order by dbt_valid_from) = 1 then null
            else {{ to_reporting_timezone('dbt_valid_from') }}
        end as valid_from,
        {{ to_reporting_timezone('dbt_valid_to') }} as valid_to
    from {{ ref('reps_history') }}

),

month_end_versions as (

    -- The version in effect at the end of each audit month: valid before the next month
    -- starts and not yet replaced by then.
    select
        rep_versions.rep_id,
        audit_months.month,
        rep_versions.team,
        rep_versions.manager_id,
        rep_versions.region
    from rep_versions
    inner join audit_months
        on (
            rep_versions.valid_from is null
            or rep_versions.valid_from
                < cast({{ dbt.dateadd('day', 1, 'audit_months.month_end') }} as timestamp)
        )
        and (
            rep_versions.valid_to is null
            or rep_versions.valid_to
                >= cast({{ dbt.dateadd('day', 1, 'audit_months.month_end') }} as timestamp)
        )

),

employed_months as (

    select
        reps.rep_id,
        audit_months.month,
        reps.rep_name,
        -- A rep missing from the history (never snapshotted) keeps the current values.
        coalesce(
            case when versions.rep_id is not null then versions.team else reps.team end,
            'unassigned'
        ) as team,
        case when versions.rep_id is not null then versions.manager_id else reps.manager_id end
            as manager_id,
        case when versions.rep_id is not null then versions.region else reps.region end
            as region,
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
    left join month_end_versions as versions
        on reps.rep_id = versions.rep_id
        and audit_months.month = versions.month

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
        cast(round({{ dbt.datediff('first_active_on', 'last_active_on', 'day') }} + 1, 9) as double)
            / days_in_month as active_share
    from employed_months

)

select * from final
