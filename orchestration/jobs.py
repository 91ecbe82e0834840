"""Jobs that span domains."""

from __future__ import annotations

import dagster as dg

# The whole graph: every raw dataset, then every dbt model, seed and test.
monthly_audit = dg.define_asset_job(
    name="monthly_audit",
    selection=dg.AssetSelection.all(),
    description=(
        "Load every landing dataset into raw, then build and test all dbt models for the "
        "configured months (all months in the data when none are given)."
    ),
)
