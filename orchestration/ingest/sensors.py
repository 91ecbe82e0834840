"""The landing-folder sensor: audit the months that a new or changed landing file touches.

Every tick lists the landing files with their SHA-256 (`changes.scan_landing`) and compares
them with the cursor, a JSON object `{relative_path: {size, mtime_ns, sha256}}`. Each file
that is new, or whose hash differs from its cursor entry, is loaded on its own to find its
months (`changes.months_touched`). The file then gets one run of the monthly audit job over
its first to its last month, or over the latest complete month for a reference dataset
such as reps. The run key is `<relative_path>@<sha256>`, so Dagster requests no second run
for content it has already seen, even when the cursor is lost.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence

import dagster as dg
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from orchestration import settings
from orchestration.ingest.changes import (
    LandingFile,
    has_period_columns,
    months_touched,
    scan_landing,
)
from orchestration.ingest.errors import IngestError
from orchestration.periods import PARTITION_KEY_FORMAT, AuditCalendar

DEFAULT_SENSOR_NAME = "landing_files_sensor"
LANDING_FILE_TAG = "salesaudit/landing_file"
LANDING_SHA256_TAG = "salesaudit/landing_sha256"

# Dagster 1.13 cancels a sensor evaluation after 60 s (DAGSTER_SENSOR_GRPC_TIMEOUT_SECONDS),
# and a cancelled tick keeps the old cursor. Once this many seconds have passed, a tick loads
# no further files and leaves them for the next tick.
DEFAULT_MAX_TICK_SECONDS = 40.0

# A log line lists at most this many months by name.
MONTHS_LISTED = 6


def build_landing_sensor(
    job_name: str,
    calendar: AuditCalendar,
    name: str = DEFAULT_SENSOR_NAME,
    *,
    max_tick_seconds: float = DEFAULT_MAX_TICK_SECONDS,
) -> dg.SensorDefinition:
    """Build the sensor that requests `job_name` runs for new or changed landing files.

    The job must be partitioned by `calendar.monthly_partitions()`, and its assets need a
    single-run backfill policy for a run over a range of months. The sensor starts stopped,
    so a fresh deployment requests no runs until someone turns it on. A tick loads changed
    files until `max_tick_seconds` have passed, and always loads at least one.
    """

    @dg.sensor(
        name=name,
        job_name=job_name,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description=(
            "Checks the landing folder (SALESAUDIT_LANDING_DIR) every minute. For each new or "
            "changed CSV file it loads that file alone, finds the months its rows fall in "
            f"(in {calendar.timezone}), and requests one {job_name} run over those months, or "
            "over the latest complete month for reference data such as reps. A file that "
            "cannot be loaded gets no run and an error in the tick log, and is checked again "
            "when its content changes."
        ),
    )
    def _landing_sensor(context: dg.SensorEvaluationContext):
        return evaluate_landing(context, job_name, calendar, max_tick_seconds)

    return _landing_sensor


def evaluate_landing(
    context: dg.SensorEvaluationContext,
    job_name: str,
    calendar: AuditCalendar,
    max_tick_seconds: float = DEFAULT_MAX_TICK_SECONDS,
) -> list[dg.RunRequest] | dg.SkipReason:
    """Run one tick of the landing sensor: scan, request runs, and update the cursor."""
    landing_dir = settings.landing_dir()
    if not landing_dir.is_dir():
        # The cursor stays, so a folder that is only unmounted for a while runs nothing again.
        return dg.SkipReason(
            f"Landing folder {landing_dir} does not exist. Create it or set "
            "SALESAUDIT_LANDING_DIR to the folder that receives the CSV files."
        )
    previous = read_cursor(context)
    try:
        files = scan_landing(landing_dir, previous)
    except (IngestError, OSError) as err:
        context.log.error("Landing folder %s could not be scanned: %s", landing_dir, err)
        return dg.SkipReason(f"Landing folder {landing_dir} could not be scanned: {err}")

    started = time.monotonic()
    next_cursor: dict[str, Mapping] = {}
    run_requests: list[dg.RunRequest] = []
    changed: list[str] = []
    deferred: list[str] = []
    for landing_file in files:
        entry = previous.get(landing_file.relative_path)
        if entry is not None and entry.get("sha256") == landing_file.sha256:
            # Same content: store the new stat so that the next scan need not hash it.
            next_cursor[landing_file.relative_path] = landing_file.cursor_entry()
            continue
        if changed and time.monotonic() - started >= max_tick_seconds:
            # Its old entry (if any) stays, so the next tick still treats the file as changed.
            deferred.append(landing_file.relative_path)
            if entry is not None:
                next_cursor[landing_file.relative_path] = entry
            continue
        changed.append(landing_file.relative_path)
        run_request = _run_request(context, landing_file, job_name, calendar)
        if run_request is not None:
            run_requests.append(run_request)
        next_cursor[landing_file.relative_path] = landing_file.cursor_entry()

    if deferred:
        context.log.info(
            "Loaded %d changed landing files in %.0f s. The other %d are loaded at the next "
            "tick: %s",
            len(changed),
            time.monotonic() - started,
            len(deferred),
            ", ".join(deferred),
        )
    context.update_cursor(json.dumps(next_cursor, sort_keys=True))
    if run_requests:
        return run_requests
    if changed:
        return dg.SkipReason(
            f"{len(changed)} new or changed landing files requested no {job_name} run "
            f"({', '.join(changed)}); the tick log gives the reasons."
        )
    return dg.SkipReason(
        f"No new or changed files in landing folder {landing_dir} ({len(files)} files unchanged)."
    )


def read_cursor(context: dg.SensorEvaluationContext) -> dict[str, Mapping]:
    """Return the cursor's entries by relative path, or {} when the cursor is unreadable.

    With an empty cursor every file is loaded again, and Dagster skips the run requests
    whose run key already has a run, so no content is audited twice.
    """
    if not context.cursor:
        return {}
    try:
        entries = json.loads(context.cursor)
    except json.JSONDecodeError as err:
        context.log.warning(
            "Sensor cursor is not valid JSON (%s), so every landing file is checked again.", err
        )
        return {}
    if not isinstance(entries, dict):
        context.log.warning(
            "Sensor cursor is not a JSON object, so every landing file is checked again."
        )
        return {}
    return {path: entry for path, entry in entries.items() if isinstance(entry, dict)}


def _run_request(
    context: dg.SensorEvaluationContext,
    landing_file: LandingFile,
    job_name: str,
    calendar: AuditCalendar,
) -> dg.RunRequest | None:
    """Return the run request for one new or changed file, or None with a log line saying why."""
    name = landing_file.relative_path
    try:
        months = months_touched(landing_file, calendar.timezone)
    except ValueError as err:
        # IngestError is a ValueError: the file breaks the landing contract.
        context.log.error(
            "Landing file %s (sha256 %s) could not be loaded, so no %s run was requested: %s "
            "The sensor checks the file again when its content changes.",
            name,
            landing_file.sha256,
            job_name,
            err,
        )
        return None

    partitions = calendar.monthly_partitions()
    partition_keys = partitions.get_partition_keys()
    if not partition_keys:
        context.log.warning(
            "Landing file %s changed, but %s has no complete month yet, so no run was requested.",
            name,
            job_name,
        )
        return None

    if not has_period_columns(landing_file.dataset):
        selected = [partition_keys[-1]]
    else:
        touched = [month.strftime(PARTITION_KEY_FORMAT) for month in months]
        if not touched:
            context.log.warning(
                "Landing file %s has no rows with a date in a period column, so no %s run "
                "was requested.",
                name,
                job_name,
            )
            return None
        selected = _keep_partition_months(context, name, touched, partition_keys, job_name)
        if not selected:
            return None

    first, last = selected[0], selected[-1]
    tags = {LANDING_FILE_TAG: name, LANDING_SHA256_TAG: landing_file.sha256}
    run_key = f"{name}@{landing_file.sha256}"
    context.log.info(
        "Requesting a %s run for %s to %s because landing file %s is new or changed (run key %s).",
        job_name,
        first,
        last,
        name,
        run_key,
    )
    if first == last:
        return dg.RunRequest(run_key=run_key, partition_key=first, tags=tags)
    return dg.RunRequest(
        run_key=run_key,
        tags={
            **tags,
            ASSET_PARTITION_RANGE_START_TAG: first,
            ASSET_PARTITION_RANGE_END_TAG: last,
        },
    )


def _keep_partition_months(
    context: dg.SensorEvaluationContext,
    name: str,
    touched: Sequence[str],
    partition_keys: Sequence[str],
    job_name: str,
) -> list[str]:
    """Return the touched months that are partition keys, logging the ones that are not."""
    existing = set(partition_keys)
    inside = [month for month in touched if month in existing]
    outside = [month for month in touched if month not in existing]
    if outside:
        context.log.warning(
            "Landing file %s has rows in %d months outside the %s partitions %s to %s, "
            "which this run skips: %s. A month before the first partition "
            "(SALESAUDIT_FIRST_AUDIT_MONTH) is never audited. A month that is not complete "
            "yet can be audited once it has ended.",
            name,
            len(outside),
            job_name,
            partition_keys[0],
            partition_keys[-1],
            _month_list(outside),
        )
    return inside


def _month_list(months: Sequence[str]) -> str:
    if len(months) <= MONTHS_LISTED:
        return ", ".join(months)
    listed = ", ".join(months[: MONTHS_LISTED - 1])
    return f"{listed}, ... {months[-1]} ({len(months) - MONTHS_LISTED} more not listed)"
