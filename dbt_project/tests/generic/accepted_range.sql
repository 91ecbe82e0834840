{#-
    Fails with one row per value of `column_name` outside [min_value, max_value]. Either
    bound may be omitted; nulls pass, so pair it with not_null where a value is required.

    Usage in a model YAML:
        data_tests:
          - accepted_range:
              arguments:
                min_value: 0
                max_value: 1
-#}
{% test accepted_range(model, column_name, min_value=none, max_value=none) %}

with

out_of_range as (

    select {{ column_name }} as out_of_range_value
    from {{ model }}
    where {{ column_name }} is not null
        and (
            false
            {%- if min_value is not none %}
            or {{ column_name }} < {{ min_value }}
            {%- endif %}
            {%- if max_value is not none %}
            or {{ column_name }} > {{ max_value }}
            {%- endif %}
        )

)

select * from out_of_range

{% endtest %}
