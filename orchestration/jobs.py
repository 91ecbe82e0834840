"""Jobs that span domains: the monthly audit and the quarterly re-audit.

A Dagster run has one partitions definition, so the two periods are two jobs. The
monthly job loads raw, rebuilds the partition's months and publishes. The quarterly job
sums the quarter's already rebuilt months into the quarterly marts and publishes again.
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from orchestration.periods import AuditCalendar

MONTHLY_AUDIT = "monthly_audit"
QUARTERLY_REAUDIT = "quarterly_reaudit"


def build_jobs(
    calendar: AuditCalendar,
    raw_assets: dg.AssetsDefinition,
    dbt_groups: Sequence[dg.AssetsDefinition],
    published: dg.AssetsDefinition,
) -> list[dg.UnresolvedAssetJobDefinition]:
    """Return `monthly_audit` and `quarterly_reaudit` over the given asset definitions."""
    reference, monthly, quarterly, comparison = dbt_groups
    monthly_audit = dg.define_asset_job(
        name=MONTHLY_AUDIT,
        selection=dg.AssetSelection.assets(raw_assets, reference, monthly, comparison, published),
        partitions_def=calendar.monthly_partitions(),
        description=(
            "Load every landing dataset into raw, rebuild the partition's months (or a "
            "range of months, as one dbt run) in the facts and monthly marts, refresh the "
            "comparisons and publish the marts for BI tools."
        ),
    )
    quarterly_reaudit = dg.define_asset_job(
        name=QUARTERLY_REAUDIT,
        selection=dg.AssetSelection.assets(quarterly, comparison, published),
        partitions_def=calendar.quarterly_partitions(),
        description=(
            "Sum the fiscal quarter's rebuilt months into the quarterly marts and the "
            "productivity matrix, refresh the comparisons and publish. Run it after "
            "monthly_audit has rebuilt the quarter's three months."
        ),
    )
    return [monthly_audit, quarterly_reaudit]
