{#-
    Fiscal quarter of a month (a date on the first of a month): the quarter's first month.
    var('fiscal_year_start_month') (1-12) is the calendar month a fiscal year begins in.
-#}
{% macro fiscal_quarter_start(month_column) -%}
    {%- set start = var('fiscal_year_start_month', 1) | int -%}
    cast({{ dbt.dateadd(
        'month',
        '-((cast(extract(month from ' ~ month_column ~ ') as integer) - ' ~ start ~ ' + 12) % 3)',
        month_column
    ) }} as date)
{%- endmacro %}
