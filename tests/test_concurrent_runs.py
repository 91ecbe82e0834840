"""A second run (and a CLI run) started while one is writing waits and then succeeds.

The test process holds the warehouse write lock as "run A", the way a running audit does,
and starts a second writer: the `salesaudit run` CLI in a subprocess, or a Dagster run in a
thread. The second writer must log that it waits for run A, and then finish successfully
once the lock is released.
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.cli.run_audit import AuditRequest, run_audit
from orchestration.cli.summary import failure_messages
from orchestration.settings import AuditSettings
from orchestration.warehouse import warehouse_write_lock

HOLDER = "run A (test holder)"
# Generous upper bounds that only keep a broken run from hanging the test session. No
# assertion depends on how long anything takes.
WAIT_LINE_DEADLINE_SECONDS = 120.0
RUN_DEADLINE_SECONDS = 600.0


def _is_wait_line(line: str) -> bool:
    return "Waiting" in line and "warehouse write lock" in line and f"held by {HOLDER}" in line


def _kpi_team_monthly_rows(database: Path) -> int:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute("select count(*) from marts.kpi_team_monthly").fetchone()[0]


@pytest.fixture(scope="module")
def landing_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from orchestration.ingest.sample import generate_company

    landing = tmp_path_factory.mktemp("concurrent") / "landing"
    generate_company(landing, seed=3, scale=0.02, start_month="2024-01", months=3)
    return landing


def _read_lines(stream, lines: queue.Queue) -> None:
    """Copy each line of `stream` into `lines`, then None at end of file."""
    for line in stream:
        lines.put(line)
    lines.put(None)


def _wait_for_line(lines: queue.Queue, seen: list[str]) -> bool:
    """Collect lines into `seen` until the waiting line arrives (True) or output ends (False)."""
    deadline = time.monotonic() + WAIT_LINE_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1.0)
        except queue.Empty:
            continue
        if line is None:
            return False
        seen.append(line)
        if _is_wait_line(line):
            return True
    return False


def _drain(lines: queue.Queue, seen: list[str]) -> None:
    while True:
        try:
            line = lines.get_nowait()
        except queue.Empty:
            return
        if line is not None:
            seen.append(line)


def test_cli_run_waits_for_lock(landing_dir, tmp_path):
    database = tmp_path / "wh.duckdb"
    (tmp_path / "dagster_home").mkdir()
    environment = {
        **os.environ,
        "SALESAUDIT_DATA_DIR": str(tmp_path / "data"),
        "SALESAUDIT_WAREHOUSE": str(database),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable,
        "-m",
        "orchestration.cli.main",
        "run",
        "--landing",
        str(landing_dir),
        "--from",
        "2024-01",
        "--to",
        "2024-03",
        "--warehouse",
        str(database),
    ]
    lines: queue.Queue = queue.Queue()
    seen: list[str] = []

    with contextlib.ExitStack() as held_lock:
        held_lock.enter_context(warehouse_write_lock(database, HOLDER))
        process = subprocess.Popen(
            command,
            cwd=tmp_path,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            reader = threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True)
            reader.start()

            found = _wait_for_line(lines, seen)
            assert found, "The CLI run never logged that it waits for run A:\n" + "".join(seen)
            assert process.poll() is None, "The CLI run exited while run A held the lock"

            held_lock.close()
            exit_code = process.wait(timeout=RUN_DEADLINE_SECONDS)
            reader.join(timeout=10)
            _drain(lines, seen)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()

    output = "".join(seen)
    assert exit_code == 0, f"salesaudit run exited {exit_code}:\n{output}"
    assert _kpi_team_monthly_rows(database) > 0, output


def _wait_log_seen(instance: dg.DagsterInstance) -> bool:
    for run in instance.get_runs():
        for entry in instance.all_logs(run.run_id):
            if _is_wait_line(entry.user_message):
                return True
    return False


def test_dagster_run_waits_for_lock(landing_dir, tmp_path, monkeypatch):
    database = tmp_path / "wh.duckdb"
    # The dbt step sets SALESAUDIT_WAREHOUSE in this process, so monkeypatch restores it after.
    monkeypatch.setenv("SALESAUDIT_WAREHOUSE", str(database))
    monkeypatch.setenv("SALESAUDIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))
    request = AuditRequest(
        landing_dir=landing_dir,
        warehouse=database,
        audit_settings=AuditSettings(reporting_timezone="Asia/Seoul", reporting_currency="KRW"),
        start_month="2024-01",
        end_month="2024-01",
    )
    instance = dg.DagsterInstance.ephemeral()
    outcome: dict[str, object] = {}

    def run_second_writer() -> None:
        try:
            outcome["result"] = run_audit(request, instance=instance)
        except BaseException as err:  # reported by the main thread's assertion
            outcome["error"] = err

    second_writer = threading.Thread(target=run_second_writer, daemon=True)
    with contextlib.ExitStack() as held_lock:
        held_lock.enter_context(warehouse_write_lock(database, HOLDER))
        second_writer.start()

        deadline = time.monotonic() + WAIT_LINE_DEADLINE_SECONDS
        found = False
        while not found and second_writer.is_alive() and time.monotonic() < deadline:
            found = _wait_log_seen(instance)
            if not found:
                time.sleep(0.5)
        assert found, f"The Dagster run never logged that it waits for run A: {outcome}"
        assert second_writer.is_alive(), "The Dagster run finished while run A held the lock"

    second_writer.join(timeout=RUN_DEADLINE_SECONDS)
    assert not second_writer.is_alive(), "The Dagster run did not finish after the release"
    assert "error" not in outcome, f"run_audit raised: {outcome.get('error')!r}"
    result = outcome["result"]
    assert isinstance(result, dg.ExecuteInProcessResult)
    assert result.success, "monthly_audit failed:\n" + "\n".join(failure_messages(result))
    assert _kpi_team_monthly_rows(database) > 0
