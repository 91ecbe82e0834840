"""The benchmark stages that run the audit jobs, as `stage.py` calls them inside its timer.

Each stage picks a part of the `monthly_audit` job and runs it over one month range as one
run, as `salesaudit audit` does. The full build and the history set-up then run
`quarterly_reaudit` over the range's complete fiscal quarters. Every stage imports
`orchestration.definitions` inside its timed work, as the CLI does on its first run, so
building the module's definitions counts in the stage's time.
"""

from __future__ import annotations

import argparse
import time

# Stages that run the whole monthly job, without a selection.
WHOLE_JOB_STAGES = ("further_month", "history_setup")
# Stages that run `quarterly_reaudit` after the monthly run succeeds.
QUARTERLY_STAGES = ("full_build", "history_setup")
AUDIT_STAGES = ("ingestion", "full_build", "further_month", "further_month_dbt", "history_setup")


def monthly_job_selection(stage: str) -> list | None:
    """Return the asset keys of `monthly_audit` that the stage runs, or None for the whole job.

    The ingestion stage selects the raw assets. `full_build` and `further_month_dbt` select
    everything else in the job: the dbt assets (seeds, models, snapshots and their tests)
    and `published/marts`.
    """
    if stage in WHOLE_JOB_STAGES:
        return None

    from orchestration.definitions import defs
    from orchestration.jobs import MONTHLY_AUDIT

    job_keys = defs.resolve_job_def(MONTHLY_AUDIT).asset_layer.executable_asset_keys
    raw_keys = {key for key in job_keys if key.path[0] == "raw"}
    selected = raw_keys if stage == "ingestion" else set(job_keys) - raw_keys
    return sorted(selected, key=lambda key: key.to_string())


def audit_request(args: argparse.Namespace):
    from orchestration.cli.run_audit import AuditRequest
    from orchestration.settings import AuditSettings

    return AuditRequest(
        landing_dir=args.landing,
        warehouse=args.warehouse,
        audit_settings=AuditSettings(
            reporting_timezone=args.timezone, reporting_currency=args.currency
        ),
        start_month=args.start_month,
        end_month=args.end_month,
    )


def run_audit_stage(args: argparse.Namespace) -> dict:
    """Run the stage's part of `monthly_audit` for its months, then the quarters if it has them.

    The detail reports each job's seconds, so the full build shows its monthly and its
    quarterly part.
    """
    from orchestration.cli.run_audit import run_audit, run_quarterly_audit
    from orchestration.cli.summary import failure_messages

    request = audit_request(args)
    started = time.perf_counter()
    selection = monthly_job_selection(args.stage)
    monthly = run_audit(request, asset_selection=selection)
    detail: dict = {
        "success": monthly.success,
        "assets_selected": "all" if selection is None else len(selection),
        "months": f"{args.start_month} to {args.end_month}",
        "monthly_seconds": round(time.perf_counter() - started, 2),
        "failures": failure_messages(monthly),
    }
    if args.stage not in QUARTERLY_STAGES or not monthly.success:
        return detail

    started = time.perf_counter()
    quarters, quarterly = run_quarterly_audit(request)
    detail["quarterly_seconds"] = round(time.perf_counter() - started, 2)
    detail["quarters"] = quarters
    if quarterly is not None:
        detail["success"] = quarterly.success
        detail["failures"] += failure_messages(quarterly)
    return detail
