"""Run the `monthly_audit` job in-process: the one code path the CLI and the UI share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from orchestration.cli.progress import progress_logger
from orchestration.settings import AuditSettings


@dataclass(frozen=True)
class AuditRequest:
    landing_dir: Path
    warehouse: Path
    audit_settings: AuditSettings
    mapping_file: Path | None = None
    start_month: str = ""
    end_month: str = ""


RAW_STEP = "raw_landing"
DBT_STEP = "salesaudit_dbt_models"
PUBLISH_STEP = "published__marts"


def steps_for(asset_selection: Sequence[dg.AssetKey] | None) -> list[str]:
    """Return the job steps that materialize the selection (every step when it is None)."""
    if asset_selection is None:
        return [RAW_STEP, DBT_STEP, PUBLISH_STEP]
    steps = []
    if any(key.path[0] == "raw" for key in asset_selection):
        steps.append(RAW_STEP)
    if any(key.path[0] not in ("raw", "published") for key in asset_selection):
        steps.append(DBT_STEP)
    if any(key.path[0] == "published" for key in asset_selection):
        steps.append(PUBLISH_STEP)
    return steps


def audit_run_config(request: AuditRequest, steps: Sequence[str]) -> dict:
    """Build the run config that points the selected steps at the request."""
    step_config = {
        RAW_STEP: {
            "landing_dir": str(request.landing_dir),
            "mapping_file": str(request.mapping_file) if request.mapping_file else "",
        },
        DBT_STEP: {"start_month": request.start_month, "end_month": request.end_month},
    }
    return {
        "ops": {step: {"config": step_config[step]} for step in steps if step in step_config},
        "loggers": {"progress": {"config": {"total_steps": len(steps)}}},
    }


def run_audit(
    request: AuditRequest,
    instance: dg.DagsterInstance | None = None,
    asset_selection: Sequence[dg.AssetKey] | None = None,
) -> dg.ExecuteInProcessResult:
    """Execute `monthly_audit` in this process against the requested landing data and warehouse.

    Without `instance` the run is recorded in an ephemeral instance that ends with it.
    `asset_selection` runs a subset of the job, for example only the raw assets.
    """
    from orchestration.definitions import build_definitions
    from orchestration.resources import AuditSettingsResource
    from orchestration.warehouse import WarehouseResource

    settings = request.audit_settings
    resources = {
        "warehouse": WarehouseResource(path=str(request.warehouse)),
        "audit_settings": AuditSettingsResource(
            reporting_timezone=settings.reporting_timezone,
            reporting_currency=settings.reporting_currency,
            fiscal_year_start_month=settings.fiscal_year_start_month,
        ),
    }
    definitions = build_definitions(resources=resources, loggers={"progress": progress_logger})
    job = definitions.resolve_job_def("monthly_audit")
    return job.execute_in_process(
        run_config=audit_run_config(request, steps_for(asset_selection)),
        raise_on_error=False,
        instance=instance,
        asset_selection=asset_selection,
    )
