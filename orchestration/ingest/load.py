"""Load landing files into `raw.<dataset>` with DuckDB's CSV reader, converting in SQL.

Each file becomes one `insert ... select` over `read_csv`: every source column is read as
text (no type sniffing, so ids keep leading zeros and 19 digits), trimmed, empty text
becomes NULL, and each canonical column is converted to its declared type in the same
statement. A value that does not convert raises DuckDB's `error()` inside that statement,
so a good file is read once. Only after a failure does a second query read the file to
find the first bad record and name it.

`_record_number` is the position of the row in its file. DuckDB keeps file order when it
inserts from `read_csv` while `preserve_insertion_order` is on (set for the load), and a
table's `rowid` then follows insertion order (DuckDB 2.0 documentation, "Order
Preservation"). So the insert leaves the column NULL and a following `update` sets it from
`rowid`. Numbering with `row_number() over ()` in the insert instead gives the same
numbers, but it serializes the scan: 13 s against 7.7 s for 8 million rows and 9 columns
(DuckDB 2.0.1, 2 threads, measured once on a shared machine). tests/test_ingest_load.py
checks file order on a 100,000-row file with quoted line breaks. Error diagnosis and
`FilePlan.converted_sql` use `row_number()`, which the same documentation lists as
order-preserving.

The conversion of one column lives in `convert_text_sql`, and `build_file_plan` returns the
whole converted relation of a file (`FilePlan.converted_sql`), so that a quality gate can
select the failing rows with the same rules instead of raising.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from orchestration.ingest.datasets import (
    BOOLEAN,
    DATE,
    INTEGER,
    TEXT,
    TIMESTAMP,
    Column,
    Dataset,
    dataset,
    raw_table_ddl,
)
from orchestration.ingest.errors import IngestError
from orchestration.ingest.sources import (
    DatasetSource,
    ValueMap,
    close_matches_hint,
    delimiter_hint,
    read_csv_header,
)

logger = logging.getLogger(__name__)

RAW_SCHEMA = "raw"

# Message of the DuckDB `error()` call that stops an insert at an unconvertible value.
INVALID_VALUE_MARKER = "salesaudit: value does not convert to its column type"

# Whole numbers, optionally written with a zero fraction ("12.0") as spreadsheets export them.
_INTEGER_PATTERN_SQL = "'[+-]?[0-9]+(\\.0*)?'"

_TRUE_TEXTS_SQL = "('true', 't', 'yes', '1')"
_FALSE_TEXTS_SQL = "('false', 'f', 'no', '0')"


@dataclass(frozen=True)
class LoadResult:
    """Outcome of `load_dataset` for one dataset."""

    dataset: str
    files: tuple[str, ...]
    rows_loaded: int
    is_missing: bool
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class ColumnPlan:
    """The plan for filling one canonical column from one file.

    `index` is the column's position in the dataset, which names its SQL aliases `text_<i>`
    (trimmed source text, NULL when empty) and `value_<i>` (the typed value). `origin` and
    `fix` are phrases for error messages. `text_sql` is None for an optional column that the
    file lacks; it then loads as NULL.
    """

    index: int
    column: Column
    origin: str
    fix: str
    text_sql: str | None
    value_sql: str | None

    @property
    def can_fail(self) -> bool:
        # A text column accepts any text. Other types and value maps can reject a value.
        return self.value_sql is not None and self.value_sql != self.text_alias

    @property
    def text_alias(self) -> str:
        return f"text_{self.index}"

    @property
    def value_alias(self) -> str:
        return f"value_{self.index}"


@dataclass(frozen=True)
class FilePlan:
    """One landing file's checked header and the SQL that converts its rows.

    `read_csv_sql` reads the file with every column as text under the positional names
    `source_<n>`; `source_columns` are the ones the columns use. Run any SQL built from a
    plan with `parameters`.
    """

    path: Path
    header: tuple[str, ...]
    columns: tuple[ColumnPlan, ...]
    read_csv_sql: str
    source_columns: tuple[str, ...]
    parameters: dict[str, object]
    warnings: tuple[str, ...]

    def converted_sql(self, record_numbers: bool = True) -> str:
        """Return SQL selecting `text_<i>` and `value_<i>` for every column the file fills.

        With `record_numbers` it also selects `record_number`, the 1-based position in the
        file. A value failed to convert where `text_<i>` is not NULL and `value_<i>` is.
        """
        planned = [column for column in self.columns if column.text_sql is not None]
        numbered = ["row_number() over () as record_number"] if record_numbers else []
        carried = ["record_number"] if record_numbers else []
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
            f"select {source_rows} from {self.read_csv_sql}) as source_rows) as text_rows"
        )


class _Parameters:
    """Collects the values of one statement under generated `$p<n>` names."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}

    def add(self, value: object) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"${name}"


