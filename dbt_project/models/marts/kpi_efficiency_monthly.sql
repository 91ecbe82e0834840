{#-
    One row per rep and month in which the rep was employed (int_rep_months): the
    efficiency KPIs, hours spent creating content, searching for content and updating the
    CRM, from fct_activity_audit.
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

rep_months as (

    select * from {{ ref('int_rep_months') }}
    where {{ in_audit_window('month') }}

),

activity_audit as (

    select * from {{ ref('fct_activity_audit') }}
    where {{ in_audit_window('month') }}

),

rep_hours as (

    select
        rep_id,
        month,
        sum(case when activity_type = 'content_creation' then hours else 0 end)
            as content_creation_hours,
        sum(case when activity_type = 'content_search' then hours else 0 end)
            as content_search_hours,
        sum(case when activity_type = 'crm_update' then hours else 0 end) as crm_update_hours,
        sum(hours) as total_hours
    from activity_audit
    group by rep_id, month

),

joined as (

    select
        rep_months.rep_id,
        rep_months.month,
        rep_months.team,
        coalesce(rep_hours.content_creation_hours, 0) as content_creation_hours,
        coalesce(rep_hours.content_search_hours, 0) as content_search_hours,
        coalesce(rep_hours.crm_update_hours, 0) as crm_update_hours,
        coalesce(rep_hours.total_hours, 0) as total_hours
    from rep_months
    left join rep_hours
        on rep_months.rep_id = rep_hours.rep_id
        and rep_months.month = rep_hours.month

),

final as (

    select
        cast(rep_id as varchar) as rep_id,
        cast(month as date) as month,
        cast(team as varchar) as team,
        cast(round(content_creation_hours, 9) as double) as content_creation_hours,
        cast(round(content_search_hours, 9) as double) as content_search_hours,
        cast(round(crm_update_hours, 9) as double) as crm_update_hours,
        cast(round(total_hours, 9) as double) as total_hours,
        cast(round(
            (content_creation_hours + content_search_hours + crm_update_hours)
            / nullif(total_hours, 0), 9) as double) as efficiency_hours_share
    from joined

)

select * from final
