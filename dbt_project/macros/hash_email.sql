{#-
    SHA-256 hex digest of lower(trim(email)), so marts can join and count people by email
    without exposing the address. An empty or null email hashes to null.
-#}
{% macro hash_email(column_name) -%}
    {{ return(adapter.dispatch('hash_email', 'salesaudit')(column_name)) }}
{%- endmacro %}

{% macro default__hash_email(column_name) -%}
    sha256(nullif(lower(trim({{ column_name }})), ''))
{%- endmacro %}

{% macro postgres__hash_email(column_name) -%}
    encode(sha256(convert_to(nullif(lower(trim({{ column_name }})), ''), 'UTF8')), 'hex')
{%- endmacro %}
