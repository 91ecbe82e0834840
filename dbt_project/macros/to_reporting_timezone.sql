{#-
    Convert a UTC timestamp without zone to local wall-clock time in the reporting time
    zone (var `reporting_timezone`), still without zone. Month boundaries are then plain
    date_trunc calls on the result.
-#}
{% macro to_reporting_timezone(column_name) -%}
    {{ return(adapter.dispatch('to_reporting_timezone', 'salesaudit')(column_name)) }}
{%- endmacro %}

{% macro default__to_reporting_timezone(column_name) -%}
    (({{ column_name }} at time zone 'UTC') at time zone '{{ var("reporting_timezone") }}')
{%- endmacro %}

{% macro duckdb__to_reporting_timezone(column_name) -%}
    timezone('{{ var("reporting_timezone") }}', timezone('UTC', {{ column_name }}))
{%- endmacro %}
