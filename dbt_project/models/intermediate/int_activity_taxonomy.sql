{#-
    One row per activity type: the taxonomy seed with the quadrant and action it implies.
    High impact means impact_level high or medium; urgent means urgency_level high. A
    quadrant_override in the seed replaces the default quadrant.
-#}
with

taxonomy as (

    select * from {{ ref('activity_taxonomy') }}

),

classified as (

    select
        activity_type,
        impact_level,
        urgency_level,
        impact_level in ('high', 'medium') as is_high_impact,
        urgency_level = 'high' as is_urgent,
        nullif(trim(quadrant_override), '') as quadrant_override,
        is_selling,
        kpi_group,
        cast(reclaimable_share as double) as reclaimable_share,
        rationale
    from taxonomy

),

default_quadrants as (

    select
        classified.*,
        case
            when is_urgent and is_high_impact then 'prioritize'
            when is_urgent then 'automate'
            when is_high_impact then 'delegate'
            else 'evaluate'
        end as default_quadrant
    from classified

),

quadrants as (

    select
        default_quadrants.*,
        coalesce(quadrant_override, default_quadrant) as quadrant,
        quadrant_override is not null as is_quadrant_overridden
    from default_quadrants

),

final as (

    select
        activity_type,
        impact_level,
        urgency_level,
        is_high_impact,
        is_urgent,
        default_quadrant,
        quadrant,
        is_quadrant_overridden,
        case quadrant
            when 'prioritize' then 'Prioritize: protect and grow this time, it moves deals now.'
            when 'automate' then 'Automate: let CRM or marketing automation do it.'
            when 'delegate' then 'Delegate: hand it to marketing, sales development or operations.'
            when 'evaluate' then 'Evaluate: review its value and eliminate it if it adds nothing.'
        end as action,
        is_selling,
        kpi_group,
        reclaimable_share,
        rationale
    from quadrants

)

select * from final
