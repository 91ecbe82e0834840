{#-
    One row per deal that entered the proposal stage (var proposal_stage): its first entry,
    the month of that entry in the reporting time zone, and the deal owner it counts for.
    is_counted_as_activity is true when a proposal activity linked to the deal was started
    in the same month; kpi_effectiveness_monthly then counts that activity instead, so the
    proposal is never counted twice.
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

stage_history as (

    select * from {{ ref('stg_landing__deal_stage_history') }}

),

deals as (

    select * from {{ ref('stg_landing__deals') }}

),

activities as (

    select * from {{ ref('stg_landing__activities') }}
    where {{ in_audit_window('started_month') }}

),

proposal_stage_entries as (

    select
        deal_id,
        entered_at,
        entered_month,
        row_number() over (
            partition by deal_id
            order by entered_at
        ) as entry_number
    from stage_history
    where stage = '{{ dbt.escape_single_quotes(var("proposal_stage") | string | trim | lower) }}'

),

first_entries as (

    select * from proposal_stage_entries
    where entry_number = 1

),

proposal_activity_months as (

    select distinct
        deal_id,
        started_month as month
    from activities
    where activity_type = 'proposal'
        and deal_id is not null

),

final as (

    select
        first_entries.deal_id,
        deals.owner_rep_id as rep_id,
        first_entries.entered_at,
        first_entries.entered_month as month,
        proposal_activity_months.deal_id is not null as is_counted_as_activity
    from first_entries
    -- A stage entry counts for the deal's owner, so history of a deal missing from deals
    -- is left out.
    inner join deals
        on first_entries.deal_id = deals.deal_id
    left join proposal_activity_months
        on first_entries.deal_id = proposal_activity_months.deal_id
        and first_entries.entered_month = proposal_activity_months.month
    where {{ in_audit_window('first_entries.entered_month') }}

)

select * from final
