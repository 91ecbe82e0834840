"""The salesaudit code location: every domain's assets, jobs and resources in one place."""

from __future__ import annotations

from collections.abc import Mapping

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.ingest.assets import raw_landing
from orchestration.jobs import monthly_audit
from orchestration.report.assets import published_marts
from orchestration.resources import default_resources
from orchestration.transform.assets import salesaudit_dbt_models
from orchestration.transform.project import dbt_executable, dbt_project


def build_definitions(
    resources: Mapping[str, object] | None = None,
    loggers: Mapping[str, dg.LoggerDefinition] | None = None,
) -> dg.Definitions:
    """Assemble the code location; `resources` replace the defaults of the same key."""
    project = dbt_project()
    return dg.Definitions(
        assets=[raw_landing, salesaudit_dbt_models, published_marts],
        jobs=[monthly_audit],
        resources={
            **default_resources(),
            "dbt": DbtCliResource(
                project_dir=project,
                profiles_dir=str(project.profiles_dir),
                dbt_executable=dbt_executable(),
                # dbt's lines land in Dagster's log and in files, where colour codes are noise.
                global_config_flags=["--no-use-colors"],
            ),
            **(resources or {}),
        },
        loggers=dict(loggers or {}),
    )


defs = build_definitions()
