"""Quarantine: rows that fail a rule move from `raw.<dataset>` to `quarantine.<dataset>`.

A quarantined row keeps where it came from (`_source_file`, `_record_number` and the
physical `_line_number` it starts on), the rule it broke, a reason a person can act on,
and its original values as a JSON object (column -> text). Rows move, never copy: a
record is in the raw table or in quarantine, so rows read = rows loaded + rows quarantined.

The loader quarantines values that do not convert to their column type and superseded
duplicate keys itself; a quality gate quarantines rule failures with `quarantine_rows`.
Original values are the file's text, not the loaded values: a decimal `5000` stays
"5000" and a timestamp keeps its offset. The loader stores the text of records that fail
to convert as it reads them. For rows moved later (rule failures and superseded keys),
only the files that have such rows are read again. The loader records in
`raw._landing_files` how it read each file: encoding, delimiter, record count, and
which header position or constant filled each column. Line numbers come from the same
record, and nothing is read again when no row moves.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.ingest.datasets import Dataset, dataset
from orchestration.ingest.errors import IngestError
from orchestration.ingest.lines import record_start_lines
from orchestration.ingest.records import (
    ColumnSource,
    column_sources_json,
    parse_column_sources,
    read_original_values,
)

logger = logging.getLogger(__name__)

QUARANTINE_SCHEMA = "quarantine"

# Columns of every quarantine table. `column_name` is NULL for rules about a whole row;
# `run_id` is set by the caller and may be NULL.
QUARANTINE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_source_file", "varchar"),
    ("_record_number", "bigint"),
    ("_line_number", "bigint"),
    ("rule", "varchar"),
    ("reason", "varchar"),
    ("column_name", "varchar"),
    ("original_values", "varchar"),
    ("run_id", "varchar"),
)

LANDING_FILES_TABLE = 'raw."_landing_files"'
_LANDING_FILES_DDL = (
    f"create table if not exists {LANDING_FILES_TABLE} (dataset varchar, "
    "source_file varchar, file_position integer, encoding varchar, delimiter varchar, "
    "record_count bigint, header_width integer, column_sources varchar)"
)
# Columns added after the first release; a warehouse from then gets them on its next load.
_LANDING_FILES_ADDED_COLUMNS = (("header_width", "integer"), ("column_sources", "varchar"))


@dataclass(frozen=True)
class LandingFile:
    """The reading options of one loaded landing file, to find a record's line and text later.

    `header_width` is the number of header columns, and `column_sources` maps each
    canonical column the file filled to its header position or mapping constant. A file
    recorded before they existed has 0 and no sources, so its rows keep loaded values.
    """

    source_file: str
    file_position: int
    encoding: str
    delimiter: str
    record_count: int
    header_width: int = 0
    column_sources: dict[str, ColumnSource] = field(default_factory=dict)


def quarantine_table_name(dataset_name: str) -> str:
    """Return the quoted, schema-qualified quarantine table of a dataset."""
    return f'{QUARANTINE_SCHEMA}."{dataset(dataset_name).name}"'


def quarantine_table_ddl(table: str, replace: bool = False) -> str:
    """Return DDL creating a quarantine table named `table` (quoted, schema-qualified)."""
    columns = ", ".join(f'"{name}" {column_type}' for name, column_type in QUARANTINE_COLUMNS)
    create = "create or replace table" if replace else "create table if not exists"
    return f"{create} {table} ({columns})"


def ensure_quarantine_table(connection: duckdb.DuckDBPyConnection, dataset_name: str) -> str:
    """Create `quarantine.<dataset>` unless it exists, and return its quoted name."""
    table = quarantine_table_name(dataset_name)
    connection.execute(f"create schema if not exists {QUARANTINE_SCHEMA}")
    connection.execute(quarantine_table_ddl(table))
    return table


def quarantine_rows(
    connection: duckdb.DuckDBPyConnection,
    dataset_name: str,
    rule: str,
    reason: str,
    failing_rows_sql: str,
    column_name: str | None = None,
    run_id: str | None = None,
) -> int:
    """Move the rows that `failing_rows_sql` selects from `raw.<dataset>` to quarantine.

    `failing_rows_sql` is a SELECT returning `_source_file, _record_number` of the rows
    that break `rule`. The insert into `quarantine.<dataset>` and the delete from the raw
    table commit together, and the moved rows then get their line numbers. Returns how
    many rows moved. The connection must not have a transaction open.
    """
    ds = dataset(dataset_name)
    keys_table = "_quarantine_keys"
    target = quarantine_table_name(ds.name)
    _require_autocommit(connection, "quarantine_rows")
    # The keys and their original text are gathered before the transaction, because a
    # failed read of a file would abort an open DuckDB transaction.
    connection.execute(
        f"create or replace temp table {keys_table} as select distinct _source_file, "
        f"_record_number, null::varchar as original_values from ({failing_rows_sql}) "
        "as failing_rows"
    )
    try:
        files = read_landing_files(connection, ds.name)
        fill_original_values(connection, keys_table, files)
        _begin(connection, "quarantine_rows")
        try:
            ensure_quarantine_table(connection, ds.name)
            moved = move_rows(
                connection,
                ds,
                source_table=f'raw."{ds.name}"',
                target_table=target,
                keys_table=keys_table,
                rule=rule,
                reason_sql="$reason",
                parameters={"reason": reason, "column_name": column_name, "run_id": run_id},
            )
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
    finally:
        connection.execute(f"drop table if exists {keys_table}")
    if moved:
        fill_line_numbers(connection, target, files)
    return moved


def move_rows(
    connection: duckdb.DuckDBPyConnection,
    ds: Dataset,
    source_table: str,
    target_table: str,
    keys_table: str,
    rule: str,
    reason_sql: str,
    parameters: dict[str, object],
) -> int:
    """Insert the rows of `source_table` listed in `keys_table` into `target_table`, delete them.

    `keys_table` has `_source_file`, `_record_number` and `original_values` (and any
    column `reason_sql` reads as `keys.<name>`). A row whose `original_values` is NULL,
    because its file could not be read again, stores its loaded values as text instead.
    `parameters` must hold `column_name` and `run_id`, plus any other `$name` that
    `reason_sql` uses. Returns the number of rows moved; the caller owns the transaction.
    """
    insert = (
        f"insert into {target_table} select source_rows._source_file, "
        "source_rows._record_number, null, $rule, "
        f"{reason_sql}, $column_name, "
        f"coalesce(keys.original_values, {original_values_sql(ds, 'source_rows')}), $run_id "
        f"from {source_table} as source_rows join {keys_table} as keys "
        "on source_rows._source_file = keys._source_file "
        "and source_rows._record_number = keys._record_number"
    )
    moved = connection.execute(insert, {**parameters, "rule": rule}).fetchone()[0]
    if moved:
        connection.execute(
            f"delete from {source_table} as source_rows using {keys_table} as keys "
            "where source_rows._source_file = keys._source_file "
            "and source_rows._record_number = keys._record_number"
        )
    return moved


def original_values_sql(ds: Dataset, alias: str) -> str:
    """Return SQL for a row's loaded dataset columns as a JSON object text of column -> text.

    This is the fallback for a row whose file cannot be read again: typed values cast to
    text, so decimals gain digits and timestamps are in UTC.
    """
    # Column names come from the dataset contract, so they are safe as literals.
    pairs = ", ".join(f"'{column}', {alias}.\"{column}\"::varchar" for column in ds.column_names)
    return f"json_object({pairs})::varchar"


def quarantine_superseded(
    connection: duckdb.DuckDBPyConnection,
    ds: Dataset,
    table: str,
    target_table: str,
    files: Sequence[LandingFile],
    run_id: str | None = None,
) -> int:
    """Move every row of `table` whose key another row supersedes to `target_table`.

    For rows sharing the dataset's key, the latest `updated_at` wins; a row without one
    loses to a row with one. On a tie, the row later in file order wins: `files` gives
    the order of the files, then the record number. Rows with a NULL key part are never
    duplicates. Original values come from reading the files of the moved rows again.
    Returns the number of rows moved; the rule is `<dataset>.superseded`. The caller owns
    the transaction, which must not be an explicit one: a failed read would abort it.
    """
    keys = ", ".join(f'"{column}"' for column in ds.key)
    key_present = " and ".join(f'"{column}" is not null' for column in ds.key)
    hashes_table = "_duplicate_key_hashes"
    superseded_table = "_superseded_rows"
    # Grouping by a hash of the key is about twice as fast as grouping by the text key,
    # and a table without duplicates stops after it. A hash collision only sends rows of
    # different keys to the ranking below, which partitions by the key itself.
    connection.execute(
        f"create or replace temp table {hashes_table} as select hash({keys}) as key_hash "
        f"from {table} where {key_present} group by all having count(*) > 1"
    )
    try:
        if not connection.execute(f"select count(*) from {hashes_table}").fetchone()[0]:
            return 0
        newest_first = ", ".join(
            [
                *(['"updated_at" desc nulls last'] if "updated_at" in ds.column_names else []),
                "list_position($files, _source_file) desc",
                "_record_number desc",
            ]
        )
        connection.execute(
            f"create or replace temp table {superseded_table} as "
            f"with candidate_rows as (select * from {table} where {key_present} "
            f"and hash({keys}) in (select key_hash from {hashes_table})), "
            "ranked_rows as (select *, row_number() over newest as version_rank, "
            "first_value(_source_file) over newest as winner_file, "
            "first_value(_record_number) over newest as winner_record "
            f"from candidate_rows window newest as (partition by {keys} order by {newest_first})) "
            "select _source_file, _record_number, winner_file, winner_record, "
            f"{original_values_sql(ds, 'ranked_rows')} as original_values "
            "from ranked_rows where version_rank > 1",
            {"files": [landing_file.source_file for landing_file in files]},
        )
        fill_original_values(connection, superseded_table, files)
        reason_sql = (
            "'Superseded by record ' || winner_record || ' of ' || winner_file || "
            f"', which has the same {', '.join(ds.key)} and a later updated_at or, without "
            "one, a later place in the files. No action is needed unless this row is the "
            "one to keep: then give it the latest updated_at.'"
        )
        moved = connection.execute(
            f"insert into {target_table} select _source_file, _record_number, null, $rule, "
            f"{reason_sql}, null, original_values, $run_id from {superseded_table}",
            {"rule": f"{ds.name}.superseded", "run_id": run_id},
        ).fetchone()[0]
        connection.execute(
            f"delete from {table} as source_rows using {superseded_table} as superseded "
            "where source_rows._source_file = superseded._source_file "
            "and source_rows._record_number = superseded._record_number"
        )
        return moved
    finally:
        connection.execute(f"drop table if exists {hashes_table}")
        connection.execute(f"drop table if exists {superseded_table}")


def fill_original_values(
    connection: duckdb.DuckDBPyConnection, table: str, files: Sequence[LandingFile]
) -> None:
    """Set `original_values` of the rows in `table` to their file's text, file by file.

    `table` has `_source_file`, `_record_number` and `original_values`. Only files with
    rows in `table` are read. A file that cannot be read any more keeps the rows' current
    values, with a warning in the log.
    """
    for landing_file in files:
        records = [
            row[0]
            for row in connection.execute(
                f"select _record_number from {table} where _source_file = $file",
                {"file": landing_file.source_file},
            ).fetchall()
        ]
        if not records:
            continue
        try:
            originals = read_original_values(
                connection,
                Path(landing_file.source_file),
                landing_file.encoding,
                landing_file.delimiter,
                landing_file.header_width,
                landing_file.column_sources,
                records,
            )
        except (OSError, UnicodeError, IngestError, duckdb.Error) as err:
            logger.warning(
                "Could not read the original text of %d quarantined records of %s, so they "
                "keep their loaded values: %s",
                len(records),
                landing_file.source_file,
                err,
            )
            continue
        if not originals:
            continue
        connection.execute(
            f"update {table} set original_values = originals.original_values from "
            "(select unnest($records) as record_number, unnest($texts) as original_values) "
            f"as originals where {table}._source_file = $file "
            f"and {table}._record_number = originals.record_number",
            {
                "records": list(originals),
                "texts": list(originals.values()),
                "file": landing_file.source_file,
            },
        )


def fill_line_numbers(
    connection: duckdb.DuckDBPyConnection, table: str, files: Sequence[LandingFile]
) -> None:
    """Set `_line_number` of the rows in quarantine `table` that have none, file by file.

    A file that cannot be read any more (moved or deleted since the load) keeps NULL
    line numbers, with a warning in the log.
    """
    for landing_file in files:
        records = [
            row[0]
            for row in connection.execute(
                f"select _record_number from {table} "
                "where _source_file = $file and _line_number is null",
                {"file": landing_file.source_file},
            ).fetchall()
        ]
        if not records:
            continue
        try:
            starts = record_start_lines(
                Path(landing_file.source_file),
                landing_file.encoding,
                landing_file.delimiter,
                landing_file.record_count,
                records,
            )
        except (OSError, UnicodeError, IngestError) as err:
            logger.warning(
                "Could not find the line numbers of %d quarantined records of %s: %s",
                len(records),
                landing_file.source_file,
                err,
            )
            continue
        connection.execute(
            f"update {table} set _line_number = starts.line_number from "
            "(select unnest($records) as record_number, unnest($lines) as line_number) "
            f"as starts where {table}._source_file = $file "
            f"and {table}._record_number = starts.record_number",
            {
                "records": list(starts),
                "lines": list(starts.values()),
                "file": landing_file.source_file,
            },
        )


def write_landing_files(
    connection: duckdb.DuckDBPyConnection, dataset_name: str, files: Sequence[LandingFile]
) -> None:
    """Replace the recorded landing files of a dataset; run it inside the load's swap."""
    connection.execute(_LANDING_FILES_DDL)
    for name, column_type in _LANDING_FILES_ADDED_COLUMNS:
        connection.execute(
            f"alter table {LANDING_FILES_TABLE} add column if not exists {name} {column_type}"
        )
    connection.execute(
        f"delete from {LANDING_FILES_TABLE} where dataset = $dataset", {"dataset": dataset_name}
    )
    for landing_file in files:
        connection.execute(
            f"insert into {LANDING_FILES_TABLE} (dataset, source_file, file_position, "
            "encoding, delimiter, record_count, header_width, column_sources) values "
            "($dataset, $source_file, $file_position, $encoding, $delimiter, $record_count, "
            "$header_width, $column_sources)",
            {
                "dataset": dataset_name,
                "source_file": landing_file.source_file,
                "file_position": landing_file.file_position,
                "encoding": landing_file.encoding,
                "delimiter": landing_file.delimiter,
                "record_count": landing_file.record_count,
                "header_width": landing_file.header_width,
                "column_sources": column_sources_json(landing_file.column_sources),
            },
        )


