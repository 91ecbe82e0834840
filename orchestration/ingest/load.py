"""Load landing files into `raw.<dataset>` with DuckDB's CSV reader, converting in SQL.

Each file becomes one `insert ... select` over `read_csv`: every source column is read as
text (no type sniffing, so ids keep leading zeros and 19 digits), trimmed, empty text
becomes NULL, and each canonical column is converted to its declared type in the same
statement (`orchestration.ingest.convert`). A file that is not UTF-8 is read through a
temporary UTF-8 copy (`orchestration.ingest.encoding`).

A value that does not convert does not stop the load. The insert marks its record, which
then moves to `quarantine.<dataset>` with rule `<dataset>.<column>.type`, a reason and
the record's original text. A second read of the file fetches that text, and only a file
with such records is read twice. After every file is in, rows whose key a newer row supersedes
move to quarantine too (`orchestration.quality.quarantine`). Rows read = rows loaded +
rows quarantined.

`_record_number` is the position of the row in its file. DuckDB keeps file order when it
inserts from `read_csv` while `preserve_insertion_order` is on (set for the load), and a
table's `rowid` then follows insertion order (DuckDB 2.0 documentation, "Order
Preservation"). So the insert leaves the column NULL (0 for a record with an invalid
value) and a following `update` sets it from `rowid`, negative for the invalid records.
Numbering with `row_number() over ()` in the insert instead gives the same numbers, but
it serializes the scan: 13 s against 7.7 s for 8 million rows and 9 columns (DuckDB
2.0.1, 2 threads, measured once on a shared machine). tests/test_ingest_load.py checks
file order on a 100,000-row file with quoted line breaks. The second read of a file with
invalid values numbers records with `row_number()`, which the same documentation lists
as order-preserving.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb

from orchestration.ingest.convert import (
    SqlParameters,
    TextFormat,
    convert_text_sql,
    format_fix,
    type_problem,
)
from orchestration.ingest.datasets import Column, Dataset, dataset, raw_table_ddl
from orchestration.ingest.encoding import (
    UTF8,
    detect_encoding,
    redetect_encoding,
    utf8_file,
)
from orchestration.ingest.errors import IngestError
from orchestration.ingest.records import LONG_LINE_MAX_BYTES, ColumnSource, read_csv_text_sql
from orchestration.ingest.sources import (
    DatasetSource,
    ValueMap,
    close_matches_hint,
    delimiter_hint,
    detect_delimiter,
    read_csv_header,
)
from orchestration.quality.quarantine import (
    QUARANTINE_SCHEMA,
    LandingFile,
    ensure_quarantine_table,
    fill_line_numbers,
    quarantine_superseded,
    quarantine_table_ddl,
    quarantine_table_name,
    write_landing_files,
)

logger = logging.getLogger(__name__)

RAW_SCHEMA = "raw"

# Maximum number of characters of a bad value that a quarantine reason quotes.
REASON_VALUE_CHARS = 200


@dataclass(frozen=True)
class LoadResult:
    """Outcome of `load_dataset` for one dataset.

    `rows_read` = `rows_loaded` + `rows_quarantined`; `quarantine_reasons` counts the
    quarantined rows by rule.
    """

    dataset: str
    files: tuple[str, ...]
    rows_loaded: int
    is_missing: bool
    warnings: tuple[str, ...]
    rows_read: int = 0
    rows_quarantined: int = 0
    quarantine_reasons: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ColumnPlan:
    """The plan for filling one canonical column from one file.

    `index` is the column's position in the dataset, which names its SQL aliases `text_<i>`
    (trimmed source text, NULL when empty) and `value_<i>` (the typed value). `origin`,
    `problem` and `fix` are phrases for quarantine reasons. `original_sql` is the value as
    the file contains it, and `source` where that is (a header position or a constant),
    recorded so that quarantine can read it again. `text_sql` is None for an optional
    column that the file lacks; it then loads as NULL.
    """

    index: int
    column: Column
    origin: str
    problem: str
    fix: str
    original_sql: str | None
    text_sql: str | None
    value_sql: str | None
    source: ColumnSource | None = None

    @property
    def can_fail(self) -> bool:
        # A text column accepts any text. Other types and value maps can reject a value.
        return self.value_sql is not None and self.value_sql != self.text_alias

    @property
    def failed_sql(self) -> str:
        return f"({self.text_alias} is not null and {self.value_alias} is null)"

    @property
    def text_alias(self) -> str:
        return f"text_{self.index}"

    @property
    def value_alias(self) -> str:
        return f"value_{self.index}"


@dataclass(frozen=True)
class FilePlan:
    """One landing file's checked header and the SQL that converts its rows.

    `read_csv_sql` reads the UTF-8 file named by the `$csv_path` parameter with every
    column as text under the positional names `source_<n>`. `source_columns` are the ones
    the columns use. Run any SQL built from a plan with `parameters`, whose `csv_path` is
    `path`. A file in another `encoding` must be read through a UTF-8 copy instead.
    """

    path: Path
    encoding: str
    is_encoding_detected: bool
    delimiter: str
    header: tuple[str, ...]
    columns: tuple[ColumnPlan, ...]
    source_columns: tuple[str, ...]
    parameters: dict[str, object]
    warnings: tuple[str, ...]
    columns_parameter: str
    delimiter_parameter: str

    def read_csv_sql(self, max_line_size: int | None = None) -> str:
        return read_csv_text_sql(self.columns_parameter, self.delimiter_parameter, max_line_size)

    @property
    def column_sources(self) -> dict[str, ColumnSource]:
        """The source of every canonical column the file fills, by column name."""
        return {
            column.column.name: column.source
            for column in self.columns
            if column.source is not None
        }

    def converted_sql(
        self,
        record_numbers: bool = True,
        source_text: bool = False,
        max_line_size: int | None = None,
    ) -> str:
        """Return SQL selecting `text_<i>` and `value_<i>` for every column the file fills.

        With `record_numbers` it also selects `record_number`, the 1-based position in the
        file, and with `source_text` the untrimmed `source_<n>` columns. A value failed to
        convert where `text_<i>` is not NULL and `value_<i>` is.
        """
        planned = [column for column in self.columns if column.text_sql is not None]
        numbered = ["row_number() over () as record_number"] if record_numbers else []
        carried = [
            *(["record_number"] if record_numbers else []),
            *(self.source_columns if source_text else []),
        ]
        source_rows = ", ".join([*self.source_columns, *numbered]) or "null as no_column"
        text_list = ", ".join(
            [*carried, *(f"{column.text_sql} as {column.text_alias}" for column in planned)]
        )
        value_list = ", ".join(
            [
                *carried,
                *(
                    f"{column.text_alias}, {column.value_sql} as {column.value_alias}"
                    for column in planned
                ),
            ]
        )
        return (
            f"select {value_list or 'null as no_column'} from ("
            f"select {text_list or 'null as no_column'} from ("
            f"select {source_rows} from {self.read_csv_sql(max_line_size)}) as source_rows"
            ") as text_rows"
        )


def load_dataset(
    connection: duckdb.DuckDBPyConnection, source: DatasetSource, run_id: str | None = None
) -> LoadResult:
    """Create or replace `raw.<dataset>` and fill it from the source's files.

    A dataset without files gets an empty table and a warning, unless it is required,
    which raises IngestError. Every file's header is checked before any table is touched.
    Records with values that do not convert, and rows that a newer row with the same key
    supersedes, go to `quarantine.<dataset>` (with `run_id`), whose rows from the previous
    load of the dataset are replaced. Rows go into side tables first, which replace
    `raw.<dataset>` and the quarantine rows in one transaction when every file loaded, so
    a failure leaves the previous tables in place. The connection's TimeZone and
    preserve_insertion_order settings are restored afterwards.

    Raises IngestError for problems in the files: a missing required column, an empty
    file, bytes that are not text, or CSV that does not parse.
    The connection must not have a transaction open: the load commits its own work.
    """
    ds = dataset(source.dataset)
    _require_autocommit(connection)
    if source.is_missing:
        return _load_missing_dataset(connection, ds, source)

    plans = [build_file_plan(source, path) for path in source.files]
    warnings = [warning for plan in plans for warning in plan.warnings]

    # Inserting inside an explicit transaction took twice as long as autocommitted inserts
    # (17 s against 7.7 s, same measurement as in the module docstring), so rows go into
    # side tables and only the swap runs in a transaction.
    loading_table = f'{RAW_SCHEMA}."{ds.name}__loading"'
    quarantine_loading = f'{QUARANTINE_SCHEMA}."{ds.name}__loading"'
    previous_settings = _read_settings(connection)
    landing_files: list[LandingFile] = []
    try:
        # Naive timestamps (and dates landing in timestamp columns) are read in this zone.
        connection.execute("set TimeZone = $zone", {"zone": source.timezone})
        connection.execute("set preserve_insertion_order = true")
        connection.execute(f"create schema if not exists {RAW_SCHEMA}")
        connection.execute(f"create schema if not exists {QUARANTINE_SCHEMA}")
        connection.execute(raw_table_ddl(replace(ds, name=f"{ds.name}__loading"), RAW_SCHEMA))
        connection.execute(quarantine_table_ddl(quarantine_loading, replace=True))
        for position, plan in enumerate(plans):
            landing_files.append(
                _load_file(
                    connection, loading_table, quarantine_loading, ds, plan, position, run_id
                )
            )
        quarantine_superseded(
            connection, ds, loading_table, quarantine_loading, landing_files, run_id
        )
        fill_line_numbers(connection, quarantine_loading, landing_files)
        reasons = dict(
            connection.execute(
                f"select rule, count(*) from {quarantine_loading} group by rule order by rule"
            ).fetchall()
        )
        _swap_in(connection, ds, loading_table, quarantine_loading, landing_files)
    except BaseException:
        _drop_quietly(connection, loading_table)
        _drop_quietly(connection, quarantine_loading)
        raise
    finally:
        _restore_settings(connection, previous_settings)

    rows_read = sum(landing_file.record_count for landing_file in landing_files)
    rows_quarantined = sum(reasons.values())
    if rows_quarantined:
        logger.info(
            "Quarantined %d of %d rows of %s.%s: %s",
            rows_quarantined,
            rows_read,
            RAW_SCHEMA,
            ds.name,
            ", ".join(f"{rule} {count}" for rule, count in reasons.items()),
        )
    # The caller logs the returned warnings where its user reads them (the Dagster run log).
    return LoadResult(
        dataset=ds.name,
        files=tuple(str(path) for path in source.files),
        rows_loaded=rows_read - rows_quarantined,
        is_missing=False,
        warnings=tuple(warnings),
        rows_read=rows_read,
        rows_quarantined=rows_quarantined,
        quarantine_reasons=reasons,
    )


def build_file_plan(source: DatasetSource, path: Path) -> FilePlan:
    """Check one file's header against the dataset and build the SQL that converts its rows.

    Detects the file's encoding unless the source sets one, and its delimiter when the
    source sets `detect_delimiter`. Raises IngestError when the file is empty or not text, a
    required column is missing, a value map reads a column the file lacks, or a column
    that the source uses appears twice in the header.
    """
    ds = dataset(source.dataset)
    encoding = detect_encoding(path, source.encoding)
    delimiter = detect_delimiter(path, encoding) if source.detect_delimiter else source.delimiter
    header = _HeaderIndex(path, read_csv_header(path, delimiter, encoding), delimiter)
    parameters = SqlParameters()
    column_plans = tuple(
        _plan_column(index, column, ds, source, header, parameters)
        for index, column in enumerate(ds.columns)
    )
    columns_parameter = parameters.add(
        {f"source_{position}": "VARCHAR" for position in range(len(header.names))}
    )
    delimiter_parameter = parameters.add(delimiter)
    return FilePlan(
        path=path,
        encoding=encoding,
        is_encoding_detected=source.encoding is None,
        delimiter=delimiter,
        header=header.names,
        columns=column_plans,
        source_columns=tuple(f"source_{position}" for position in sorted(header.used)),
        parameters={**parameters.values, "csv_path": str(path)},
        warnings=tuple(_extra_column_warnings(source, ds, path, header.names, header.used)),
        columns_parameter=columns_parameter,
        delimiter_parameter=delimiter_parameter,
    )


class _HeaderIndex:
    """A file's header names by position, and the positions that planned columns read."""

    def __init__(self, path: Path, names: tuple[str, ...], delimiter: str) -> None:
        self.path = path
        self.names = names
        self.delimiter = delimiter
        self.positions: dict[str, int] = {}
        self.duplicates: set[str] = set()
        self.used: set[int] = set()
        for position, name in enumerate(names):
            if name in self.positions:
                self.duplicates.add(name)
            else:
                self.positions[name] = position

    def __contains__(self, name: str) -> bool:
        return name in self.positions

    def source_column(self, source_column: str, canonical: str) -> str:
        """Return the positional name of a header column, and mark it as read."""
        if source_column in self.duplicates:
            raise IngestError(
                f"Landing file {self.path} has more than one column named {source_column!r}, "
                f"which column {canonical!r} reads. Rename or remove the extra column."
            )
        position = self.positions[source_column]
        self.used.add(position)
        return f"source_{position}"


