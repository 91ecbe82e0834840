"""Validate a raw table against its suite with great-expectations' SQL engine on DuckDB.

`validate_dataset` runs expectations/<dataset>.json against `raw.<dataset>` inside DuckDB,
through the caller's connection (see orchestration/quality/ge_duckdb.py), and returns one
`ExpectationOutcome` per expectation: success, counts, and a sample of failing rows
identified by the dataset key and `_source_file`/`_record_number`.

The suite runs in two passes over one batch, with one read snapshot:
- Column and table expectations run with GE's SUMMARY result format, which counts the
  failures and fetches at most `SAMPLE_SIZE` failing rows. COMPLETE would fetch every
  failing row and its index, which is slow and large on a table of millions of rows.
- `unexpected_rows_expectation` queries run with COMPLETE, the only format in which GE
  returns their rows. GE fetches at most 200 of them, and the queries select only the
  lineage, key and checked columns.

Measured on 10.3 million email events with 22 expectations, all passing: 3.7 to 4.8 s
over six runs, 2.2 to 2.8 million rows per second (DuckDB 2.0.1 with 2 threads, on a
2-core machine shared with other jobs).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import great_expectations as gx
from great_expectations import ExpectationSuite
from great_expectations.core import ExpectationSuiteValidationResult, ExpectationValidationResult
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)

from orchestration.ingest.datasets import dataset
from orchestration.quality import data_docs
from orchestration.quality.ge_duckdb import (
    add_shared_duckdb_datasource,
    open_quiet_cursor,
    require_no_open_transaction,
)
from orchestration.quality.suites import (
    KEY_LEVEL,
    LINEAGE_COLUMNS,
    ROW_LEVEL,
    TABLE_LEVEL,
    read_suite_json,
)

logger = logging.getLogger(__name__)

# Failing rows kept per expectation, for check metadata and Data Docs.
SAMPLE_SIZE = 10

_ROW_QUERY_TYPE = "unexpected_rows_expectation"


@dataclass(frozen=True)
class ExpectationOutcome:
    """The result of one expectation of a suite.

    `unexpected_sample` contains up to SAMPLE_SIZE failing rows as dicts of the key columns,
    `_source_file`, `_record_number` and the checked values. For a `table` level failure
    (a missing column, a wrong type) `unexpected_count` is the table's row count, because
    every row is affected. `error` is GE's message when the expectation could not be
    evaluated. `success` is then False and the counts are 0. `skipped` gives the reason an
    expectation did not run: a reference check whose referenced raw table does not exist,
    or a key check on an empty table. A skipped expectation counts as passed.
    """

    name: str
    expectation_type: str
    column: str | None
    success: bool
    element_count: int
    unexpected_count: int
    unexpected_sample: tuple[dict, ...]
    level: str = ROW_LEVEL
    reason: str = ""
    observed_value: Any = None
    error: str | None = None
    skipped: str | None = None


@dataclass(frozen=True)
class SuiteValidation:
    """The outcome of validating one dataset: every expectation, in suite order."""

    dataset: str
    success: bool
    outcomes: tuple[ExpectationOutcome, ...]
    seconds: float
    data_docs_path: Path | None
    row_count: int = 0
    table: str = ""


def expectation_names(dataset_name: str) -> list[str]:
    """Return the rule names of a dataset's expectations, in suite order."""
    suite = read_suite_json(dataset_name)
    return [expectation["meta"]["rule"] for expectation in suite["expectations"]]


def validate_dataset(
    connection: duckdb.DuckDBPyConnection,
    dataset_name: str,
    table: str | None = None,
    build_docs: bool = True,
    docs_dir: Path | None = None,
) -> SuiteValidation:
    """Validate `raw.<dataset>`, or `table` ("schema.name" or a name in raw), with its suite.

    Reads through cursors of `connection`, which must have no transaction open. With
    `build_docs`, writes the Data Docs page of this validation under `docs_dir` (default
    `settings.data_dir() / "data_docs"`). Raises LookupError when the table does not exist.
    """
    started = time.monotonic()
    ds = dataset(dataset_name)
    schema, table_name = _split_table(table or f"raw.{ds.name}")
    require_no_open_transaction(connection)
    expectations = read_suite_json(ds.name)["expectations"]

    cursor = open_quiet_cursor(connection)
    try:
        row_count = _count_rows(cursor, ds.name, schema, table_name)
        skipped = _skipped_expectations(cursor, expectations, f"{schema}.{table_name}", row_count)
        runnable = [e for e in expectations if e["meta"]["rule"] not in skipped]
        results = _run_suite(connection, ds.name, schema, table_name, ds.key, runnable)
        by_rule = {result.expectation_config.meta["rule"]: result for result in results}
        outcomes = []
        for expectation in expectations:
            rule = expectation["meta"]["rule"]
            if rule in skipped:
                outcomes.append(_skipped_outcome(expectation, row_count, skipped[rule]))
                continue
            outcome = _outcome(expectation, by_rule[rule], row_count)
            if outcome.level == KEY_LEVEL and not outcome.success and outcome.error is None:
                outcome = _with_duplicate_keys(
                    cursor, f'"{schema}"."{table_name}"', ds.key, outcome
                )
            outcomes.append(outcome)
    finally:
        cursor.close()

    docs_path = None
    if build_docs:
        validation_result = _suite_result(ds.name, f"{schema}.{table_name}", results)
        suite = ExpectationSuite(**read_suite_json(ds.name))
        docs_path = data_docs.write_validation_page(
            ds.name, validation_result, suite, directory=docs_dir
        )

    validation = SuiteValidation(
        dataset=ds.name,
        success=all(outcome.success for outcome in outcomes),
        outcomes=tuple(outcomes),
        seconds=time.monotonic() - started,
        data_docs_path=docs_path,
        row_count=row_count,
        table=f"{schema}.{table_name}",
    )
    failed = [outcome.name for outcome in outcomes if not outcome.success]
    logger.info(
        "Validated %s (%d rows) in %.2f s: %d of %d expectations failed%s",
        validation.table,
        row_count,
        validation.seconds,
        len(failed),
        len(outcomes),
        f" ({', '.join(failed)})" if failed else "",
    )
    return validation