def load_dataset(connection: duckdb.DuckDBPyConnection, source: DatasetSource) -> LoadResult:
    """Create or replace `raw.<dataset>` and fill it from the source's files.

    A dataset without files gets an empty table and a warning, unless it is required,
    which raises IngestError. Every file's header is checked before any table is touched.
    Rows go into `raw.<dataset>__loading` first, which replaces `raw.<dataset>` only when
    every file loaded, so a failure leaves the previous table in place. The connection's
    TimeZone and preserve_insertion_order settings are restored afterwards.

    The connection must not have a transaction open: the load commits its own work.
    """
    ds = dataset(source.dataset)
    _require_autocommit(connection)
    if source.is_missing:
        return _load_missing_dataset(connection, ds, source)

    plans = [build_file_plan(source, path) for path in source.files]
    warnings = [warning for plan in plans for warning in plan.warnings]

    # Inserting inside an explicit transaction took twice as long as autocommitted inserts
    # (17 s against 7.7 s, same measurement as in the module docstring), so rows go into a
    # side table and only the swap runs in a transaction.
    loading = replace(ds, name=f"{ds.name}__loading")
    loading_table = f'{RAW_SCHEMA}."{loading.name}"'
    previous_settings = _read_settings(connection)
    rows_loaded = 0
    try:
        # Naive timestamps (and dates landing in timestamp columns) are read in this zone.
        connection.execute("set TimeZone = $zone", {"zone": source.timezone})
        connection.execute("set preserve_insertion_order = true")
        connection.execute(f"create schema if not exists {RAW_SCHEMA}")
        connection.execute(raw_table_ddl(loading, RAW_SCHEMA))
        for plan in plans:
            rows_loaded += _insert_file(connection, loading_table, ds, source, plan)
        _swap_in(connection, loading_table, ds)
    except BaseException:
        _drop_quietly(connection, loading_table)
        raise
    finally:
        _restore_settings(connection, previous_settings)

    # The caller logs the returned warnings where its user reads them (the Dagster run log).
    return LoadResult(
        dataset=ds.name,
        files=tuple(str(path) for path in source.files),
        rows_loaded=rows_loaded,
        is_missing=False,
        warnings=tuple(warnings),
    )


def build_file_plan(source: DatasetSource, path: Path) -> FilePlan:
    """Check one file's header against the dataset and build the SQL that converts its rows.

    Raises IngestError when a required column is missing, a value map reads a column the
    file lacks, or a column that the source uses appears twice in the header.
    """
    ds = dataset(source.dataset)
    header = _HeaderIndex(path, read_csv_header(path, source.delimiter))
    parameters = _Parameters()
    column_plans = tuple(
        _plan_column(index, column, ds, source, header, parameters)
        for index, column in enumerate(ds.columns)
    )
    return FilePlan(
        path=path,
        header=header.names,
        columns=column_plans,
        read_csv_sql=_read_csv_sql(path, len(header.names), source.delimiter, parameters),
        source_columns=tuple(f"source_{position}" for position in sorted(header.used)),
        parameters=parameters.values,
        warnings=tuple(_extra_column_warnings(source, ds, path, header.names, header.used)),
    )


class _HeaderIndex:
    """A file's header names by position, and the positions that planned columns read."""

    def __init__(self, path: Path, names: tuple[str, ...]) -> None:
        self.path = path
        self.names = names
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

    def text_sql(self, source_column: str, canonical: str) -> str:
        """Return SQL for the column's trimmed text, NULL when empty, and mark it as read."""
        if source_column in self.duplicates:
            raise IngestError(
                f"Landing file {self.path} has more than one column named {source_column!r}, "
                f"which column {canonical!r} reads. Rename or remove the extra column."
            )
        position = self.positions[source_column]
        self.used.add(position)
        return f"nullif(trim(source_{position}), '')"


