{#-
    One row per rep and month in which the rep was employed (int_rep_months): counts of
    activities started in the month by type. proposals_sent adds the deals the rep owns
    that first entered the proposal stage in the month, unless a proposal activity linked
    to the deal in that month is already counted.
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

deal_proposal_entries as (

    select * from {{ ref('int_deal_proposal_entries') }}
    where {{ in_audit_window('month') }}

),

activity_counts as (

    select
        rep_id,
        month,
        sum(case when activity_type = 'call' then activity_count else 0 end) as calls_made,
        sum(case when activity_type = 'proposal' then activity_count else 0 end)
            as proposal_activities,
        sum(case when activity_type = 'social_touch' then activity_count else 0 end)
            as social_selling_interactions,
        sum(case when activity_type = 'meeting' then activity_count else 0 end)
            as meetings_held,
        sum(case when activity_type = 'email' then activity_count else 0 end) as emails_sent,
        sum(case when activity_type = 'demo' then activity_count else 0 end) as demos_held
    from activity_audit
    group by rep_id, month

),

stage_proposal_counts as (

    select
        rep_id,
        month,
        count(*) as stage_proposals
    from deal_proposal_entries
    where not is_counted_as_activity
    group by rep_id, month

),

joined as (

    select
        rep_months.rep_id,
        rep_months.month,
        rep_months.team,
        coalesce(activity_counts.calls_made, 0) as calls_made,
        coalesce(activity_counts.proposal_activities, 0)
            + coalesce(stage_proposal_counts.stage_proposals, 0) as proposals_sent,
        coalesce(activity_counts.social_selling_interactions, 0) as social_selling_interactions,
        coalesce(activity_counts.meetings_held, 0) as meetings_held,
        coalesce(activity_counts.emails_sent, 0) as emails_sent,
        coalesce(activity_counts.demos_held, 0) as demos_held
    from rep_months
    left join activity_counts
        on rep_months.rep_id = activity_counts.rep_id
        and rep_months.month = activity_counts.month
    left join stage_proposal_counts
        on rep_months.rep_id = stage_proposal_counts.rep_id
        and rep_months.month = stage_proposal_counts.month

),

final as (

    select
        cast(rep_id as varchar) as rep_id,
        cast(month as date) as month,
        cast(team as varchar) as team,
        cast(calls_made as bigint) as calls_made,
        cast(proposals_sent as bigint) as proposals_sent,
        cast(social_selling_interactions as bigint) as social_selling_interactions,
        cast(meetings_held as bigint) as meetings_held,
        cast(emails_sent as bigint) as emails_sent,
        cast(demos_held as bigint) as demos_held
    from joined

)

select * from final
