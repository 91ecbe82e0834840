"""The DuckDB warehouse resource and the write lock that serializes every writer.

DuckDB allows one writing process per database file, and Dagster's default executor runs
steps in separate processes. Every write (ingestion, dbt, publishing) therefore happens
inside `WarehouseResource.write_lock()`, an OS file lock beside the database file. It is
the same lock for Dagster runs and CLI runs, so a second writer waits, with a log line
naming who it waits for, instead of failing on DuckDB's own lock.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from filelock import FileLock, Timeout
from pydantic import Field

from orchestration import settings

logger = logging.getLogger(__name__)

# The Dagster concurrency pool every asset that writes the warehouse belongs to. With the
# pool limit at 1 (deploy/dagster.yaml) a second run's writing step waits in Dagster, and
# the file lock above covers writers outside this Dagster instance, such as the CLI.
WAREHOUSE_POOL = "salesaudit_warehouse"

# How often a waiting writer repeats its log line.
WAIT_LOG_INTERVAL_SECONDS = 30.0


def lock_path_for(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def _owner_path_for(database: Path) -> Path:
    return database.with_name(database.name + ".lock.owner")


@contextmanager
def warehouse_write_lock(
    database: Path,
    purpose: str,
    timeout_seconds: float | None = None,
    log: logging.Logger | None = None,
) -> Iterator[None]:
    """Hold the cross-process write lock for `database` while the block runs.

    `purpose` is recorded in a side file so that a waiting writer can log what it waits for.
    Raises TimeoutError when `timeout_seconds` passes without the lock.
    """
    log = log or logger
    database.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_path_for(database)))
    owner_file = _owner_path_for(database)
    started = time.monotonic()
    # The first attempt does not wait, so a writer that has to wait says so at once.
    poll = 0.0
    while True:
        try:
            lock.acquire(timeout=poll)
            break
        except Timeout:
            waited = time.monotonic() - started
            holder = owner_file.read_text().strip() if owner_file.exists() else "another writer"
            log.info(
                "Waiting %.0f s for the warehouse write lock on %s, held by %s",
                waited,
                database,
                holder,
            )
            if timeout_seconds is not None and waited >= timeout_seconds:
                raise TimeoutError(
                    f"Timed out after {waited:.0f} s waiting for the write lock on {database}, "
                    f"held by {holder}. Wait for that run to finish, or stop it."
                ) from None
            poll = WAIT_LOG_INTERVAL_SECONDS
            if timeout_seconds is not None:
                poll = max(0.0, min(poll, timeout_seconds - waited))
    try:
        owner_file.write_text(f"{purpose} (pid {os.getpid()} on {socket.gethostname()})\n")
        yield
    finally:
        owner_file.unlink(missing_ok=True)
        lock.release()


class WarehouseResource(dg.ConfigurableResource):
    """The embedded DuckDB warehouse file that ingestion and dbt write to."""

    path: str = Field(
        default="",
        description="DuckDB file path; empty means SALESAUDIT_WAREHOUSE or data/warehouse.duckdb.",
    )

    @property
    def database(self) -> Path:
        return Path(self.path).resolve() if self.path else settings.warehouse_path()

    @contextmanager
    def write_lock(self, purpose: str, log: logging.Logger | None = None) -> Iterator[None]:
        with warehouse_write_lock(self.database, purpose, log=log):
            yield

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open a DuckDB connection. Writers must hold `write_lock()` around this block."""
        self.database.parent.mkdir(parents=True, exist_ok=True)
        connection = duckdb.connect(str(self.database), read_only=read_only)
        try:
            yield connection
        finally:
            connection.close()