def _plan_column(
    index: int,
    column: Column,
    ds: Dataset,
    source: DatasetSource,
    header: _HeaderIndex,
    parameters: SqlParameters,
) -> ColumnPlan:
    text_alias = f"text_{index}"
    # What the type conversion reads: the text itself, or the value map's result.
    conversion_input = text_alias
    problem = type_problem(column.type)
    if column.name in source.constants:
        constant = source.constants[column.name]
        original_sql = parameters.add(constant)
        source_of_text = ColumnSource(constant=constant)
        origin = f"the constant {constant!r}"
        fix = f"Correct the constant under datasets.{ds.name}.constants.{column.name}."
    elif column.name in source.value_maps:
        value_map = source.value_maps[column.name]
        if value_map.source_column not in header:
            raise _missing_column_error(source, ds, header, column, value_map.source_column)
        original_sql = header.source_column(value_map.source_column, column.name)
        source_of_text = ColumnSource(position=header.positions[value_map.source_column])
        origin = f"source column {value_map.source_column!r} through a value map"
        problem = "is not in the value map"
        fix = (
            f"Add the value to datasets.{ds.name}.values.{column.name}.map in "
            f"{source.mapping_file or 'the mapping file'}, or set a default there."
        )
        conversion_input = _value_map_sql(value_map, text_alias, parameters)
    else:
        source_column = source.column_map.get(column.name, column.name)
        if source_column not in header:
            if column.required:
                raise _missing_column_error(source, ds, header, column, source_column)
            return ColumnPlan(index, column, "absent", "", "", None, None, None)
        original_sql = header.source_column(source_column, column.name)
        source_of_text = ColumnSource(position=header.positions[source_column])
        origin = f"source column {source_column!r}"
        where = "the mapping file" if source.mapping_file is None else str(source.mapping_file)
        fix = format_fix(column.type, _text_format(source), where)

    value_sql = convert_text_sql(
        column.type,
        conversion_input,
        parameters,
        _text_format(source),
        source.multipliers.get(column.name),
    )
    return ColumnPlan(
        index,
        column,
        origin,
        problem,
        fix,
        original_sql,
        trimmed_text_sql(original_sql),
        value_sql,
        source_of_text,
    )


