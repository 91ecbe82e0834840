"""The warehouse write lock: a second writer waits, logs which run holds the lock, then proceeds."""

from __future__ import annotations

import logging
import multiprocessing
import time
from pathlib import Path

import pytest

from orchestration import warehouse
from orchestration.warehouse import warehouse_write_lock


def _hold_lock(database: str, seconds: float, ready) -> None:
    with warehouse_write_lock(Path(database), "test holder"):
        ready.set()
        time.sleep(seconds)


@pytest.fixture
def fast_wait_log(monkeypatch):
    monkeypatch.setattr(warehouse, "WAIT_LOG_INTERVAL_SECONDS", 0.2)


def test_second_writer_waits_then_runs(tmp_path, fast_wait_log, caplog):
    database = tmp_path / "w.duckdb"
    ready = multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold_lock, args=(str(database), 1.0, ready))
    holder.start()
    ready.wait(10)
    started = time.monotonic()
    with caplog.at_level(logging.INFO, logger="orchestration.warehouse"):
        with warehouse_write_lock(database, "second writer"):
            waited = time.monotonic() - started
    holder.join()
    assert waited >= 0.5
    assert any("held by test holder" in record.getMessage() for record in caplog.records)


def test_writer_times_out_with_holder_named(tmp_path, fast_wait_log):
    database = tmp_path / "w.duckdb"
    ready = multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold_lock, args=(str(database), 2.0, ready))
    holder.start()
    ready.wait(10)
    with pytest.raises(TimeoutError, match="held by test holder"):
        with warehouse_write_lock(database, "impatient", timeout_seconds=0.4):
            pass
    holder.join()


def test_lock_released_after_error(tmp_path):
    database = tmp_path / "w.duckdb"
    with pytest.raises(RuntimeError):
        with warehouse_write_lock(database, "failing writer"):
            raise RuntimeError("boom")
    with warehouse_write_lock(database, "next writer", timeout_seconds=1):
        pass
