"""Detect new or changed landing files and the audit months that their rows fall in.

`scan_landing` lists the files of the native landing layout with their SHA-256, and
`months_touched` loads one file into an in-memory DuckDB database to find the months its
rows belong to. Both are plain functions: the landing sensor (`orchestration.ingest.sensors`)
turns their results into runs of the monthly audit.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path, PurePosixPath

import duckdb

from orchestration.ingest.datasets import DATASETS, DATE, TIMESTAMP, Dataset, dataset
from orchestration.ingest.load import RAW_SCHEMA, load_dataset
from orchestration.ingest.sources import native_files, native_source

HASH_CHUNK_BYTES = 1024 * 1024

# Columns that place a dataset's rows in audit months. A timestamp column (UTC in raw) is
# converted to the reporting zone before it is truncated to the month, and a date column is a
# calendar date that is used as it is. A (start, end) pair of date columns covers every month
# from start to end. A dataset that is not listed here (reps, accounts, contacts, campaigns) is
# reference data without a period of its own, and a change to it affects the latest complete
# month.
PERIOD_COLUMNS: Mapping[str, tuple[str | tuple[str, str], ...]] = {
    "quotas": ("month",),
    "deals": ("created_at", "closed_at", "close_date"),
    "deal_stage_history": ("entered_at",),
    "activities": ("started_at",),
    "time_entries": (("period_start", "period_end"),),
    "email_events": ("occurred_at",),
    "web_events": ("occurred_at",),
    "form_submissions": ("submitted_at",),
    "fx_rates": ("rate_date",),
}


@dataclass(frozen=True)
class LandingFile:
    """One CSV file of the landing layout and its content hash.

    `relative_path` is the POSIX path below the landing folder, such as `activities.csv` or
    `activities/2024-01.csv`. It is the file's key in the sensor cursor.
    """

    dataset: str
    path: Path
    relative_path: str
    size: int
    mtime_ns: int
    sha256: str

    @property
    def landing_dir(self) -> Path:
        """The landing folder the file was found in."""
        depth = len(PurePosixPath(self.relative_path).parts)
        return self.path.parents[depth - 1]

    def cursor_entry(self) -> dict[str, object]:
        """Return the file's stat and hash in the form `scan_landing` accepts as `known`."""
        return {"size": self.size, "mtime_ns": self.mtime_ns, "sha256": self.sha256}


def scan_landing(landing_dir: Path, known: Mapping[str, Mapping]) -> list[LandingFile]:
    """List the landing files of every dataset, in DATASETS order, with their SHA-256.

    `known` maps relative paths to entries with `size`, `mtime_ns` and `sha256`, as
    `LandingFile.cursor_entry` writes them. A file whose size and mtime_ns equal its known
    entry keeps the known hash and is not read. Other files are hashed in 1 MiB chunks. A
    file that disappears while it is scanned is left out. Raises IngestError when a dataset
    has both `<dataset>.csv` and a `<dataset>/` folder of CSV files, and OSError when a file
    cannot be read.
    """
    files: list[LandingFile] = []
    for ds in DATASETS:
        for path in native_files(landing_dir, ds.name):
            landing_file = _scan_file(landing_dir, ds, path, known)
            if landing_file is not None:
                files.append(landing_file)
    return files


def _scan_file(
    landing_dir: Path, ds: Dataset, path: Path, known: Mapping[str, Mapping]
) -> LandingFile | None:
    relative_path = path.relative_to(landing_dir).as_posix()
    try:
        stat = path.stat()
        # NOTE: a file rewritten with the same size within one mtime tick of the filesystem
        # keeps its old hash until its size or mtime changes again.
        sha256 = _known_sha256(known.get(relative_path), stat) or file_sha256(path)
    except FileNotFoundError:
        return None
    return LandingFile(
        dataset=ds.name,
        path=path,
        relative_path=relative_path,
        size=stat.st_size,
        mtime_ns=stat.st_mtime_ns,
        sha256=sha256,
    )