def trimmed_text_sql(text_sql: str) -> str:
    """Return SQL for the text without surrounding spaces, NULL when that leaves nothing.

    trim() removes spaces only, so calling it only for text that starts or ends with a
    space gives the same result. It is also cheaper: the trim step of a 10-million-row,
    12-column load took 2.5 s instead of 3.3 s (DuckDB 2.0.1 EXPLAIN ANALYZE, 2 threads,
    measured once on a shared machine).
    """
    return (
        f"nullif(case when starts_with({text_sql}, ' ') or ends_with({text_sql}, ' ') "
        f"then trim({text_sql}) else {text_sql} end, '')"
    )


def _text_format(source: DatasetSource) -> TextFormat:
    return TextFormat(
        date_format=source.date_format,
        timestamp_format=source.timestamp_format,
        decimal_separator=source.decimal_separator,
        excel_serial_dates=source.excel_serial_dates,
    )


def _load_missing_dataset(
    connection: duckdb.DuckDBPyConnection, ds: Dataset, source: DatasetSource
) -> LoadResult:
    if ds.required:
        if source.mapping_file is not None:
            raise IngestError(
                f"Mapping file {source.mapping_file} does not map the required dataset "
                f"{ds.name!r}. Add datasets.{ds.name} with its files and columns."
            )
        raise IngestError(
            f"Required dataset {ds.name!r} has no landing file. Add {ds.name}.csv (or "
            f"CSV files in a {ds.name}/ folder) to the landing folder, or map it in a "
            f"mapping file under datasets.{ds.name}."
        )
    connection.execute(f"create schema if not exists {RAW_SCHEMA}")
    connection.execute(raw_table_ddl(ds, RAW_SCHEMA))
    # No rows means nothing in quarantine either, as for a rerun of any load.
    quarantine = ensure_quarantine_table(connection, ds.name)
    connection.execute(f"delete from {quarantine}")
    write_landing_files(connection, ds.name, [])
    where = (
        f"not mapped in {source.mapping_file}"
        if source.mapping_file is not None
        else "has no landing file"
    )
    warning = f"Optional dataset {ds.name!r} {where}; {RAW_SCHEMA}.{ds.name} is empty."
    return LoadResult(
        dataset=ds.name, files=(), rows_loaded=0, is_missing=True, warnings=(warning,)
    )