def _plan_column(
    index: int,
    column: Column,
    ds: Dataset,
    source: DatasetSource,
    header: _HeaderIndex,
    parameters: _Parameters,
) -> ColumnPlan:
    text_alias = f"text_{index}"
    # What the type conversion reads: the text itself, or the value map's result.
    conversion_input = text_alias
    if column.name in source.constants:
        constant = source.constants[column.name]
        text_sql = f"nullif(trim({parameters.add(constant)}), '')"
        origin = f"the constant {constant!r}"
        fix = f"Correct the constant under datasets.{ds.name}.constants.{column.name}."
    elif column.name in source.value_maps:
        value_map = source.value_maps[column.name]
        if value_map.source_column not in header:
            raise _missing_column_error(source, ds, header, column, value_map.source_column)
        text_sql = header.text_sql(value_map.source_column, column.name)
        origin = f"source column {value_map.source_column!r} through a value map"
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
            return ColumnPlan(index, column, "absent", "", None, None)
        text_sql = header.text_sql(source_column, column.name)
        origin = f"source column {source_column!r}"
        fix = _format_fix(column.type, source)

    value_sql = convert_text_sql(
        column.type,
        conversion_input,
        parameters,
        source.date_format,
        source.timestamp_format,
        source.multipliers.get(column.name),
    )
    return ColumnPlan(index, column, origin, fix, text_sql, value_sql)


def convert_text_sql(
    column_type: str,
    text_sql: str,
    parameters: _Parameters,
    date_format: str | None = None,
    timestamp_format: str | None = None,
    multiplier: float | None = None,
) -> str:
    """Return SQL converting trimmed text to `column_type`; NULL where it does not convert.

    Booleans accept true/false, t/f, yes/no and 1/0 in any case. Numbers use '.' as the
    decimal separator. Dates are ISO 8601 or `date_format`, never shifted. Timestamps with
    an offset (Z, +09:00) are converted to UTC; naive ones, and dates read as timestamps
    (midnight), are read in the connection's TimeZone setting and converted to UTC.
    """
    if column_type == TEXT:
        return text_sql
    if column_type == BOOLEAN:
        return (
            f"case when lower({text_sql}) in {_TRUE_TEXTS_SQL} then true "
            f"when lower({text_sql}) in {_FALSE_TEXTS_SQL} then false end"
        )
    if column_type == INTEGER:
        if multiplier is not None:
            factor = parameters.add(multiplier)
            return f"try_cast(round(try_cast({text_sql} as double) * {factor}) as bigint)"
        return (
            f"case when regexp_full_match({text_sql}, {_INTEGER_PATTERN_SQL}) "
            f"then try_cast({text_sql} as bigint) end"
        )
    if column_type.startswith("decimal"):
        if multiplier is not None:
            # NOTE: the product is computed in double precision, exact to the cent for
            # results below about 10^13; enough for revenue given in millions.
            factor = parameters.add(multiplier)
            return f"try_cast(try_cast({text_sql} as double) * {factor} as {column_type})"
        return f"try_cast({text_sql} as {column_type})"
    if column_type == DATE:
        iso_date = f"try_cast({text_sql} as date)"
        if date_format is None:
            return iso_date
        return (
            f"coalesce(try_strptime({text_sql}, {parameters.add(date_format)})::date, {iso_date})"
        )
    if column_type == TIMESTAMP:
        instant = _timestamptz_sql(text_sql, parameters, date_format, timestamp_format)
        return f"timezone('UTC', {instant})"
    raise ValueError(f"No conversion for column type {column_type!r}; add one to convert_text_sql.")


def find_first_invalid_value(
    source: DatasetSource, plan: FilePlan
) -> tuple[int, ColumnPlan, str, int] | None:
    """Return (record number, column, text, number of bad records) of the first bad value.

    Reads the whole file again on a private in-memory connection, so it also works while
    the caller's transaction is aborted. Returns None when every value converts.
    """
    checked = [column for column in plan.columns if column.can_fail]
    if not checked:
        return None
    failure_flags = [
        f"({column.text_alias} is not null and {column.value_alias} is null)" for column in checked
    ]
    flag_columns = ", ".join(
        f"{flag} as failed_{column.index}"
        for flag, column in zip(failure_flags, checked, strict=True)
    )
    text_columns = ", ".join(column.text_alias for column in checked)
    query = (
        f"select count(*) over () as invalid_records, record_number, {text_columns}, "
        f"{flag_columns} from ({plan.converted_sql()}) as converted_rows "
        f"where {' or '.join(failure_flags)} order by record_number limit 1"
    )
    with duckdb.connect() as scratch:
        scratch.execute("set TimeZone = $zone", {"zone": source.timezone})
        row = scratch.execute(query, plan.parameters).fetchone()
    if row is None:
        return None
    invalid_records, record_number = row[0], row[1]
    texts = row[2 : 2 + len(checked)]
    flags = row[2 + len(checked) :]
    for column, text, failed in zip(checked, texts, flags, strict=True):
        if failed:
            return record_number, column, text, invalid_records
    return None


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
    where = (
        f"not mapped in {source.mapping_file}"
        if source.mapping_file is not None
        else "has no landing file"
    )
    warning = (
        f"Optional dataset {ds.name!r} {where}; {RAW_SCHEMA}.{ds.name} is empty."
    )
    return LoadResult(
        dataset=ds.name, files=(), rows_loaded=0, is_missing=True, warnings=(warning,)
    )