def _known_sha256(entry: Mapping | None, stat: os.stat_result) -> str | None:
    if not isinstance(entry, Mapping):
        return None
    sha256 = entry.get("sha256")
    if (
        isinstance(sha256, str)
        and entry.get("size") == stat.st_size
        and entry.get("mtime_ns") == stat.st_mtime_ns
    ):
        return sha256
    return None


def file_sha256(path: Path) -> str:
    """Return the hex SHA-256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def has_period_columns(dataset_name: str) -> bool:
    """Return whether rows of the dataset belong to months (see PERIOD_COLUMNS)."""
    return dataset_name in PERIOD_COLUMNS


def months_touched(
    landing_file: LandingFile, timezone: str, source_timezone: str | None = None
) -> tuple[date, ...]:
    """Load one landing file and return the sorted first days of the months its rows fall in.

    Months are calendar months in `timezone`, the reporting zone. Timestamps without an offset
    in the file are read in `source_timezone`, which defaults to `timezone` as in the raw
    ingest step. Rows that the load quarantines count for no month. A dataset without
    period columns returns an empty tuple, and so does a file without dated rows: use
    `has_period_columns` to tell the two apart.

    The file is loaded with `load_dataset`, so a file that the audit cannot load raises the
    same IngestError (a ValueError) here.
    """
    ds = dataset(landing_file.dataset)
    source = replace(
        native_source(landing_file.landing_dir, ds, source_timezone or timezone),
        files=(landing_file.path,),
    )
    # A large file spills to a private folder instead of `.tmp` in the working directory.
    with tempfile.TemporaryDirectory(prefix="salesaudit-months-") as spill_dir:
        with duckdb.connect(":memory:", config={"temp_directory": spill_dir}) as connection:
            load_dataset(connection, source)
            periods = PERIOD_COLUMNS.get(ds.name)
            if not periods:
                return ()
            sql = _months_sql(ds, periods)
            # Only timestamp columns use the zone, and DuckDB rejects unused parameters.
            parameters = {"timezone": timezone} if "$timezone" in sql else {}
            rows = connection.execute(sql, parameters).fetchall()
    return tuple(row[0] for row in rows)


def _months_sql(ds: Dataset, periods: tuple[str | tuple[str, str], ...]) -> str:
    table = f'{RAW_SCHEMA}."{ds.name}"'
    selects = []
    for period in periods:
        if isinstance(period, tuple):
            selects.append(_span_months_sql(ds, table, *period))
        else:
            selects.append(
                f"select {_month_sql(ds, period)} as month from {table} "
                f'where "{period}" is not null'
            )
    union = " union ".join(selects)
    return f"select distinct month from ({union}) as months order by month"


def _month_sql(ds: Dataset, column_name: str) -> str:
    """Return SQL for the first day of the reporting-zone month of one date or timestamp column."""
    column_type = ds.column(column_name).type
    quoted = f'"{column_name}"'
    if column_type == TIMESTAMP:
        # Raw timestamps are UTC without a zone: attach UTC, then read the reporting-zone clock.
        return f"date_trunc('month', timezone($timezone, timezone('UTC', {quoted})))::date"
    if column_type == DATE:
        return f"date_trunc('month', {quoted})::date"
    raise ValueError(
        f"Period column {ds.name}.{column_name} has type {column_type}. "
        "PERIOD_COLUMNS may name only date and timestamp columns."
    )


def _span_months_sql(ds: Dataset, table: str, start_column: str, end_column: str) -> str:
    """Return SQL for every month from each row's start month to its end month."""
    start_month = _month_sql(ds, start_column)
    end_month = _month_sql(ds, end_column)
    # Distinct (start, end) pairs first, so that many rows of one period expand only once. A
    # row without an end, or with an end before its start, covers its start month.
    return (
        "select unnest(generate_series(first_month, last_month, interval 1 month))::date "
        "as month from ("
        f"select distinct {start_month} as first_month, "
        f"greatest({start_month}, coalesce({end_month}, {start_month})) as last_month "
        f'from {table} where "{start_column}" is not null) as spans'
    )