def _load_file(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    quarantine_table: str,
    ds: Dataset,
    plan: FilePlan,
    position: int,
    run_id: str | None,
) -> LandingFile:
    """Insert one file's rows into `table` and move its invalid records to quarantine.

    Both tables are quoted, schema-qualified names. Returns how the file was read.
    """
    started = time.monotonic()
    try:
        with utf8_file(plan.path, plan.encoding) as readable:
            records, invalid = _insert_file(connection, table, ds, plan, readable, run_id)
            if invalid:
                _quarantine_invalid_values(
                    connection, table, quarantine_table, ds, plan, readable, invalid, run_id
                )
    except _InvalidUtf8 as err:
        if plan.encoding != UTF8 or not plan.is_encoding_detected:
            raise err.ingest_error from err.__cause__
        # The sample was UTF-8 but the rest was not: decide on the whole file.
        encoding = redetect_encoding(plan.path)
        if encoding == UTF8:
            raise err.ingest_error from err.__cause__
        return _load_file(
            connection,
            table,
            quarantine_table,
            ds,
            replace(plan, encoding=encoding),
            position,
            run_id,
        )
    logger.info(
        "Loaded %d rows into %s.%s from %s in %.1f s (%d with invalid values quarantined)",
        records,
        RAW_SCHEMA,
        ds.name,
        plan.path,
        time.monotonic() - started,
        invalid,
    )
    return LandingFile(
        source_file=str(plan.path),
        file_position=position,
        encoding=plan.encoding,
        delimiter=plan.delimiter,
        record_count=records,
        header_width=len(plan.header),
        column_sources=plan.column_sources,
    )


