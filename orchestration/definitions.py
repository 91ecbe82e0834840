"""The salesaudit code location: every domain's assets, jobs, schedules and sensors.

One `AuditCalendar`, read from the SALESAUDIT_* variables when the code location loads,
builds the month and quarter partitions, the schedules and the audit settings resource,
so the periods Dagster shows and the months dbt rebuilds come from the same setting.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.alerting.channel import AlertChannel
from orchestration.alerting.messages import alert_locale
from orchestration.alerting.sensors import build_run_failure_alert_sensor
from orchestration.ingest.assets import raw_asset_key, raw_landing
from orchestration.ingest.datasets import DATASETS
from orchestration.ingest.sensors import build_landing_sensor
from orchestration.jobs import MONTHLY_AUDIT, build_jobs
from orchestration.periods import AuditCalendar
from orchestration.report.assets import published_marts
from orchestration.resources import AuditSettingsResource, default_resources
from orchestration.schedules import (
    build_monthly_schedule,
    build_quarter_after_months_sensor,
    build_quarterly_schedule,
)
from orchestration.transform.assets import build_dbt_assets
from orchestration.transform.project import dbt_executable, dbt_project

DEFAULT_FRESHNESS_DAYS = 35


def _freshness_days() -> int:
    configured = os.environ.get("SALESAUDIT_FRESHNESS_DAYS", "").strip()
    if not configured:
        return DEFAULT_FRESHNESS_DAYS
    if not configured.isdigit() or int(configured) < 1:
        raise ValueError(
            f"Invalid SALESAUDIT_FRESHNESS_DAYS {configured!r}: use a whole number of days, "
            f"for example {DEFAULT_FRESHNESS_DAYS}."
        )
    return int(configured)


def _freshness(calendar: AuditCalendar):
    """Checks that flag a landing dataset whose newest file is older than the limit."""
    checks = dg.build_last_update_freshness_checks(
        assets=[raw_asset_key(ds.name) for ds in DATASETS],
        lower_bound_delta=timedelta(days=_freshness_days()),
        timezone=calendar.timezone,
    )
    sensor = dg.build_sensor_for_freshness_checks(
        freshness_checks=checks,
        name="landing_freshness_sensor",
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    return checks, sensor


def build_definitions(
    resources: Mapping[str, object] | None = None,
    loggers: Mapping[str, dg.LoggerDefinition] | None = None,
    calendar: AuditCalendar | None = None,
) -> dg.Definitions:
    """Assemble the code location; `resources` replace the defaults of the same key."""
    calendar = calendar or AuditCalendar.from_env()
    settings = calendar.settings
    # A bad alert setting must stop the code location now, not lose the alert of a failed run.
    alert_locale()
    AlertChannel.from_env()
    project = dbt_project()
    dbt_groups = build_dbt_assets(calendar)
    monthly_job, quarterly_job = build_jobs(calendar, raw_landing, dbt_groups, published_marts)
    freshness_checks, freshness_sensor = _freshness(calendar)
    return dg.Definitions(
        assets=[raw_landing, *dbt_groups, published_marts],
        asset_checks=freshness_checks,
        jobs=[monthly_job, quarterly_job],
        schedules=[
            build_monthly_schedule(calendar, monthly_job),
            build_quarterly_schedule(calendar, monthly_job),
        ],
        sensors=[
            build_quarter_after_months_sensor(calendar, monthly_job, quarterly_job),
            build_landing_sensor(MONTHLY_AUDIT, calendar),
            build_run_failure_alert_sensor(),
            freshness_sensor,
        ],
        resources={
            **default_resources(),
            "audit_settings": AuditSettingsResource(
                reporting_timezone=settings.reporting_timezone,
                reporting_currency=settings.reporting_currency,
                fiscal_year_start_month=settings.fiscal_year_start_month,
            ),
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
