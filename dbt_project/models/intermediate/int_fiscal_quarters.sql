{#-
    One row per calendar month from var calendar_first_month to var calendar_last_month
    ('YYYY-MM-01') with its fiscal quarter: a calendar every run shares, whatever months it
    audits. var('fiscal_year_start_month') (1-12)
    is the calendar month a fiscal year begins in. A fiscal year is named by the calendar
    year it ends in: with April as the start, April 2024 to March 2025 is FY2025, so May
    2024 is FY2025-Q1 and January 2025 is FY2025-Q4. With January as the start, the fiscal
    year is the calendar year.
-#}
{%- set fiscal_year_start_month = var('fiscal_year_start_month', 1) | int -%}
{%- if fiscal_year_start_month < 1 or fiscal_year_start_month > 12 -%}
    {{ exceptions.raise_compiler_error(
        "Invalid var fiscal_year_start_month=" ~ var('fiscal_year_start_month', 1)
        ~ ": expected the number of the calendar month a fiscal year starts in, 1 to 12."
    ) }}
{%- endif -%}
{#- A fiscal year starting in any month but January ends in the next calendar year. -#}
{%- set end_year_offset = 0 if fiscal_year_start_month == 1 else 1 %}

{%- set calendar_first_month = var('calendar_first_month', '2000-01-01') | string | trim -%}
{%- set calendar_last_month = var('calendar_last_month', '2099-12-01') | string | trim %}

with recursive

calendar_months (month) as (

    select cast('{{ calendar_first_month }}' as date)
    union all
    select cast({{ dbt.dateadd('month', 1, 'month') }} as date)
    from calendar_months
    where month < cast('{{ calendar_last_month }}' as date)

),

calendar_parts as (

    select
        month,
        cast(extract(year from month) as integer) as calendar_year,
        cast(extract(month from month) as integer) as calendar_month
    from calendar_months

),

fiscal_positions as (

    select
        month,
        calendar_year,
        calendar_month,
        -- Months since the fiscal year began: 0 for its first month, 11 for its last.
        (calendar_month - {{ fiscal_year_start_month }} + 12) % 12 as fiscal_month_index
    from calendar_parts

),

quarters as (

    select
        month,
        calendar_year
            - case when calendar_month < {{ fiscal_year_start_month }} then 1 else 0 end
            + {{ end_year_offset }} as fiscal_year,
        cast(floor(fiscal_month_index / 3) as integer) + 1 as fiscal_quarter_number,
        cast(
            {{ dbt.dateadd('month', '-(fiscal_month_index % 3)', 'month') }} as date
        ) as quarter_start
    from fiscal_positions

),

final as (

    select
        cast(month as date) as month,
        cast(fiscal_year as integer) as fiscal_year,
        cast(fiscal_quarter_number as integer) as fiscal_quarter_number,
        cast(quarter_start as date) as quarter_start,
        cast(
            {{ dbt.last_day(dbt.dateadd('month', 2, 'quarter_start'), 'month') }} as date
        ) as quarter_end,
        cast(
            'FY' || cast(fiscal_year as varchar) || '-Q' || cast(fiscal_quarter_number as varchar)
            as varchar
        ) as quarter_label
    from quarters

)

select * from final