class _InvalidUtf8(Exception):
    """DuckDB found bytes that are not UTF-8 in a file that was read as UTF-8."""

    def __init__(self, ingest_error: IngestError) -> None:
        super().__init__(str(ingest_error))
        self.ingest_error = ingest_error


def _insert_file(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    ds: Dataset,
    plan: FilePlan,
    readable: Path,
    run_id: str | None,
) -> tuple[int, int]:
    """Insert and number one file's rows; return (records, records with invalid values).

    Records with invalid values get negative record numbers and NULL in the columns that
    did not convert, for `_quarantine_invalid_values` to move.
    """
    failing = [column for column in plan.columns if column.can_fail]
    invalid_marker = (
        f"case when {' or '.join(column.failed_sql for column in failing)} then 0 end"
        if failing
        else "null"
    )
    select_list = [column.value_alias if column.value_sql else "null" for column in plan.columns]
    target_columns = ", ".join(f'"{column.column.name}"' for column in plan.columns)
    parameters = {**plan.parameters, "csv_path": str(readable), "source_file": str(plan.path)}

    def insert_statement(max_line_size: int | None) -> str:
        return (
            f'insert into {table} ({target_columns}, "_source_file", "_record_number") '
            f"select {', '.join(select_list)}, $source_file, {invalid_marker} "
            f"from ({plan.converted_sql(record_numbers=False, max_line_size=max_line_size)}) "
            "as converted_rows"
        )

    # Rows of this file are the only ones whose record number is NULL or 0, and their
    # rowids are consecutive in file order (see the module docstring).
    unnumbered = '"_record_number" is null or "_record_number" = 0'
    numbering = (
        f'update {table} set "_record_number" = '
        'case when "_record_number" = 0 then -1 else 1 end * (rowid - ('
        f"select min(rowid) from {table} where {unnumbered}) + 1) where {unnumbered}"
    )
    try:
        records = _execute_reading(connection, insert_statement, parameters, plan)
        connection.execute(numbering)
    except duckdb.Error as err:
        raise _read_error(err, plan) from err
    invalid = 0
    if failing:
        invalid = connection.execute(
            f'select count(*) from {table} where "_record_number" < 0'
        ).fetchone()[0]
    return records, invalid


