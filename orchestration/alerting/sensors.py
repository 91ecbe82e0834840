"""The run-failure sensor that posts an alert for each failed audit run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import dagster as dg

from orchestration.alerting.channel import WEBHOOK_URL_ENV, AlertChannel
from orchestration.alerting.messages import alert_locale, alert_ui_url, run_failure_message

if TYPE_CHECKING:
    # Dagster 1.13 does not export these two types from its top-level package.
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )
    from dagster_shared.error import SerializableErrorInfo

SENSOR_NAME = "audit_run_failure_alert"
PARTITION_TAG = "dagster/partition"
PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"


def build_run_failure_alert_sensor(
    monitored_jobs: Sequence[dg.JobDefinition | dg.GraphDefinition | UnresolvedAssetJobDefinition]
    | None = None,
) -> dg.RunStatusSensorDefinition:
    """Build the sensor that alerts on failed runs of `monitored_jobs` (None: every job here)."""

    @dg.run_failure_sensor(
        name=SENSOR_NAME,
        description=(
            f"Posts a message to the webhook in {WEBHOOK_URL_ENV} when a run fails; "
            "does nothing while the variable is unset."
        ),
        monitor_all_code_locations=False,
        monitored_jobs=monitored_jobs,
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=30,
    )
    def audit_run_failure_alert(context: dg.RunFailureSensorContext) -> None:
        channel = AlertChannel.from_env()
        if channel is None:
            context.log.info(
                "Run failure alerts are off: set %s to a Slack incoming webhook URL "
                "to turn them on.",
                WEBHOOK_URL_ENV,
            )
            return

        run = context.dagster_run
        text = run_failure_message(
            job_name=run.job_name,
            run_id=run.run_id,
            partition=run_partition(run.tags),
            error=failure_error_text(context),
            locale=alert_locale(),
            ui_url=alert_ui_url(),
        )
        # AlertDeliveryError propagates so the tick shows as failed with the fix in its message.
        channel.send(text)
        context.log.info(
            "Sent the failure alert for run %s of %s to %s",
            run.run_id,
            run.job_name,
            channel.display_url,
        )

    return audit_run_failure_alert


def run_partition(tags: Mapping[str, str]) -> str | None:
    """Return the run's partition key, `start...end` for a partition range, or None."""
    if tags.get(PARTITION_TAG):
        return tags[PARTITION_TAG]
    start = tags.get(PARTITION_RANGE_START_TAG)
    end = tags.get(PARTITION_RANGE_END_TAG)
    if start and end and start != end:
        return f"{start}...{end}"
    return start or end or None


def _failed_check_lines(context: dg.RunFailureSensorContext) -> list[str]:
    """Return the asset, check and reason of each ERROR-severity check that failed in the run.

    A blocking check's failure stops the run with a generic error, so the reason (a missing
    column, a quarantine share above the limit) comes from the check's own description.
    """
    records = context.instance.get_records_for_run(
        context.dagster_run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    lines = []
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        if evaluation.passed or evaluation.severity != dg.AssetCheckSeverity.ERROR:
            continue
        reason = evaluation.description or "see the check in the Dagster UI"
        lines.append(f"{evaluation.asset_key.to_user_string()} {evaluation.check_name}: {reason}")
    return lines


def failure_error_text(context: dg.RunFailureSensorContext) -> str:
    """Return why the run failed: failed blocking checks, step causes, then Dagster's message."""
    lines = _failed_check_lines(context)
    step_failures = context.get_step_failure_events()
    for event in step_failures:
        error = event.step_failure_data.error
        if error is not None:
            lines.append(f"{event.step_key}: {_root_cause(error)}")
    if not step_failures:
        # A run can fail outside any step, for example while starting its run worker.
        run_error = getattr(context.failure_event.event_specific_data, "error", None)
        if run_error is not None:
            lines.append(_root_cause(run_error))
    lines.append(context.failure_event.message or "")
    return "\n".join(line for line in lines if line)


def _root_cause(error: SerializableErrorInfo) -> str:
    """Return the innermost cause, the user's exception rather than Dagster's, on one line."""
    while error.cause is not None:
        error = error.cause
    message = " ".join(line.strip() for line in error.message.strip().splitlines() if line.strip())
    return message or error.cls_name or "unknown error"