def _insert_file(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    ds: Dataset,
    source: DatasetSource,
    plan: FilePlan,
) -> int:
    """Insert one file's rows into `table` (a quoted, schema-qualified name) and number them."""
    parameters = dict(plan.parameters)
    parameters["source_file"] = str(plan.path)
    if any(column.can_fail for column in plan.columns):
        # DuckDB rejects parameters that the statement does not use.
        parameters["invalid_value_marker"] = INVALID_VALUE_MARKER

    select_list = []
    for column in plan.columns:
        if column.value_sql is None:
            select_list.append("null")
        elif column.can_fail:
            select_list.append(
                f"case when {column.text_alias} is not null and {column.value_alias} is null "
                f"then error($invalid_value_marker) else {column.value_alias} end"
            )
        else:
            select_list.append(column.value_alias)
    target_columns = ", ".join(f'"{column.column.name}"' for column in plan.columns)
    select_list.append("$source_file")
    statement = (
        f'insert into {table} ({target_columns}, "_source_file") '
        f"select {', '.join(select_list)} "
        f"from ({plan.converted_sql(record_numbers=False)}) as converted_rows"
    )
    # Rows of this file are the only ones still without a record number, and their rowids
    # are consecutive in file order (see the module docstring).
    numbering = (
        f'update {table} set "_record_number" = rowid - ('
        f'select min(rowid) from {table} where "_record_number" is null'
        ') + 1 where "_record_number" is null'
    )

    started = time.monotonic()
    try:
        rows = connection.execute(statement, parameters).fetchone()[0]
        connection.execute(numbering)
    except duckdb.Error as err:
        if INVALID_VALUE_MARKER in str(err):
            raise _invalid_value_error(ds, source, plan) from err
        if _is_csv_read_error(err):
            raise IngestError(
                f"Landing file {plan.path} could not be read as CSV with delimiter "
                f"{source.delimiter!r}: {_duckdb_summary(err)} Fix the line DuckDB names, "
                "or check the delimiter and that the file is UTF-8 text."
            ) from err
        raise
    logger.info(
        "Loaded %d rows into %s.%s from %s in %.1f s",
        rows,
        RAW_SCHEMA,
        ds.name,
        plan.path,
        time.monotonic() - started,
    )
    return rows


def _invalid_value_error(ds: Dataset, source: DatasetSource, plan: FilePlan) -> IngestError:
    try:
        found = find_first_invalid_value(source, plan)
    except duckdb.Error as err:
        return IngestError(
            f"Landing file {plan.path} has a value that does not convert to its column type, "
            f"and finding it failed: {_duckdb_summary(err)}"
        )
    if found is None:
        return IngestError(
            f"Landing file {plan.path} has a value that does not convert to its column type "
            f"in dataset {ds.name!r}, but a second read found none. Check whether the file "
            "changed during the load, and run it again."
        )
    record_number, column, text, invalid_records = found
    more = ""
    if invalid_records > 1:
        more = f" The file has {invalid_records} records with invalid values in all."
    return IngestError(
        f"Landing file {plan.path}, record {record_number} (data rows counted from 1 after "
        f"the header), column {column.column.name!r} from {column.origin}: invalid "
        f"{column.column.type} value {text!r}. {column.fix}{more}"
    )


def _missing_column_error(
    source: DatasetSource,
    ds: Dataset,
    header_index: _HeaderIndex,
    column: Column,
    source_column: str,
) -> IngestError:
    path, header = header_index.path, header_index.names
    hints = close_matches_hint(source_column, header) + delimiter_hint(header, source.delimiter)
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


