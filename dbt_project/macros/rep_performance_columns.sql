{#-
    The performance KPI columns of kpi_performance_monthly and kpi_performance_quarterly,
    in contract order, from one rep's summed closed deals and prorated quota for a period:
    deals_won, deals_lost, deals_won_zero_amount, deals_won_missing_rate, deals_won_sized,
    won_amount, lost_amount and quota_amount. Open deals are not among the closed deals,
    so they never enter the win-rate denominator.
-#}
{% macro rep_performance_columns() -%}
        cast(deals_won as bigint) as deals_won,
        cast(deals_lost as bigint) as deals_lost,
        cast(deals_won_zero_amount as bigint) as deals_won_zero_amount,
        cast(deals_won_missing_rate as bigint) as deals_won_missing_rate,
        cast(
            case
                when deals_won + deals_lost > 0
                    then cast(deals_won as double) / (deals_won + deals_lost)
            end as double
        ) as win_rate,
        cast(
            case
                when won_amount + lost_amount > 0
                    then cast(won_amount as double) / cast(won_amount + lost_amount as double)
            end as double
        ) as amount_weighted_win_rate,
        cast(won_amount as decimal(18, 2)) as won_amount,
        cast(
            case
                when deals_won_sized > 0 then round(won_amount / deals_won_sized, 2)
            end as decimal(18, 2)
        ) as avg_deal_size,
        cast('{{ var("reporting_currency") | upper }}' as varchar) as reporting_currency,
        cast(quota_amount as decimal(18, 2)) as quota_amount,
        -- Undefined without a quota: none, a quota of 0, or one with no exchange rate.
        cast(
            case
                when quota_amount > 0
                    then cast(won_amount as double) / cast(quota_amount as double)
            end as double
        ) as quota_attainment,
        -- Compares the decimal amounts rather than the double ratio, so exactly 100 % meets it.
        cast(case when quota_amount > 0 then won_amount >= quota_amount end as boolean)
            as met_quota
{%- endmacro %}
