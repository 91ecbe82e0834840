"""The landing sensor: which runs of the monthly audit a new or changed landing file requests.

The sensor is evaluated by Dagster (`evaluate_tick`) inside definitions with a stand-in
`monthly_audit` job, one asset partitioned like the real audit with a single-run backfill
policy, so partition keys are resolved and range tags can be executed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from dagster import DagsterInstance
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)

from orchestration.ingest.changes import (
    PERIOD_COLUMNS,
    LandingFile,
    file_sha256,
    months_touched,
    scan_landing,
)
from orchestration.ingest.datasets import DATASETS_BY_NAME, DATE, TIMESTAMP
from orchestration.ingest.errors import IngestError
from orchestration.ingest.sensors import (
    LANDING_FILE_TAG,
    LANDING_SHA256_TAG,
    build_landing_sensor,
)
from orchestration.periods import AuditCalendar, month_start
from orchestration.settings import AuditSettings

JOB_NAME = "monthly_audit"
SENSOR_NAME = "landing_files_sensor"
CALENDAR = AuditCalendar(
    settings=AuditSettings(reporting_timezone="Asia/Seoul"), first_month=month_start("2024-01")
)

ACTIVITIES_HEADER = (
    "activity_id,rep_id,activity_type,started_at,duration_minutes,contact_id,deal_id,"
    "source_system,updated_at\n"
)
REPS_HEADER = "rep_id,rep_name,email,team,manager_id,region,hired_on,left_on,updated_at\n"
TIME_ENTRIES_HEADER = "rep_id,period_start,period_end,activity_type,hours,source,updated_at\n"
QUOTAS_HEADER = "rep_id,month,quota_amount,currency,updated_at\n"

# Rows in January and February 2024 in Seoul. 2024-01-31T15:30Z is 1 February 00:30 in Seoul.
ACTIVITIES_JAN_FEB = ACTIVITIES_HEADER + (
    "A1,R1,call,2024-01-10T01:00:00Z,30,,,crm,\nA2,R1,call,2024-01-31T15:30:00Z,15,,,crm,\n"
)
# The re-uploaded export: February and March.
ACTIVITIES_FEB_MAR = ACTIVITIES_HEADER + (
    "A3,R1,email,2024-02-02T01:00:00Z,5,,,crm,\nA4,R1,meeting,2024-03-15T05:00:00Z,60,,,crm,\n"
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


class ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self, level: int = logging.DEBUG) -> list[str]:
        return [record.getMessage() for record in self.records if record.levelno >= level]


def stand_in_definitions(max_tick_seconds: float = 40.0) -> dg.Definitions:
    """Definitions with a `monthly_audit` job partitioned like the real one, and the sensor."""

    @dg.asset(
        partitions_def=CALENDAR.monthly_partitions(),
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def audited_months(context) -> None:
        key_range = context.partition_key_range
        context.add_output_metadata({"first": key_range.start, "last": key_range.end})

    job = dg.define_asset_job(JOB_NAME, selection=[audited_months])
    sensor = build_landing_sensor(JOB_NAME, CALENDAR, max_tick_seconds=max_tick_seconds)
    return dg.Definitions(assets=[audited_months], jobs=[job], sensors=[sensor])


class Tick:
    """The outcome of one sensor evaluation: run requests, skip message, cursor and log."""

    def __init__(self, data, log: ListHandler) -> None:
        self.run_requests: list[dg.RunRequest] = list(data.run_requests)
        self.skip_message: str | None = data.skip_message
        self.cursor: str | None = data.cursor
        self.log = log

    @property
    def entries(self) -> dict:
        return json.loads(self.cursor or "{}")


def evaluate(defs: dg.Definitions, instance: DagsterInstance, cursor: str | None = None) -> Tick:
    sensor = defs.resolve_sensor_def(SENSOR_NAME)
    context = dg.build_sensor_context(
        cursor=cursor, instance=instance, definitions=defs, sensor_name=SENSOR_NAME
    )
    handler = ListHandler()
    context.log.addHandler(handler)
    return Tick(sensor.evaluate_tick(context), handler)


@pytest.fixture
def landing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "landing"
    folder.mkdir()
    monkeypatch.setenv("SALESAUDIT_LANDING_DIR", str(folder))
    return folder


@pytest.fixture
def instance():
    with DagsterInstance.ephemeral() as ephemeral:
        yield ephemeral


@pytest.fixture
def defs() -> dg.Definitions:
    return stand_in_definitions()


def landing_file(landing: Path, relative_path: str, dataset: str) -> LandingFile:
    path = landing / relative_path
    stat = path.stat()
    return LandingFile(
        dataset=dataset,
        path=path,
        relative_path=relative_path,
        size=stat.st_size,
        mtime_ns=stat.st_mtime_ns,
        sha256=file_sha256(path),
    )


# months_touched


def test_months_touched_time_entries_spanning_months(tmp_path: Path):
    write(
        tmp_path / "time_entries.csv",
        TIME_ENTRIES_HEADER
        + "R1,2024-01-15,2024-03-10,call,10,survey,\n"
        + "R1,2024-05-01,2024-05-31,call,8,survey,\n"
        + "R2,2024-05-01,2024-05-31,email,4,survey,\n",
    )

    months = months_touched(landing_file(tmp_path, "time_entries.csv", "time_entries"), "UTC")

    assert months == (date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1), date(2024, 5, 1))


def test_months_touched_time_entries_end_before_start(tmp_path: Path):
    write(
        tmp_path / "time_entries.csv", TIME_ENTRIES_HEADER + "R1,2024-06-10,2024-04-01,call,1,s,\n"
    )

    months = months_touched(landing_file(tmp_path, "time_entries.csv", "time_entries"), "UTC")

    assert months == (date(2024, 6, 1),)


def test_months_touched_dates_ignore_zone(tmp_path: Path):
    write(
        tmp_path / "time_entries.csv", TIME_ENTRIES_HEADER + "R1,2024-01-31,2024-01-31,call,1,s,\n"
    )
    file = landing_file(tmp_path, "time_entries.csv", "time_entries")

    assert months_touched(file, "Asia/Seoul") == (date(2024, 1, 1),)
    assert months_touched(file, "America/Los_Angeles") == (date(2024, 1, 1),)


def test_months_touched_timestamps_in_reporting_zone(tmp_path: Path):
    write(
        tmp_path / "activities.csv",
        ACTIVITIES_HEADER + "A1,R1,call,2024-01-31T15:30:00Z,1,,,crm,\n",
    )
    file = landing_file(tmp_path, "activities.csv", "activities")

    assert months_touched(file, "Asia/Seoul") == (date(2024, 2, 1),)
    assert months_touched(file, "UTC") == (date(2024, 1, 1),)


def test_months_touched_naive_timestamps_read_in_source_zone(tmp_path: Path):
    # 2024-02-01 00:30 without an offset is that Seoul time, and 15:30 UTC the day before.
    write(
        tmp_path / "activities.csv", ACTIVITIES_HEADER + "A1,R1,call,2024-02-01 00:30:00,1,,,crm,\n"
    )
    file = landing_file(tmp_path, "activities.csv", "activities")

    assert months_touched(file, "Asia/Seoul") == (date(2024, 2, 1),)
    assert months_touched(file, "UTC", source_timezone="Asia/Seoul") == (date(2024, 1, 1),)


def test_months_touched_reference_dataset_empty(tmp_path: Path):
    write(tmp_path / "reps.csv", REPS_HEADER + "R1,Kim,kim@example.com,Seoul,,Seoul,2020-01-02,,\n")

    assert months_touched(landing_file(tmp_path, "reps.csv", "reps"), "Asia/Seoul") == ()


def test_months_touched_skips_quarantined_rows(tmp_path: Path):
    write(
        tmp_path / "activities.csv",
        ACTIVITIES_HEADER
        + "A1,R1,call,2024-01-10T01:00:00Z,1,,,crm,\n"
        + "A2,R1,call,not a time,1,,,crm,\n",
    )

    months = months_touched(landing_file(tmp_path, "activities.csv", "activities"), "UTC")

    assert months == (date(2024, 1, 1),)


def test_months_touched_missing_column_raises(tmp_path: Path):
    write(tmp_path / "activities.csv", "activity_id,rep_id\nA1,R1\n")

    with pytest.raises(IngestError, match="activity_type|started_at"):
        months_touched(landing_file(tmp_path, "activities.csv", "activities"), "UTC")


def test_period_columns_are_dates_or_timestamps():
    for dataset_name, periods in PERIOD_COLUMNS.items():
        ds = DATASETS_BY_NAME[dataset_name]
        for period in periods:
            for column_name in period if isinstance(period, tuple) else (period,):
                assert ds.column(column_name).type in (DATE, TIMESTAMP), (
                    f"{dataset_name}.{column_name}"
                )


# scan_landing


def test_scan_landing_both_layouts_and_hidden(landing: Path):
    write(landing / "reps.csv", REPS_HEADER)
    write(landing / "activities" / "2024-01.csv", ACTIVITIES_JAN_FEB)
    write(landing / "activities" / ".partial.csv", ACTIVITIES_JAN_FEB)
    write(landing / "unknown.csv", "a\n1\n")

    files = scan_landing(landing, {})

    assert [(f.dataset, f.relative_path) for f in files] == [
        ("reps", "reps.csv"),
        ("activities", "activities/2024-01.csv"),
    ]
    assert files[1].sha256 == file_sha256(landing / "activities" / "2024-01.csv")
    assert files[1].landing_dir == landing


def test_scan_landing_reuses_known_hash(landing: Path):
    path = write(landing / "activities.csv", ACTIVITIES_JAN_FEB)
    stat = path.stat()
    known = {
        "activities.csv": {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": "kept"}
    }

    assert scan_landing(landing, known)[0].sha256 == "kept"

    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))

    assert scan_landing(landing, known)[0].sha256 == file_sha256(path)


def test_scan_landing_hashes_large_file_in_chunks(landing: Path):
    # Three chunks and a bit: the digest must cover every chunk.
    body = "".join(f"A{i},R1,call,2024-01-10T01:00:00Z,1,,,crm,\n" for i in range(90_000))
    path = write(landing / "activities.csv", ACTIVITIES_HEADER + body)
    assert path.stat().st_size > 3 * 1024 * 1024

    assert scan_landing(landing, {})[0].sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


# The sensor, tick by tick


def test_new_activities_file_requests_range(landing, defs, instance):
    path = write(landing / "activities.csv", ACTIVITIES_JAN_FEB)
    sha256 = file_sha256(path)

    tick = evaluate(defs, instance)

    assert tick.skip_message is None
    assert len(tick.run_requests) == 1
    request = tick.run_requests[0]
    assert request.run_key == f"activities.csv@{sha256}"
    assert request.partition_key is None
    assert request.tags[ASSET_PARTITION_RANGE_START_TAG] == "2024-01"
    assert request.tags[ASSET_PARTITION_RANGE_END_TAG] == "2024-02"
    assert request.tags[LANDING_FILE_TAG] == "activities.csv"
    assert request.tags[LANDING_SHA256_TAG] == sha256
    assert tick.entries == {
        "activities.csv": {
            "size": path.stat().st_size,
            "mtime_ns": path.stat().st_mtime_ns,
            "sha256": sha256,
        }
    }


def test_range_request_runs_every_month(landing, defs, instance):
    write(landing / "activities.csv", ACTIVITIES_JAN_FEB)
    request = evaluate(defs, instance).run_requests[0]

    result = defs.resolve_job_def(JOB_NAME).execute_in_process(instance=instance, tags=request.tags)

    assert result.success
    materializations = result.asset_materializations_for_node("audited_months")
    assert sorted(m.partition for m in materializations) == ["2024-01", "2024-02"]


def test_unchanged_file_skips(landing, defs, instance):
    write(landing / "activities.csv", ACTIVITIES_JAN_FEB)
    first = evaluate(defs, instance)

    second = evaluate(defs, instance, cursor=first.cursor)

    assert second.run_requests == []
    assert second.skip_message is not None
    assert "No new or changed files" in second.skip_message
    assert second.entries == first.entries


def test_changed_content_requests_new_run(landing, defs, instance):
    path = write(landing / "activities.csv", ACTIVITIES_JAN_FEB)
    first = evaluate(defs, instance)
    write(path, ACTIVITIES_FEB_MAR)

    second = evaluate(defs, instance, cursor=first.cursor)

    assert len(second.run_requests) == 1
    request = second.run_requests[0]
    assert request.run_key == f"activities.csv@{file_sha256(path)}"
    assert request.run_key != first.run_requests[0].run_key
    assert request.tags[ASSET_PARTITION_RANGE_START_TAG] == "2024-02"
    assert request.tags[ASSET_PARTITION_RANGE_END_TAG] == "2024-03"
    assert second.entries["activities.csv"]["sha256"] == file_sha256(path)


def test_touched_mtime_requests_nothing(landing, defs, instance):
    path = write(landing / "activities.csv", ACTIVITIES_JAN_FEB)
    first = evaluate(defs, instance)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))

    second = evaluate(defs, instance, cursor=first.cursor)

    assert second.run_requests == []
    assert second.skip_message is not None
    assert second.entries["activities.csv"]["mtime_ns"] == stat.st_mtime_ns + 5_000_000_000
    assert second.entries["activities.csv"]["sha256"] == first.entries["activities.csv"]["sha256"]


def test_reps_file_requests_latest_month(landing, defs, instance):
    path = write(landing / "reps.csv", REPS_HEADER + "R1,Kim,kim@example.com,Seoul,,Seoul,,,\n")

    tick = evaluate(defs, instance)

    assert len(tick.run_requests) == 1
    request = tick.run_requests[0]
    latest = CALENDAR.monthly_partitions().get_last_partition_key()
    assert request.partition_key == latest
    assert request.tags[PARTITION_NAME_TAG] == latest
    assert ASSET_PARTITION_RANGE_START_TAG not in request.tags
    assert request.run_key == f"reps.csv@{file_sha256(path)}"


def test_single_month_uses_partition_key(landing, defs, instance):
    write(
        landing / "quotas.csv", QUOTAS_HEADER + "R1,2024-03-01,1000,KRW,\nR2,2024-03-01,900,KRW,\n"
    )

    request = evaluate(defs, instance).run_requests[0]

    assert request.partition_key == "2024-03"
    assert request.tags[PARTITION_NAME_TAG] == "2024-03"
    assert ASSET_PARTITION_RANGE_START_TAG not in request.tags


def test_malformed_file_logs_and_records(landing, defs, instance):
    path = write(landing / "activities.csv", "activity_id,rep_id\nA1,R1\n")

    tick = evaluate(defs, instance)

    assert tick.run_requests == []
    assert tick.skip_message is not None
    assert "activities.csv" in tick.skip_message
    errors = tick.log.messages(logging.ERROR)
    assert len(errors) == 1
    assert "Landing file activities.csv" in errors[0]
    assert "could not be loaded" in errors[0]
    assert "missing required column 'activity_type'" in errors[0]
    assert tick.entries["activities.csv"]["sha256"] == file_sha256(path)

    again = evaluate(defs, instance, cursor=tick.cursor)

    assert again.run_requests == []
    assert again.log.messages(logging.ERROR) == []


def test_fixed_malformed_file_runs(landing, defs, instance):
    path = write(landing / "activities.csv", "activity_id,rep_id\nA1,R1\n")
    broken = evaluate(defs, instance)
    write(path, ACTIVITIES_JAN_FEB)

    fixed = evaluate(defs, instance, cursor=broken.cursor)

    assert [r.run_key for r in fixed.run_requests] == [f"activities.csv@{file_sha256(path)}"]


def test_months_outside_partitions_logged(landing, defs, instance):
    # December 2023 is before the first partition, and the current month is not complete.
    current = datetime.now(ZoneInfo(CALENDAR.timezone)).strftime("%Y-%m")
    write(
        landing / "activities.csv",
        ACTIVITIES_HEADER
        + "A1,R1,call,2023-12-10T01:00:00Z,1,,,crm,\n"
        + "A2,R1,call,2024-02-10T01:00:00Z,1,,,crm,\n"
        + f"A3,R1,call,{current}-15T01:00:00Z,1,,,crm,\n",
    )

    tick = evaluate(defs, instance)

    request = tick.run_requests[0]
    assert request.partition_key == "2024-02"
    warnings = tick.log.messages(logging.WARNING)
    assert len(warnings) == 1
    assert "2 months outside" in warnings[0]
    assert "2023-12" in warnings[0]
    assert current in warnings[0]


def test_only_outside_months_requests_nothing(landing, defs, instance):
    write(
        landing / "activities.csv", ACTIVITIES_HEADER + "A1,R1,call,2023-12-10T01:00:00Z,1,,,crm,\n"
    )

    tick = evaluate(defs, instance)

    assert tick.run_requests == []
    assert "activities.csv" in tick.entries
    assert any("2023-12" in message for message in tick.log.messages(logging.WARNING))


def test_many_outside_months_summarized(landing, defs, instance):
    rows = "".join(
        f"A{month},R1,call,2023-{month:02d}-10T01:00:00Z,1,,,crm,\n" for month in range(1, 13)
    )
    write(landing / "activities.csv", ACTIVITIES_HEADER + rows)

    tick = evaluate(defs, instance)

    assert tick.run_requests == []
    warnings = tick.log.messages(logging.WARNING)
    assert len(warnings) == 1
    assert "12 months outside" in warnings[0]
    assert "2023-01, 2023-02, 2023-03, 2023-04, 2023-05, ... 2023-12" in warnings[0]
    assert "(6 more not listed)" in warnings[0]
    assert "2023-06" not in warnings[0]


def test_missing_landing_folder_skips(landing, defs, instance):
    landing.rmdir()

    tick = evaluate(defs, instance, cursor='{"reps.csv": {}}')

    assert tick.run_requests == []
    assert tick.skip_message is not None
    assert "does not exist" in tick.skip_message
    assert tick.cursor == '{"reps.csv": {}}'


def test_one_request_per_file(landing, defs, instance):
    write(
        landing / "activities" / "jan.csv",
        ACTIVITIES_HEADER + "A1,R1,call,2024-01-10T01:00:00Z,1,,,crm,\n",
    )
    write(
        landing / "activities" / "mar.csv",
        ACTIVITIES_HEADER + "A2,R1,call,2024-03-10T01:00:00Z,1,,,crm,\n",
    )

    tick = evaluate(defs, instance)

    by_file = {r.tags[LANDING_FILE_TAG]: r for r in tick.run_requests}
    assert sorted(by_file) == ["activities/jan.csv", "activities/mar.csv"]
    assert by_file["activities/jan.csv"].partition_key == "2024-01"
    assert by_file["activities/mar.csv"].partition_key == "2024-03"


def test_deleted_file_dropped_from_cursor(landing, defs, instance):
    path = write(landing / "activities.csv", ACTIVITIES_JAN_FEB)
    first = evaluate(defs, instance)
    path.unlink()

    second = evaluate(defs, instance, cursor=first.cursor)

    assert second.run_requests == []
    assert second.entries == {}


def test_tick_budget_defers_files(landing, instance):
    defs = stand_in_definitions(max_tick_seconds=0)
    write(landing / "reps.csv", REPS_HEADER + "R1,Kim,kim@example.com,Seoul,,Seoul,,,\n")
    write(landing / "activities.csv", ACTIVITIES_JAN_FEB)

    first = evaluate(defs, instance)

    assert [r.tags[LANDING_FILE_TAG] for r in first.run_requests] == ["reps.csv"]
    assert list(first.entries) == ["reps.csv"]

    second = evaluate(defs, instance, cursor=first.cursor)

    assert [r.tags[LANDING_FILE_TAG] for r in second.run_requests] == ["activities.csv"]
    assert sorted(second.entries) == ["activities.csv", "reps.csv"]


def test_invalid_cursor_checks_again(landing, defs, instance):
    path = write(landing / "activities.csv", ACTIVITIES_JAN_FEB)

    tick = evaluate(defs, instance, cursor="not json")

    assert [r.run_key for r in tick.run_requests] == [f"activities.csv@{file_sha256(path)}"]
    assert any("not valid JSON" in message for message in tick.log.messages(logging.WARNING))


def test_layout_conflict_skips(landing, defs, instance):
    write(landing / "activities.csv", ACTIVITIES_JAN_FEB)
    write(landing / "activities" / "more.csv", ACTIVITIES_FEB_MAR)

    tick = evaluate(defs, instance, cursor="{}")

    assert tick.run_requests == []
    assert tick.skip_message is not None
    assert "both" in tick.skip_message
    assert tick.cursor == "{}"


def test_sensor_definition():
    sensor = build_landing_sensor(JOB_NAME, CALENDAR)

    assert sensor.name == SENSOR_NAME
    assert sensor.job_name == JOB_NAME
    assert sensor.minimum_interval_seconds == 60
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
    assert "landing folder" in (sensor.description or "")


def test_stand_in_definitions_load():
    dg.Definitions.validate_loadable(stand_in_definitions())