def read_landing_files(
    connection: duckdb.DuckDBPyConnection, dataset_name: str
) -> list[LandingFile]:
    """Return the landing files the last load of a dataset read, in file order."""
    exists = connection.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw' and table_name = '_landing_files'"
    ).fetchone()[0]
    if not exists:
        return []
    columns = {
        row[0]
        for row in connection.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'raw' and table_name = '_landing_files'"
        ).fetchall()
    }
    # A table written before these columns existed reads as 0 and no sources.
    added = ", ".join(
        name if name in columns else "null" for name, _ in _LANDING_FILES_ADDED_COLUMNS
    )
    rows = connection.execute(
        f"select source_file, file_position, encoding, delimiter, record_count, {added} "
        f"from {LANDING_FILES_TABLE} where dataset = $dataset order by file_position",
        {"dataset": dataset_name},
    ).fetchall()
    return [
        LandingFile(
            *row[:5],
            header_width=row[5] or 0,
            column_sources=parse_column_sources(row[6]),
        )
        for row in rows
    ]


def _require_autocommit(connection: duckdb.DuckDBPyConnection, caller: str) -> None:
    # An empty begin/commit is the probe, for the reason given in _begin.
    _begin(connection, caller)
    connection.commit()


def _begin(connection: duckdb.DuckDBPyConnection, caller: str) -> None:
    # DuckDB's Python API does not report whether a transaction is open, and `begin()` in
    # an open one fails and aborts it.
    try:
        connection.begin()
    except duckdb.TransactionException as err:
        raise RuntimeError(
            f"{caller} commits its own work; call it on a connection without an open transaction."
        ) from err
