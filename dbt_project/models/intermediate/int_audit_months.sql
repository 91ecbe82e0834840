{#-
    One row per calendar month of the audit window, in the reporting time zone: months m
    with audit_period_start <= m < audit_period_end (vars, 'YYYY-MM-01', see
    macros/audit_window.sql). An empty var derives that end from the data: the first month,
    or the month after the last, with activities (started_at), closed deals (close month),
    quotas or time entries. Without such data and vars the window is empty, and so is every
    mart built on it.
-#}
{{ config(tags=['monthly']) }}
{%- set audit_period_start = audit_period_start() -%}
{%- set audit_period_end = audit_period_end() -%}

with recursive

source_activities as (

    select started_at from {{ source('landing', 'activities') }}

),

source_time_entries as (

    select period_start, period_end from {{ source('landing', 'time_entries') }}

),

deals as (

    select close_month from {{ ref('stg_landing__deals') }}
    where is_closed

),

quotas as (

    select month from {{ ref('stg_landing__quotas') }}

),

data_months as (

    select cast({{ dbt.date_trunc('month', to_reporting_timezone('started_at')) }} as date) as month
    from source_activities
    union all
    select close_month as month from deals
    union all
    select month from quotas
    union all
    select cast({{ dbt.date_trunc('month', 'period_start') }} as date) as month
    from source_time_entries
    union all
    select cast({{ dbt.date_trunc('month', 'period_end') }} as date) as month
    from source_time_entries

),

data_bounds as (

    -- Always exactly one row, with nulls when there is no data.
    select
        min(month) as first_data_month,
        max(month) as last_data_month
    from data_months

),

bounds as (

    select
        {% if audit_period_start -%}
        cast({{ dbt.date_trunc('month', "cast('" ~ audit_period_start ~ "' as date)") }} as date)
        {%- else -%}
        first_data_month
        {%- endif %} as first_month,
        {% if audit_period_end -%}
        cast({{ dbt.dateadd('month', -1, dbt.date_trunc('month', "cast('" ~ audit_period_end ~ "' as date)")) }} as date)
        {%- else -%}
        last_data_month
        {%- endif %} as last_month
    from data_bounds

),

month_series (month, last_month) as (

    select first_month, last_month
    from bounds
    where first_month is not null
        and last_month is not null
        and first_month <= last_month
    union all
    select
        cast({{ dbt.dateadd('month', 1, 'month') }} as date),
        last_month
    from month_series
    where month < last_month

),

final as (

    select
        month,
        cast({{ dbt.last_day('month', 'month') }} as date) as month_end,
        cast({{ dbt.datediff('month', dbt.last_day('month', 'month'), 'day') }} + 1 as integer)
            as days_in_month
    from month_series

)

select * from final
