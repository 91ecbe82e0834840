"""Quarantine tables: moving rows that break a rule out of raw.<dataset>, with their lines."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.load import load_dataset
from orchestration.ingest.mapping import plan_sources
from orchestration.quality.quarantine import (
    QUARANTINE_COLUMNS,
    QUARANTINE_SCHEMA,
    ensure_quarantine_table,
    quarantine_rows,
    read_landing_files,
)

ACTIVITIES_HEADER = (
    "activity_id,rep_id,activity_type,started_at,duration_minutes,contact_id,deal_id,"
    "source_system,updated_at\n"
)
LONG_CALLS_SQL = (
    'select _source_file, _record_number from raw."activities" where duration_minutes > 1440'
)


def write_bytes(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def load_activities(root: Path, data: bytes) -> tuple[duckdb.DuckDBPyConnection, Path]:
    landing = root / "landing"
    path = write_bytes(landing / "activities.csv", data)
    connection = duckdb.connect(str(root / "w.duckdb"))
    load_dataset(connection, plan_sources(landing)["activities"])
    return connection, path


def activity_rows(*rows: str) -> bytes:
    return (ACTIVITIES_HEADER + "".join(rows)).encode()


def test_ensure_table_columns(tmp_path):
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    table = ensure_quarantine_table(connection, "activities")
    columns = connection.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = $schema and table_name = 'activities' order by ordinal_position",
        {"schema": QUARANTINE_SCHEMA},
    ).fetchall()
    assert table == 'quarantine."activities"'
    assert [(name, kind.lower()) for name, kind in columns] == list(QUARANTINE_COLUMNS)


def test_ensure_table_keeps_rows(tmp_path):
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    table = ensure_quarantine_table(connection, "reps")
    connection.execute(f"insert into {table} (rule) values ('reps.rule')")
    ensure_quarantine_table(connection, "reps")
    assert connection.execute(f"select count(*) from {table}").fetchone()[0] == 1


def test_ensure_table_unknown_dataset(tmp_path):
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    with pytest.raises(KeyError, match="Unknown dataset 'leads'"):
        ensure_quarantine_table(connection, "leads")


def test_quarantine_rows_moves_failing_rows(tmp_path):
    connection, path = load_activities(
        tmp_path,
        activity_rows(
            "A1,R1,call,2024-01-02 09:00,30,,,crm,\n",
            "A2,R1,call,2024-01-02 10:00,1500,,,crm,\n",
            "A3,R1,call,2024-01-02 11:00,20,,,crm,\n",
        ),
    )
    moved = quarantine_rows(
        connection,
        "activities",
        "activities.duration_minutes.between",
        "duration_minutes is over 1440. Correct the duration.",
        LONG_CALLS_SQL,
        column_name="duration_minutes",
        run_id="run-1",
    )

    loaded = connection.execute("select activity_id from raw.activities order by 1").fetchall()
    row = connection.execute(
        "select _source_file, _record_number, _line_number, rule, reason, column_name, "
        "original_values, run_id from quarantine.activities"
    ).fetchone()

    assert moved == 1
    assert loaded == [("A1",), ("A3",)]
    assert row[:4] == (str(path), 2, 3, "activities.duration_minutes.between")
    assert row[4] == "duration_minutes is over 1440. Correct the duration."
    assert row[5] == "duration_minutes"
    assert row[7] == "run-1"
    original = json.loads(row[6])
    assert original["activity_id"] == "A2"
    assert original["duration_minutes"] == "1500"
    assert original["contact_id"] is None


def test_quarantine_rows_keeps_decimal_text(tmp_path):
    connection, _ = load_activities(
        tmp_path, activity_rows("A1,R1,call,2024-01-02 09:00,5000,,,crm,\n")
    )
    quarantine_rows(connection, "activities", "rule", "reason", LONG_CALLS_SQL)
    text = connection.execute("select original_values from quarantine.activities").fetchone()[0]
    assert json.loads(text)["duration_minutes"] == "5000"


def test_quarantine_rows_keeps_offset_text(tmp_path):
    connection, _ = load_activities(
        tmp_path,
        activity_rows(
            "A1,R1,call,2024-01-02T09:00:00+09:00,30,,,crm,\n",
            "A2,R1,call,2098-01-01T09:00:00+09:00,30,,,crm,\n",
        ),
    )
    future_sql = (
        'select _source_file, _record_number from raw."activities" '
        "where started_at > timestamptz '2090-01-01 00:00:00+00'"
    )
    moved = quarantine_rows(connection, "activities", "rule", "reason", future_sql)
    text = connection.execute("select original_values from quarantine.activities").fetchone()[0]
    assert moved == 1
    assert json.loads(text)["started_at"] == "2098-01-01T09:00:00+09:00"


def test_quarantine_rows_keeps_untrimmed_text(tmp_path):
    connection, _ = load_activities(
        tmp_path, activity_rows("A1 ,R1,call,2024-01-02 09:00,1500,,,crm,\n")
    )
    quarantine_rows(connection, "activities", "rule", "reason", LONG_CALLS_SQL)
    text = connection.execute("select original_values from quarantine.activities").fetchone()[0]
    assert json.loads(text)["activity_id"] == "A1 "


def test_quarantine_rows_cp949_text_exact(tmp_path):
    data = (
        ACTIVITIES_HEADER + "가1,R1,통화,2024-01-02 09:00,30,,,메모,\n"
        '가2,R1,통화,2024-01-02 10:00,1500,,,"영업\n메모",\n'
    ).encode("cp949")
    connection, _ = load_activities(tmp_path, data)
    quarantine_rows(connection, "activities", "rule", "reason", LONG_CALLS_SQL)
    text = connection.execute("select original_values from quarantine.activities").fetchone()[0]
    original = json.loads(text)
    assert original["activity_id"] == "가2"
    assert original["activity_type"] == "통화"
    assert original["source_system"] == "영업\n메모"


def test_quarantine_rows_after_quoted_break_text(tmp_path):
    connection, _ = load_activities(
        tmp_path,
        activity_rows(
            'A1,R1,call,2024-01-02 09:00,30,,,"crm\nexport",\n',
            "\n",
            "A2,R1,call,2024-01-02 10:00,1500.5,,,crm,\n",
        ),
    )
    quarantine_rows(connection, "activities", "rule", "reason", LONG_CALLS_SQL)
    text = connection.execute("select original_values from quarantine.activities").fetchone()[0]
    original = json.loads(text)
    assert original["activity_id"] == "A2"
    assert original["duration_minutes"] == "1500.5"


def test_quarantine_rows_missing_file_keeps_loaded(tmp_path):
    connection, path = load_activities(
        tmp_path, activity_rows("A1,R1,call,2024-01-02 09:00,1500,,,crm,\n")
    )
    path.unlink()
    quarantine_rows(connection, "activities", "rule", "reason", LONG_CALLS_SQL)
    text = connection.execute("select original_values from quarantine.activities").fetchone()[0]
    assert json.loads(text)["duration_minutes"] == "1500.00"


def test_quarantine_rows_mapped_export_text(tmp_path):
    landing = tmp_path / "landing"
    write_bytes(
        landing / "calls.csv",
        b"Id,Owner,Kind,Start,Minutes\nA1,R1,Call,2024-01-02 09:00,1500\n",
    )
    mapping = write_bytes(
        tmp_path / "mapping.yml",
        b"datasets:\n"
        b"  activities:\n"
        b"    files: calls.csv\n"
        b"    columns:\n"
        b"      activity_id: Id\n"
        b"      rep_id: Owner\n"
        b"      started_at: Start\n"
        b"      duration_minutes: Minutes\n"
        b"    values:\n"
        b"      activity_type:\n"
        b"        from: Kind\n"
        b"        map: {Call: call}\n"
        b"    constants:\n"
        b"      source_system: phone\n",
    )
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_dataset(connection, plan_sources(landing, mapping)["activities"])
    quarantine_rows(connection, "activities", "rule", "reason", LONG_CALLS_SQL)
    text = connection.execute("select original_values from quarantine.activities").fetchone()[0]
    original = json.loads(text)
    assert original["activity_id"] == "A1"
    assert original["activity_type"] == "Call"
    assert original["duration_minutes"] == "1500"
    assert original["source_system"] == "phone"


def test_quarantine_rows_nothing_reads_no_file(tmp_path, caplog):
    connection, path = load_activities(
        tmp_path, activity_rows("A1,R1,call,2024-01-02 09:00,30,,,crm,\n")
    )
    # A file that is gone would log a warning if it were read again.
    path.unlink()
    moved = quarantine_rows(connection, "activities", "rule", "reason", LONG_CALLS_SQL)
    assert moved == 0
    assert caplog.records == []


def test_quarantine_rows_second_call_moves_nothing(tmp_path):
    connection, _ = load_activities(
        tmp_path, activity_rows("A1,R1,call,2024-01-02 09:00,1500,,,crm,\n")
    )
    first = quarantine_rows(connection, "activities", "rule", "reason", LONG_CALLS_SQL)
    second = quarantine_rows(connection, "activities", "rule", "reason", LONG_CALLS_SQL)
    assert (first, second) == (1, 0)
    assert connection.execute("select count(*) from quarantine.activities").fetchone()[0] == 1


def test_quarantine_rows_keeps_load_quarantine(tmp_path):
    connection, _ = load_activities(
        tmp_path,
        activity_rows(
            "A1,R1,call,2024-01-02 09:00,1500,,,crm,\n",
            "A2,R1,call,not a time,10,,,crm,\n",
        ),
    )
    quarantine_rows(connection, "activities", "rule", "reason", LONG_CALLS_SQL)
    rules = connection.execute(
        "select rule from quarantine.activities order by _record_number"
    ).fetchall()
    assert rules == [("rule",), ("activities.started_at.type",)]


def test_quarantine_rows_line_after_quoted_break(tmp_path):
    connection, _ = load_activities(
        tmp_path,
        activity_rows(
            'A1,R1,call,2024-01-02 09:00,30,,,"crm\nexport",\n',
            "\n",
            "A2,R1,call,2024-01-02 10:00,1500,,,crm,\n",
        ),
    )
    quarantine_rows(connection, "activities", "rule", "reason", LONG_CALLS_SQL)
    row = connection.execute("select _record_number, _line_number from quarantine.activities")
    assert row.fetchone() == (2, 5)


def test_quarantine_rows_line_in_cp949_file(tmp_path):
    data = (
        ACTIVITIES_HEADER + '가1,R1,call,2024-01-02 09:00,30,,,"메모\n둘째 줄",\n'
        "가2,R1,call,2024-01-02 10:00,1500,,,메모,\n"
    ).encode("cp949")
    connection, _ = load_activities(tmp_path, data)
    quarantine_rows(connection, "activities", "rule", "reason", LONG_CALLS_SQL)
    row = connection.execute(
        "select _line_number, original_values from quarantine.activities"
    ).fetchone()
    assert row[0] == 4
    assert json.loads(row[1])["activity_id"] == "가2"


def test_quarantine_rows_missing_file_leaves_line_null(tmp_path):
    connection, path = load_activities(
        tmp_path, activity_rows("A1,R1,call,2024-01-02 09:00,1500,,,crm,\n")
    )
    path.unlink()
    moved = quarantine_rows(connection, "activities", "rule", "reason", LONG_CALLS_SQL)
    line = connection.execute("select _line_number from quarantine.activities").fetchone()[0]
    assert moved == 1
    assert line is None


def test_quarantine_rows_inside_transaction_raises(tmp_path):
    connection, _ = load_activities(
        tmp_path, activity_rows("A1,R1,call,2024-01-02 09:00,1500,,,crm,\n")
    )
    connection.begin()
    with pytest.raises(RuntimeError, match="without an open transaction"):
        quarantine_rows(connection, "activities", "rule", "reason", LONG_CALLS_SQL)


def test_rows_read_equals_loaded_plus_quarantined(tmp_path):
    landing = tmp_path / "landing"
    write_bytes(
        landing / "activities.csv",
        activity_rows(
            "A1,R1,call,2024-01-02 09:00,30,,,crm,2024-01-03\n",
            "A1,R1,call,2024-01-02 09:00,35,,,crm,2024-01-04\n",
            "A2,R1,call,yesterday,10,,,crm,\n",
            "A3,R1,call,2024-01-02 11:00,1500,,,crm,\n",
        ),
    )
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    result = load_dataset(connection, plan_sources(landing)["activities"])
    quarantine_rows(connection, "activities", "rule", "reason", LONG_CALLS_SQL)
    loaded = connection.execute("select count(*) from raw.activities").fetchone()[0]
    held = connection.execute("select count(*) from quarantine.activities").fetchone()[0]
    assert result.rows_read == 4
    assert result.rows_loaded + result.rows_quarantined == result.rows_read
    assert loaded + held == result.rows_read
    assert (loaded, held) == (1, 3)


def test_landing_files_recorded(tmp_path):
    landing = tmp_path / "landing"
    write_bytes(landing / "reps" / "b.csv", "rep_id;rep_name\nR2;이서연\n".encode("cp949"))
    write_bytes(landing / "reps" / "a.csv", b"rep_id,rep_name\nR1,Kim\nR3,Lee\n")
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_dataset(connection, plan_sources(landing)["reps"])
    files = read_landing_files(connection, "reps")
    assert [(item.file_position, item.encoding, item.delimiter) for item in files] == [
        (0, "utf-8", ","),
        (1, "cp949", ";"),
    ]
    assert [item.record_count for item in files] == [2, 1]


def test_absent_dataset_clears_quarantine(tmp_path):
    connection, path = load_activities(tmp_path, activity_rows("A1,R1,call,not a time,30,,,crm,\n"))
    path.unlink()
    load_dataset(connection, plan_sources(tmp_path / "landing")["activities"])
    assert connection.execute("select count(*) from quarantine.activities").fetchone()[0] == 0