def _count_rows(
    cursor: duckdb.DuckDBPyConnection, dataset_name: str, schema: str, table_name: str
) -> int:
    if not _table_exists(cursor, schema, table_name):
        raise LookupError(
            f"Table {schema}.{table_name} does not exist, so dataset {dataset_name!r} cannot "
            "be validated. Load the dataset first."
        )
    return cursor.execute(f'select count(*) from "{schema}"."{table_name}"').fetchone()[0]


def _skipped_expectations(
    cursor: duckdb.DuckDBPyConnection, expectations: list[dict], table: str, row_count: int
) -> dict[str, str]:
    """Return rule -> why, for the expectations that cannot give a meaningful result.

    A reference check needs the referenced raw table. A key check on an empty table fails
    in GE, which reports a share of distinct values of 0 there.
    """
    skipped = {}
    for expectation in expectations:
        meta = expectation["meta"]
        target = meta.get("references")
        if target and not _table_exists(cursor, "raw", target):
            skipped[meta["rule"]] = (
                f"raw.{target} does not exist, so the reference was not checked. Load "
                f"{target} before the datasets that refer to it."
            )
        elif meta["level"] == KEY_LEVEL and row_count == 0:
            skipped[meta["rule"]] = f"{table} has no rows."
    return skipped


def _run_suite(
    connection: duckdb.DuckDBPyConnection,
    dataset_name: str,
    schema: str,
    table_name: str,
    key: tuple[str, ...],
    expectations: list[dict],
) -> list[ExpectationValidationResult]:
    """Run the expectations on one batch and return their results in the given order."""
    context = gx.get_context(mode="ephemeral", project_config=_context_config())
    datasource = add_shared_duckdb_datasource(context, "warehouse", connection)
    asset = datasource.add_table_asset(name=dataset_name, table_name=table_name, schema_name=schema)
    batch = asset.add_batch_definition_whole_table("whole_table").get_batch()
    column_checks = [e for e in expectations if e["type"] != _ROW_QUERY_TYPE]
    row_queries = [e for e in expectations if e["type"] == _ROW_QUERY_TYPE]
    summary_format = {
        "result_format": "SUMMARY",
        "partial_unexpected_count": SAMPLE_SIZE,
        "unexpected_index_column_names": [*key, *LINEAGE_COLUMNS],
    }
    results: list[ExpectationValidationResult] = []
    try:
        for checks, result_format in ((column_checks, summary_format), (row_queries, "COMPLETE")):
            if checks:
                part = ExpectationSuite(name=dataset_name, expectations=checks)
                results.extend(batch.validate(part, result_format=result_format).results)
    finally:
        # Ends the read transaction and closes the cursor GE read through.
        batch.data.execution_engine.close()
    order = {e["meta"]["rule"]: position for position, e in enumerate(expectations)}
    return sorted(results, key=lambda result: order[result.expectation_config.meta["rule"]])


def _context_config() -> DataContextConfig:
    # In memory only: suites come from expectations/, and Data Docs are written by
    # orchestration.quality.data_docs. Progress bars would clutter the run log.
    return DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
    )