def _read_csv_sql(path: Path, header_width: int, delimiter: str, parameters: _Parameters) -> str:
    # Source columns get positional names, so header text never becomes SQL. Explicit
    # columns with auto_detect off mean no sniffing: no guessed types, no guessed comment
    # character that would skip rows, and parse errors that name the line.
    columns_struct = parameters.add(
        {f"source_{position}": "VARCHAR" for position in range(header_width)}
    )
    return (
        f"read_csv({parameters.add(str(path))}, columns = {columns_struct}, header = true, "
        f"auto_detect = false, delim = {parameters.add(delimiter)}, quote = '\"', "
        "escape = '\"', strict_mode = true, null_padding = false)"
    )


def _value_map_sql(value_map: ValueMap, text_sql: str, parameters: _Parameters) -> str:
    branches = " ".join(
        f"when {text_sql} = {parameters.add(source_value)} then {parameters.add(canonical)}"
        for source_value, canonical in value_map.values.items()
    )
    fallback = "null" if value_map.default is None else parameters.add(value_map.default)
    return f"(case when {text_sql} is null then null {branches} else {fallback} end)"


def _timestamptz_sql(
    text_sql: str,
    parameters: _Parameters,
    date_format: str | None,
    timestamp_format: str | None,
) -> str:
    # Casting text to timestamptz keeps an explicit offset, and reads a naive value or a
    # bare date (as midnight) in the session TimeZone. A cast to timestamp drops the offset.
    candidates = []
    if timestamp_format is not None:
        parsed = f"try_strptime({text_sql}, {parameters.add(timestamp_format)})"
        has_zone = "%z" in timestamp_format or "%Z" in timestamp_format
        candidates.append(parsed if has_zone else f"{parsed}::timestamptz")
    if date_format is not None:
        candidates.append(
            f"try_strptime({text_sql}, {parameters.add(date_format)})::date::timestamptz"
        )
    candidates.append(f"try_cast({text_sql} as timestamptz)")
    if len(candidates) == 1:
        return candidates[0]
    return f"coalesce({', '.join(candidates)})"


def _format_fix(column_type: str, source: DatasetSource) -> str:
    where = "the mapping file" if source.mapping_file is None else str(source.mapping_file)
    if column_type == BOOLEAN:
        return "Use true/false, yes/no, t/f or 1/0, or map the values with a value map."
    if column_type == INTEGER:
        return "Use a whole number without thousands separators."
    if column_type.startswith("decimal"):
        return (
            "Use digits with '.' as the decimal separator, without thousands separators "
            "or currency signs."
        )
    if column_type == DATE:
        if source.date_format:
            return f"Use the date_format {source.date_format!r} set in {where}, or an ISO date."
        return f"Use an ISO date such as 2024-01-31, or set date_format in {where}."
    if column_type == TIMESTAMP:
        if source.timestamp_format:
            return (
                f"Use the timestamp_format {source.timestamp_format!r} set in {where}, or ISO 8601."
            )
        return (
            "Use ISO 8601 such as 2024-01-31 09:30:00 or 2024-01-31T09:30:00+09:00, "
            f"or set timestamp_format in {where}."
        )
    return "Correct the value."


def _duckdb_summary(err: duckdb.Error) -> str:
    # DuckDB's CSV errors end with generic "Possible fixes" such as ignore_errors, which
    # would drop rows silently. Keep the lines that name the problem and the line.
    lines = []
    for line in str(err).splitlines():
        if line.strip().lower().startswith("possible"):
            break
        if line.strip():
            lines.append(line.strip())
    summary = " ".join(lines)
    return summary if summary.endswith(".") else summary + "."


def _is_csv_read_error(err: duckdb.Error) -> bool:
    # DuckDB reports malformed CSV and bad encodings as InvalidInputException with "CSV" or
    # "unicode" in the message. Other errors, such as out of memory, are not the file's fault.
    message = str(err).lower()
    return isinstance(err, duckdb.InvalidInputException) and (
        "csv" in message or "unicode" in message
    )


def _swap_in(connection: duckdb.DuckDBPyConnection, loading_table: str, ds: Dataset) -> None:
    """Replace `raw.<dataset>` with the loaded side table in one transaction."""
    connection.begin()
    try:
        connection.execute(f'drop table if exists {RAW_SCHEMA}."{ds.name}"')
        connection.execute(f'alter table {loading_table} rename to "{ds.name}"')
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