def _execute_reading(
    connection: duckdb.DuckDBPyConnection,
    build_statement,
    parameters: dict[str, object],
    plan: FilePlan,
) -> int:
    """Run a statement that reads the file; once more with a larger line limit if needed."""
    try:
        return connection.execute(build_statement(None), parameters).fetchone()[0]
    except duckdb.InvalidInputException as err:
        if "maximum line size" not in str(err).lower():
            raise
        logger.info(
            "Landing file %s has a line over DuckDB's default size limit; reading it "
            "again with a limit of %d bytes",
            plan.path,
            LONG_LINE_MAX_BYTES,
        )
    return connection.execute(build_statement(LONG_LINE_MAX_BYTES), parameters).fetchone()[0]


def _quarantine_invalid_values(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    quarantine_table: str,
    ds: Dataset,
    plan: FilePlan,
    readable: Path,
    invalid: int,
    run_id: str | None,
) -> None:
    """Move a file's records with invalid values from `table` to `quarantine_table`.

    Reads the file again for the records' original text, and states each invalid value
    with its column, its problem and the fix in the reason.
    """
    # The plan's own parameters are named $p<n>.
    parameters = SqlParameters(prefix="q")
    failing = [column for column in plan.columns if column.can_fail]
    rule_cases, column_cases, reason_parts = [], [], []
    for column in failing:
        rule = parameters.add(f"{ds.name}.{column.column.name}.type")
        name = parameters.add(column.column.name)
        prefix = parameters.add(f"Column {column.column.name!r} ({column.origin}): value '")
        suffix = parameters.add(f"' {column.problem}. {column.fix}")
        shown = (
            f"case when length({column.text_alias}) > {REASON_VALUE_CHARS} "
            f"then left({column.text_alias}, {REASON_VALUE_CHARS}) || '...' "
            f"else {column.text_alias} end"
        )
        rule_cases.append(f"case when {column.failed_sql} then {rule} end")
        column_cases.append(f"case when {column.failed_sql} then {name} end")
        reason_parts.append(
            f"case when {column.failed_sql} then {prefix} || {shown} || {suffix} end"
        )
    # Column names come from the dataset contract, so they are safe as literals. The
    # original text of a constant column is its parameter, which converted_sql does not
    # carry, so the outer select reads plan parameters too.
    originals = ", ".join(
        f"'{column.column.name}', {column.original_sql}"
        for column in plan.columns
        if column.original_sql is not None
    )
    json_sql = f"json_object({originals})::varchar" if originals else "null"

    def statement(max_line_size: int | None) -> str:
        converted = plan.converted_sql(source_text=True, max_line_size=max_line_size)
        return (
            f"insert into {quarantine_table} select $source_file, record_number, null, "
            f"coalesce({', '.join(rule_cases)}), concat_ws(' ', {', '.join(reason_parts)}), "
            f"coalesce({', '.join(column_cases)}), {json_sql}, $run_id "
            f"from ({converted}) as converted_rows "
            f'where record_number in (select -"_record_number" from {table} '
            'where "_record_number" < 0)'
        )

    values = {
        **plan.parameters,
        **parameters.values,
        "csv_path": str(readable),
        "source_file": str(plan.path),
        "run_id": run_id,
    }
    try:
        moved = _execute_reading(connection, statement, values, plan)
    except duckdb.Error as err:
        raise _read_error(err, plan) from err
    if moved != invalid:
        raise IngestError(
            f"Landing file {plan.path} changed during the load: the first read found "
            f"{invalid} records with invalid values, the second {moved}. Run the load again "
            "once the file is complete."
        )
    connection.execute(f'delete from {table} where "_record_number" < 0')


