"""Periods, schedules and the quarterly re-audit, evaluated at fixed times."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from orchestration.definitions import build_definitions
from orchestration.periods import AuditCalendar, month_start, window_months
from orchestration.schedules import REAUDIT_QUARTER_TAG, quarter_month_range
from orchestration.settings import AuditSettings

SEOUL = ZoneInfo("Asia/Seoul")


def _calendar(zone: str = "Asia/Seoul", fiscal_start: int = 1, **kwargs) -> AuditCalendar:
    return AuditCalendar(
        settings=AuditSettings(reporting_timezone=zone, fiscal_year_start_month=fiscal_start),
        first_month=month_start("2023-01"),
        **kwargs,
    )


@pytest.fixture(scope="module")
def april_defs():
    return build_definitions(calendar=_calendar(fiscal_start=4, audit_day=5, audit_hour=7))


def test_seoul_deal_after_midnight_is_february():
    partitions = _calendar().monthly_partitions()
    # 2024-01-31 15:30 UTC is 2024-02-01 00:30 in Seoul.
    closed_at = datetime(2024, 1, 31, 15, 30, tzinfo=UTC)
    assert partitions.get_partition_key_for_timestamp(closed_at.timestamp()) == "2024-02"


def test_month_window_is_half_open():
    partitions = _calendar().monthly_partitions()
    window = partitions.time_window_for_partition_key("2024-02")
    assert window.start == datetime(2024, 2, 1, tzinfo=SEOUL)
    assert window.end == datetime(2024, 3, 1, tzinfo=SEOUL)
    assert window_months(window) == (date(2024, 2, 1), date(2024, 3, 1))
    midnight = datetime(2024, 3, 1, 0, 0, tzinfo=SEOUL)
    assert partitions.get_partition_key_for_timestamp(midnight.timestamp()) == "2024-03"


def test_new_york_months_follow_daylight_saving():
    partitions = _calendar("America/New_York").monthly_partitions()
    window = partitions.time_window_for_partition_key("2024-03")
    # March starts in standard time (UTC-5) and ends in daylight time (UTC-4).
    assert window.start.utcoffset().total_seconds() == -5 * 3600
    assert window.end.utcoffset().total_seconds() == -4 * 3600


def test_april_fiscal_year_puts_may_in_q1():
    calendar = _calendar(fiscal_start=4)
    assert calendar.quarter_start(date(2024, 5, 1)) == date(2024, 4, 1)
    assert calendar.quarter_label(date(2024, 4, 1)) == "FY2025-Q1"
    quarters = calendar.quarterly_partitions()
    may = datetime(2024, 5, 15, tzinfo=SEOUL)
    assert quarters.get_partition_key_for_timestamp(may.timestamp()) == "2024-04"
    assert quarter_month_range("2024-04") == ("2024-04", "2024-06")


def test_invalid_schedule_settings_name_the_variable(monkeypatch):
    monkeypatch.setenv("SALESAUDIT_AUDIT_DAY", "31")
    with pytest.raises(ValueError, match="SALESAUDIT_AUDIT_DAY"):
        AuditCalendar.from_env(AuditSettings())
    monkeypatch.setenv("SALESAUDIT_AUDIT_DAY", "3")
    monkeypatch.setenv("SALESAUDIT_FIRST_AUDIT_MONTH", "2024/01")
    with pytest.raises(ValueError, match="SALESAUDIT_FIRST_AUDIT_MONTH"):
        AuditCalendar.from_env(AuditSettings())


def _evaluate_schedule(defs: dg.Definitions, name: str, at: datetime):
    schedule = defs.resolve_schedule_def(name)
    context = dg.build_schedule_context(scheduled_execution_time=at)
    return schedule.evaluate_tick(context)


def test_monthly_schedule_in_early_march_audits_february(april_defs):
    schedule = april_defs.resolve_schedule_def("monthly_audit_schedule")
    assert schedule.cron_schedule == "0 7 5 * *"
    assert schedule.execution_timezone == "Asia/Seoul"
    result = _evaluate_schedule(
        april_defs, "monthly_audit_schedule", datetime(2025, 3, 5, 7, 0, tzinfo=SEOUL)
    )
    [request] = result.run_requests
    assert request.partition_key == "2025-02"


def test_quarterly_schedule_rebuilds_the_ended_quarter(april_defs):
    schedule = april_defs.resolve_schedule_def("quarterly_reaudit_schedule")
    # Fiscal quarters start in April, July, October and January.
    assert schedule.cron_schedule == "0 7 5 1,4,7,10 *"
    result = _evaluate_schedule(
        april_defs, "quarterly_reaudit_schedule", datetime(2025, 7, 5, 7, 0, tzinfo=SEOUL)
    )
    [request] = result.run_requests
    assert request.tags[ASSET_PARTITION_RANGE_START_TAG] == "2025-04"
    assert request.tags[ASSET_PARTITION_RANGE_END_TAG] == "2025-06"
    assert request.tags[REAUDIT_QUARTER_TAG] == "2025-04"
    assert request.run_key == "reaudit-2025-04"


def _run_status_context(defs: dg.Definitions, tags: dict[str, str]):
    instance = dg.DagsterInstance.ephemeral()
    job = defs.resolve_job_def("monthly_audit")
    run = instance.create_run_for_job(job_def=job, run_id=None, tags=tags)
    return dg.build_run_status_sensor_context(
        sensor_name="quarterly_reaudit_after_months",
        dagster_instance=instance,
        dagster_run=run,
        dagster_event=dg.DagsterEvent(
            event_type_value="PIPELINE_SUCCESS", job_name=job.name, message="success"
        ),
    )


def _publish_audited_months(path, months: list[str]) -> None:
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema marts")
        connection.execute("create table marts.kpi_team_monthly (team varchar, month date)")
        for month in months:
            connection.execute(
                "insert into marts.kpi_team_monthly values ('all', ?)", [f"{month}-01"]
            )


@pytest.fixture
def published(tmp_path, monkeypatch):
    path = tmp_path / "published.duckdb"
    monkeypatch.setenv("SALESAUDIT_PUBLISHED_MARTS", str(path))
    return path


def test_quarter_follows_its_rebuilt_months(april_defs, published):
    _publish_audited_months(published, ["2025-04", "2025-05", "2025-06"])
    sensor = april_defs.resolve_sensor_def("quarterly_reaudit_after_months")
    tags = {ASSET_PARTITION_RANGE_START_TAG: "2025-04", ASSET_PARTITION_RANGE_END_TAG: "2025-06"}
    [request] = sensor(_run_status_context(april_defs, tags))
    assert request.partition_key == "2025-04"


def test_reaudited_month_refreshes_its_quarter(april_defs, published):
    _publish_audited_months(published, ["2025-04", "2025-05", "2025-06", "2025-07"])
    sensor = april_defs.resolve_sensor_def("quarterly_reaudit_after_months")
    [request] = sensor(_run_status_context(april_defs, {"dagster/partition": "2025-05"}))
    assert request.partition_key == "2025-04"


def test_incomplete_quarter_is_not_requested(april_defs, published):
    _publish_audited_months(published, ["2025-07"])
    sensor = april_defs.resolve_sensor_def("quarterly_reaudit_after_months")
    result = sensor(_run_status_context(april_defs, {"dagster/partition": "2025-07"}))
    assert isinstance(result, dg.SkipReason)
    assert isinstance(sensor(_run_status_context(april_defs, {})), dg.SkipReason)
