{#-
    Fails with one row per duplicated key when two rows share the same values in
    `combination_of_columns`, a list of column names. Nulls compare as equal, so a key with
    a null part counts as a duplicate too; pair it with not_null tests on each column.

    Usage in a model YAML:
        data_tests:
          - unique_combination_of_columns:
              arguments:
                combination_of_columns: [rep_id, month]
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

{%- set key_columns = combination_of_columns | join(', ') %}

with

key_counts as (

    select
        {{ key_columns }},
        count(*) as row_count
    from {{ model }}
    group by {{ key_columns }}

),

duplicated_keys as (

    select * from key_counts
    where row_count > 1

)

select * from duplicated_keys

{% endtest %}
