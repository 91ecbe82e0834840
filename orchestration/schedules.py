"""When audits run: the monthly schedule and the quarterly re-audit, in the reporting zone.

- `monthly_audit_schedule` audits the previous month on the calendar's audit day, so
  late data has a few days to arrive.
- `quarterly_reaudit_schedule` fires on the same day after each fiscal quarter ends and
  rebuilds the quarter's three months as one monthly_audit run.
- `quarterly_reaudit_after_months` waits for any monthly_audit run to succeed, then
  requests each fiscal quarter it touched whose three months are audited, so a re-audited
  month also refreshes its quarter.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)

from orchestration import settings
from orchestration.periods import (
    PARTITION_KEY_FORMAT,
    AuditCalendar,
    add_months,
    month_start,
    months_from,
)
from orchestration.report.audited import audited_months_in, complete_quarters
from orchestration.report.publish import published_path_for

PARTITION_TAG = PARTITION_NAME_TAG

# Set on the monthly_audit run that rebuilds a quarter's months: the quarter's partition key.
REAUDIT_QUARTER_TAG = "salesaudit/reaudit_quarter"


def quarter_month_range(quarter_key: str) -> tuple[str, str]:
    """Return the first and last month partition keys of a fiscal quarter partition."""
    first = month_start(quarter_key)
    return quarter_key, add_months(first, 2).strftime(PARTITION_KEY_FORMAT)


def last_complete_quarter(calendar: AuditCalendar, at: datetime) -> str | None:
    """Return the key of the last fiscal quarter that had ended at `at`, if any."""
    local = at.astimezone(ZoneInfo(calendar.timezone))
    current = calendar.quarter_start(date(local.year, local.month, 1))
    previous = add_months(current, -3)
    if previous < calendar.quarter_start(calendar.first_month):
        return None
    return previous.strftime(PARTITION_KEY_FORMAT)


def build_monthly_schedule(
    calendar: AuditCalendar, monthly_job: dg.UnresolvedAssetJobDefinition
) -> dg.ScheduleDefinition:
    return dg.build_schedule_from_partitioned_job(
        monthly_job,
        name="monthly_audit_schedule",
        description=(
            f"Audit the previous month on day {calendar.audit_day} at "
            f"{calendar.audit_hour:02d}:00 {calendar.timezone}; the days after month end "
            "leave time for late data (SALESAUDIT_AUDIT_DAY, SALESAUDIT_AUDIT_HOUR)."
        ),
        day_of_month=calendar.audit_day,
        hour_of_day=calendar.audit_hour,
        default_status=dg.DefaultScheduleStatus.STOPPED,
    )


def build_quarterly_schedule(
    calendar: AuditCalendar, monthly_job: dg.UnresolvedAssetJobDefinition
) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="quarterly_reaudit_schedule",
        job=monthly_job,
        cron_schedule=calendar.quarterly_reaudit_cron(),
        execution_timezone=calendar.timezone,
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description=(
            "After each fiscal quarter, rebuild its three months in one monthly_audit run; "
            "quarterly_reaudit_after_months then builds the quarter."
        ),
    )
    def quarterly_reaudit_schedule(context: dg.ScheduleEvaluationContext):
        quarter = last_complete_quarter(calendar, context.scheduled_execution_time)
        if quarter is None:
            return dg.SkipReason("No fiscal quarter has ended since the first audit month.")
        first, last = quarter_month_range(quarter)
        return dg.RunRequest(
            run_key=f"reaudit-{quarter}",
            tags={
                ASSET_PARTITION_RANGE_START_TAG: first,
                ASSET_PARTITION_RANGE_END_TAG: last,
                REAUDIT_QUARTER_TAG: quarter,
            },
        )

    return quarterly_reaudit_schedule


def run_months(tags: Mapping[str, str]) -> list[date]:
    """Return the months a monthly_audit run covered, from its partition tags."""
    first = tags.get(ASSET_PARTITION_RANGE_START_TAG) or tags.get(PARTITION_TAG)
    last = tags.get(ASSET_PARTITION_RANGE_END_TAG) or tags.get(PARTITION_TAG)
    if not first or not last:
        return []
    return months_from(month_start(first), add_months(month_start(last), 1))


def build_quarter_after_months_sensor(
    calendar: AuditCalendar,
    monthly_job: dg.UnresolvedAssetJobDefinition,
    quarterly_job: dg.UnresolvedAssetJobDefinition,
) -> dg.RunStatusSensorDefinition:
    @dg.run_status_sensor(
        name="quarterly_reaudit_after_months",
        run_status=dg.DagsterRunStatus.SUCCESS,
        monitored_jobs=[monthly_job],
        request_job=quarterly_job,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "When a monthly_audit run succeeds, rebuild each fiscal quarter it touched whose "
            "three months have all been audited, so no quarter keeps a re-audited month's "
            "old figures."
        ),
    )
    def quarterly_reaudit_after_months(context: dg.RunStatusSensorContext):
        run = context.dagster_run
        months = run_months(run.tags)
        # The published copy is current after a successful run and never locked by a writer.
        audited = audited_months_in(published_path_for(settings.warehouse_path()))
        quarters = complete_quarters(calendar, months, audited)
        if not quarters:
            return dg.SkipReason(
                "The run completed no fiscal quarter: some months of each quarter it touched "
                "have not been audited yet."
            )
        return [
            dg.RunRequest(
                run_key=f"quarter-{quarter:%Y-%m}-after-{run.run_id}",
                partition_key=quarter.strftime(PARTITION_KEY_FORMAT),
            )
            for quarter in quarters
        ]

    return quarterly_reaudit_after_months