def _read_error(err: duckdb.Error, plan: FilePlan) -> Exception:
    """Return the error to raise for a failed read of a landing file by DuckDB."""
    if _is_csv_read_error(err):
        if "unicode" in str(err).lower():
            return _InvalidUtf8(
                IngestError(
                    f"Landing file {plan.path} is not valid UTF-8 text after its first "
                    f"part: {_duckdb_summary(err)} Export it again as CSV UTF-8, or set "
                    "`encoding` for the dataset in a mapping file."
                )
            )
        return IngestError(
            f"Landing file {plan.path} could not be read as CSV with delimiter "
            f"{plan.delimiter!r}: {_duckdb_summary(err)} Fix the line DuckDB names, "
            "or check the delimiter and the quoting."
        )
    return err


def _missing_column_error(
    source: DatasetSource,
    ds: Dataset,
    header_index: _HeaderIndex,
    column: Column,
    source_column: str,
) -> IngestError:
    path, header = header_index.path, header_index.names
    hints = close_matches_hint(source_column, header) + delimiter_hint(
        header, header_index.delimiter
    )
    if source.mapping_file is None:
        return IngestError(
            f"{path} is missing required column {column.name!r}. Add the column, or map it "
            f"in a mapping file under datasets.{ds.name}.columns.{hints}"
        )
    if source_column == column.name:
        return IngestError(
            f"{path} is missing required column {column.name!r}. Add the column, or map it "
            f"in the mapping file {source.mapping_file} under datasets.{ds.name}.columns.{hints}"
        )
    return IngestError(
        f"{path} has no column {source_column!r}, which the mapping file "
        f"{source.mapping_file} uses for column {column.name!r} of dataset {ds.name!r}. "
        f"Correct the source column name in the mapping file, or add the column.{hints}"
    )


def _extra_column_warnings(
    source: DatasetSource,
    ds: Dataset,
    path: Path,
    header: tuple[str, ...],
    used_positions: set[int],
) -> list[str]:
    extra = [
        name if name else f"(unnamed column {position + 1})"
        for position, name in enumerate(header)
        if position not in used_positions and name not in source.ignore_columns
    ]
    if not extra:
        return []
    listed = ", ".join(repr(name) for name in extra)
    if source.mapping_file is None:
        fix = "Rename them to dataset columns if they hold data you need, or remove them."
    else:
        fix = (
            f"Map them in {source.mapping_file}, or list them under "
            f"datasets.{ds.name}.ignore_columns to silence this warning."
        )
    return [f"{path}: ignored columns not in dataset {ds.name!r}: {listed}. {fix}"]


