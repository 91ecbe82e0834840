{#-
    The audit window of a run: months m with audit_period_start <= m < audit_period_end
    (vars, 'YYYY-MM-01' in the reporting time zone). Half-open bounds put a row at exactly
    00:00 on the first day of the next month into the next month. Dagster passes the window
    of the partition or partition range it runs in the environment variables
    SALESAUDIT_AUDIT_PERIOD_START and _END, not as vars: changed vars make dbt parse the
    whole project again, and the window changes with every run. A var, when given, wins.
    No var and no variable (dbt run by hand) mean every month in the data.

    Month-partitioned models are incremental: their pre-hook deletes the window's months
    and their select yields only the window's months, so a run replaces exactly those
    months, in one transaction, and leaves every other month untouched.
-#}

{% macro audit_period_start() -%}
    {{ return(
        ((var('audit_period_start', '') or env_var('SALESAUDIT_AUDIT_PERIOD_START', '')) or '')
        | string | trim
    ) }}
{%- endmacro %}

{% macro audit_period_end() -%}
    {{ return(
        ((var('audit_period_end', '') or env_var('SALESAUDIT_AUDIT_PERIOD_END', '')) or '')
        | string | trim
    ) }}
{%- endmacro %}

{#- A predicate that keeps the rows whose month column lies in the window. -#}
{% macro in_audit_window(month_column) -%}
    {%- set start = audit_period_start() -%}
    {%- set end = audit_period_end() -%}
    {%- if start and end -%}
        ({{ month_column }} >= cast('{{ start }}' as date)
            and {{ month_column }} < cast('{{ end }}' as date))
    {%- elif start -%}
        ({{ month_column }} >= cast('{{ start }}' as date))
    {%- elif end -%}
        ({{ month_column }} < cast('{{ end }}' as date))
    {%- else -%}
        (true)
    {%- endif -%}
{%- endmacro %}

{#- The pre-hook of a month-partitioned model: on an incremental run, delete the window. -#}
{% macro delete_audit_window(month_column) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ in_audit_window(month_column) }}
    {%- endif -%}
{%- endmacro %}

{#-
    `select * from relation`, or, while the relation has not been built yet (a warehouse
    whose first quarter has not been audited), `empty_select`: a query with the same
    columns and no rows. Unit tests always read their fixture.
-#}
{% macro select_built_or_empty(relation, empty_select) -%}
    {%- if execute and model.resource_type != 'unit_test' and load_relation(relation) is none -%}
        {{ empty_select }}
    {%- else -%}
        select * from {{ relation }}
    {%- endif -%}
{%- endmacro %}
