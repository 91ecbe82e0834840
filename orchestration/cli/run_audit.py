"""Run the audit jobs in-process: the one code path the CLI and the UI share.

A month range runs as one `monthly_audit` run over that partition range (one dbt
invocation), then `quarterly_reaudit` over the fiscal quarters the range touches whose
three months are all audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from orchestration.cli.progress import progress_logger
from orchestration.jobs import MONTHLY_AUDIT, QUARTERLY_REAUDIT
from orchestration.periods import (
    PARTITION_KEY_FORMAT,
    AuditCalendar,
    add_months,
    month_start,
    months_from,
)
from orchestration.report.audited import audited_months_in, complete_quarters
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
# The landing freshness checks run right after raw_landing, as a step of their own.
FRESHNESS_STEP = "freshness_check"
DBT_STEPS = ("salesaudit_dbt_models", "salesaudit_dbt_monthly", "salesaudit_dbt_comparison")
PUBLISH_STEP = "published__marts"


def steps_for(asset_selection: Sequence[dg.AssetKey] | None) -> list[str]:
    """Return the monthly job's steps that materialize the selection (all when None)."""
    if asset_selection is None:
        return [RAW_STEP, FRESHNESS_STEP, *DBT_STEPS, PUBLISH_STEP]
    steps = []
    if any(key.path[0] == "raw" for key in asset_selection):
        steps.extend([RAW_STEP, FRESHNESS_STEP])
    if any(key.path[0] not in ("raw", "published") for key in asset_selection):
        steps.extend(DBT_STEPS)
    if any(key.path[0] == "published" for key in asset_selection):
        steps.append(PUBLISH_STEP)
    return steps


def audit_run_config(request: AuditRequest, total_steps: int) -> dict:
    """Build the run config that points the raw step at the request's landing data."""
    return {
        "ops": {
            RAW_STEP: {
                "config": {
                    "landing_dir": str(request.landing_dir),
                    "mapping_file": str(request.mapping_file) if request.mapping_file else "",
                }
            }
        },
        "loggers": {"progress": {"config": {"total_steps": total_steps}}},
    }


def request_calendar(request: AuditRequest) -> AuditCalendar:
    """Build the calendar of the request's settings, its partitions starting early enough."""
    calendar = AuditCalendar.from_env(request.audit_settings)
    first, _ = request_months(request)
    if first < calendar.first_month:
        calendar = AuditCalendar(
            settings=calendar.settings,
            first_month=first,
            audit_day=calendar.audit_day,
            audit_hour=calendar.audit_hour,
        )
    return calendar


def request_months(request: AuditRequest):
    if not request.start_month or not request.end_month:
        raise ValueError("Give the months to audit: --from YYYY-MM and --to YYYY-MM.")
    first, last = month_start(request.start_month), month_start(request.end_month)
    if first > last:
        raise ValueError(f"--from {request.start_month} is after --to {request.end_month}.")
    return first, last


def quarters_to_build(calendar: AuditCalendar, request: AuditRequest) -> list[str]:
    """Return the quarter keys the range touches whose three months are all audited.

    Months audited by earlier runs count, so re-auditing May also rebuilds the quarter of
    April to June when April and June are in the warehouse.
    """
    first, last = request_months(request)
    months = months_from(first, add_months(last, 1))
    audited = audited_months_in(request.warehouse)
    return [
        quarter.strftime(PARTITION_KEY_FORMAT)
        for quarter in complete_quarters(calendar, months, audited)
    ]


def _definitions(request: AuditRequest, calendar: AuditCalendar) -> dg.Definitions:
    from orchestration.definitions import build_definitions
    from orchestration.warehouse import WarehouseResource

    resources = {"warehouse": WarehouseResource(path=str(request.warehouse))}
    return build_definitions(
        resources=resources, loggers={"progress": progress_logger}, calendar=calendar
    )


def _range_tags(keys: Sequence[str]) -> dict[str, str]:
    return {ASSET_PARTITION_RANGE_START_TAG: keys[0], ASSET_PARTITION_RANGE_END_TAG: keys[-1]}


def run_audit(
    request: AuditRequest,
    instance: dg.DagsterInstance | None = None,
    asset_selection: Sequence[dg.AssetKey] | None = None,
) -> dg.ExecuteInProcessResult:
    """Execute `monthly_audit` in this process for the request's months, as one run.

    Without `instance` the run is recorded in an ephemeral instance that ends with it.
    `asset_selection` runs a subset of the job, for example only the raw assets.
    """
    calendar = request_calendar(request)
    first, last = request_months(request)
    last_key = calendar.monthly_partitions().get_last_partition_key()
    if last_key is None or last > month_start(last_key):
        raise ValueError(
            f"--to {request.end_month} has not ended yet in {calendar.timezone}: the last "
            f"month that can be audited is {last_key}."
        )
    job = _definitions(request, calendar).resolve_job_def(MONTHLY_AUDIT)
    steps = steps_for(asset_selection)
    return job.execute_in_process(
        run_config=audit_run_config(request, len(steps)),
        raise_on_error=False,
        instance=instance,
        asset_selection=asset_selection,
        tags=_range_tags(
            [first.strftime(PARTITION_KEY_FORMAT), last.strftime(PARTITION_KEY_FORMAT)]
        ),
    )


def run_quarterly_audit(
    request: AuditRequest, instance: dg.DagsterInstance | None = None
) -> tuple[list[str], dg.ExecuteInProcessResult | None]:
    """Execute `quarterly_reaudit` over the quarters the range touches and completes.

    A quarter counts when its three months are all audited, in this run or before. Returns
    the quarter keys and the run's result, or no result when the range completes no
    quarter. Run it after `run_audit` has rebuilt the months.
    """
    calendar = request_calendar(request)
    quarters = quarters_to_build(calendar, request)
    if not quarters:
        return quarters, None
    job = _definitions(request, calendar).resolve_job_def(QUARTERLY_REAUDIT)
    result = job.execute_in_process(
        run_config={"loggers": {"progress": {"config": {"total_steps": 3}}}},
        raise_on_error=False,
        instance=instance,
        tags=_range_tags(quarters),
    )
    return quarters, result