def _value_map_sql(value_map: ValueMap, text_sql: str, parameters: SqlParameters) -> str:
    branches = " ".join(
        f"when {text_sql} = {parameters.add(source_value)} then {parameters.add(canonical)}"
        for source_value, canonical in value_map.values.items()
    )
    fallback = "null" if value_map.default is None else parameters.add(value_map.default)
    return f"(case when {text_sql} is null then null {branches} else {fallback} end)"


def _duckdb_summary(err: duckdb.Error) -> str:
    # DuckDB's CSV errors end with generic "Possible fixes" such as ignore_errors, which
    # would drop rows silently. Keep the lines that name the problem and the line, each
    # shortened, because DuckDB quotes the whole offending line.
    lines = []
    for line in str(err).splitlines():
        if line.strip().lower().startswith("possible"):
            break
        if line.strip():
            text = line.strip()
            lines.append(text if len(text) <= 300 else text[:300] + "...")
    summary = " ".join(lines)
    return summary if summary.endswith(".") else summary + "."


def _is_csv_read_error(err: duckdb.Error) -> bool:
    # DuckDB reports malformed CSV and bad encodings as InvalidInputException with "CSV" or
    # "unicode" in the message. Other errors, such as out of memory, are not the file's fault.
    message = str(err).lower()
    return isinstance(err, duckdb.InvalidInputException) and (
        "csv" in message or "unicode" in message
    )


def _swap_in(
    connection: duckdb.DuckDBPyConnection,
    ds: Dataset,
    loading_table: str,
    quarantine_loading: str,
    landing_files: list[LandingFile],
) -> None:
    """Replace `raw.<dataset>` and its quarantine rows with the side tables in one transaction."""
    quarantine_table = quarantine_table_name(ds.name)
    connection.begin()
    try:
        connection.execute(f'drop table if exists {RAW_SCHEMA}."{ds.name}"')
        connection.execute(f'alter table {loading_table} rename to "{ds.name}"')
        # The dataset's quarantine rows all come from its load, so the side table replaces them.
        connection.execute(f"drop table if exists {quarantine_table}")
        connection.execute(f'alter table {quarantine_loading} rename to "{ds.name}"')
        write_landing_files(connection, ds.name, landing_files)
        connection.commit()
    except BaseException:
        connection.rollback()
        raise


def _drop_quietly(connection: duckdb.DuckDBPyConnection, table: str) -> None:
    try:
        connection.execute(f"drop table if exists {table}")
    except duckdb.Error as err:
        # The next load replaces the table with `create or replace`.
        logger.warning("Could not drop the partly loaded table %s: %s", table, err)


def _require_autocommit(connection: duckdb.DuckDBPyConnection) -> None:
    # DuckDB's Python API does not report whether a transaction is open, and `begin()` in
    # an open one fails (and aborts it), so an empty begin/commit is the probe.
    try:
        connection.begin()
    except duckdb.TransactionException as err:
        raise RuntimeError(
            "load_dataset commits its own work; call it on a connection without an open "
            "transaction."
        ) from err
    connection.commit()


def _read_settings(connection: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = connection.execute(
        "select name, value from duckdb_settings() "
        "where name in ('TimeZone', 'preserve_insertion_order')"
    ).fetchall()
    return dict(rows)


def _restore_settings(connection: duckdb.DuckDBPyConnection, settings: dict[str, str]) -> None:
    for name, value in settings.items():
        try:
            # Setting names come from the fixed list in _read_settings.
            connection.execute(f"set {name} = $value", {"value": value})
        except duckdb.Error as err:
            logger.warning("Could not restore the DuckDB setting %s to %s: %s", name, value, err)