def _outcome(
    expectation: dict, result: ExpectationValidationResult, row_count: int
) -> ExpectationOutcome:
    meta = expectation["meta"]
    details = result.result or {}
    error = None
    if result.exception_info and result.exception_info.get("raised_exception"):
        error = result.exception_info.get("exception_message")
    elif not result.success and not details:
        # A metric failed: GE keys exception_info by metric id in that case.
        messages = [
            info.get("exception_message")
            for info in (result.exception_info or {}).values()
            if isinstance(info, dict) and info.get("exception_message")
        ]
        error = "; ".join(messages) or "great-expectations returned no result"

    if expectation["type"] == _ROW_QUERY_TYPE:
        unexpected_count = int(details.get("observed_value") or 0)
        rows = (details.get("details") or {}).get("unexpected_rows") or []
        sample = _sorted_sample(rows)
    elif meta["level"] == TABLE_LEVEL:
        unexpected_count = 0 if result.success or error else row_count
        sample = ()
    else:
        unexpected_count = int(details.get("unexpected_count") or 0)
        sample = _sorted_sample(details.get("partial_unexpected_index_list") or [])

    return ExpectationOutcome(
        name=meta["rule"],
        expectation_type=expectation["type"],
        column=expectation["kwargs"].get("column"),
        success=bool(result.success) and error is None,
        element_count=int(details.get("element_count") or row_count),
        unexpected_count=unexpected_count,
        unexpected_sample=sample,
        level=meta["level"],
        reason=meta["reason"],
        observed_value=details.get("observed_value"),
        error=error,
    )


def _with_duplicate_keys(
    cursor: duckdb.DuckDBPyConnection,
    table: str,
    key: tuple[str, ...],
    outcome: ExpectationOutcome,
) -> ExpectationOutcome:
    """Return the key outcome with the count and a sample of the rows whose key repeats.

    GE's check of a single-column key reports only the share of distinct values, so this
    query runs when the check fails, which the loader's superseded step makes rare. It
    took 1.2 s on 10 million email events with 300,000 repeated keys.
    """
    key_list = ", ".join(f'"{name}"' for name in key)
    not_null = " and ".join(f'"{name}" is not null' for name in key)
    query = (
        f"with duplicated_keys as (select {key_list}, count(*) as copies from {table} "
        f"where {not_null} group by all having count(*) > 1), "
        f"sampled_keys as (select {key_list} from duplicated_keys order by all "
        f"limit {SAMPLE_SIZE}) "
        f"select (select sum(copies) from duplicated_keys) as duplicate_rows, "
        f"{', '.join(LINEAGE_COLUMNS)}, {key_list} from {table} "
        f"join sampled_keys using ({key_list}) "
        f"order by {key_list}, _source_file, _record_number limit {SAMPLE_SIZE}"
    )
    result = cursor.execute(query)
    names = [column[0] for column in result.description][1:]
    rows = result.fetchall()
    count = int(rows[0][0]) if rows else 0
    sample = tuple(_json_row(dict(zip(names, row[1:], strict=True))) for row in rows)
    return replace(outcome, unexpected_count=count, unexpected_sample=sample)


def _skipped_outcome(expectation: dict, row_count: int, why: str) -> ExpectationOutcome:
    meta = expectation["meta"]
    return ExpectationOutcome(
        name=meta["rule"],
        expectation_type=expectation["type"],
        column=expectation["kwargs"].get("column"),
        success=True,
        element_count=row_count,
        unexpected_count=0,
        unexpected_sample=(),
        level=meta["level"],
        reason=meta["reason"],
        skipped=why,
    )


def _sorted_sample(rows: list[dict]) -> tuple[dict, ...]:
    ordered = sorted(
        rows, key=lambda row: (str(row.get("_source_file")), row.get("_record_number") or 0)
    )
    return tuple(_json_row(row) for row in ordered[:SAMPLE_SIZE])


def _json_row(row: dict) -> dict:
    """Return the row with decimals, dates and times as text, so it serializes as JSON."""
    return {name: _json_value(value) for name, value in row.items()}


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _suite_result(
    dataset_name: str, table: str, results: list[ExpectationValidationResult]
) -> ExpectationSuiteValidationResult:
    evaluated = len(results)
    successful = sum(1 for result in results if result.success)
    return ExpectationSuiteValidationResult(
        success=successful == evaluated,
        results=results,
        suite_name=dataset_name,
        statistics={
            "evaluated_expectations": evaluated,
            "successful_expectations": successful,
            "unsuccessful_expectations": evaluated - successful,
            "success_percent": 100.0 * successful / evaluated if evaluated else None,
        },
        meta={
            "great_expectations_version": gx.__version__,
            "run_id": RunIdentifier(run_name=f"{dataset_name}-validation"),
            "validation_time": datetime.now(UTC).isoformat(),
            "batch_spec": {"data_asset_name": dataset_name, "table": table},
        },
    )


def _split_table(table: str) -> tuple[str, str]:
    schema, _, name = table.rpartition(".")
    return (schema or "raw").strip('"'), name.strip('"')


def _table_exists(connection: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    row = connection.execute(
        "select count(*) from duckdb_tables() where schema_name = $schema and table_name = $name",
        {"schema": schema, "name": name},
    ).fetchone()
    return row[0] > 0
