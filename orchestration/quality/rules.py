"""Row rules: the SQL that selects the rows breaking each row-level expectation of a suite.

The quality gate validates `raw.<dataset>` with great-expectations first, so the checks
show every failure, and then moves the failing rows of each row rule into quarantine.
`row_rules` derives the rules from expectations/<dataset>.json, so the suite stays the
single source of truth. Each expectation type at `row` level translates here into a
condition over `raw."<dataset>"` that matches what GE counts as unexpected:

- GE skips NULL values in column checks other than not-null, so those conditions do too.
- `unexpected_rows_expectation` queries already select the failing rows, with
  `_source_file` and `_record_number` first. Their `{batch}` becomes the raw table.

Values in the SQL (vocabularies, bounds, patterns) come from the committed suite, not
from landing data, and are written as SQL literals because the rules are plain SQL text
that the quarantine step runs as it is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb

from orchestration.ingest.datasets import dataset
from orchestration.quality.suites import ROW_LEVEL, read_suite_json

logger = logging.getLogger(__name__)

RAW_SCHEMA = "raw"


@dataclass(frozen=True)
class RowRule:
    """One row-level expectation as SQL over the raw table.

    `failing_rows_sql` returns (_source_file, _record_number) of every row that breaks the
    rule. `referenced_dataset` names the dataset a reference rule reads, whose raw table
    must exist when the SQL runs (`runnable_row_rules` leaves out the rules where not).
    """

    name: str
    expectation_type: str
    column: str | None
    reason: str
    failing_rows_sql: str
    referenced_dataset: str | None = None


def row_rules(dataset_name: str) -> list[RowRule]:
    """Return the row rules of a dataset's suite, in suite order.

    Raises ValueError for a row-level expectation that has no SQL translation here, or
    that uses `mostly` (a rule quarantines every failing row, so it cannot honour it).
    """
    suite = read_suite_json(dataset_name)
    table = f'{RAW_SCHEMA}."{dataset_name}"'
    rules = []
    for expectation in suite["expectations"]:
        meta = expectation["meta"]
        if meta["level"] != ROW_LEVEL:
            continue
        kwargs = expectation["kwargs"]
        if kwargs.get("mostly", 1) != 1:
            raise ValueError(
                f"Rule {meta['rule']} of {dataset_name} sets mostly={kwargs['mostly']}, but a "
                "row rule quarantines every failing row. Remove mostly, or make the "
                "expectation table level."
            )
        rules.append(
            RowRule(
                name=meta["rule"],
                expectation_type=expectation["type"],
                column=kwargs.get("column") or _column_in_rule_name(dataset_name, meta["rule"]),
                reason=meta["reason"],
                failing_rows_sql=failing_rows_sql(table, expectation),
                referenced_dataset=meta.get("references"),
            )
        )
    return rules


def _column_in_rule_name(dataset_name: str, rule_name: str) -> str | None:
    """Return the column a SQL rule such as 'activities.rep_id.references_reps' is about."""
    parts = rule_name.split(".")
    if len(parts) == 3 and parts[1] in dataset(dataset_name).column_names:
        return parts[1]
    return None


def runnable_row_rules(connection: duckdb.DuckDBPyConnection, dataset_name: str) -> list[RowRule]:
    """Return the dataset's row rules whose SQL can run: referenced raw tables exist.

    A reference rule into a dataset whose raw table was never created cannot tell a wrong
    id from a missing dataset, so it is left out with a warning. The loader creates an
    empty table for every absent optional dataset, so in a full load nothing is left out.
    """
    existing = {
        name
        for (name,) in connection.execute(
            "select table_name from duckdb_tables() where schema_name = $schema",
            {"schema": RAW_SCHEMA},
        ).fetchall()
    }
    runnable = []
    for rule in row_rules(dataset_name):
        if rule.referenced_dataset is not None and rule.referenced_dataset not in existing:
            logger.warning(
                "Skipping rule %s: table %s.%s does not exist. Load %s before %s.",
                rule.name,
                RAW_SCHEMA,
                rule.referenced_dataset,
                rule.referenced_dataset,
                dataset_name,
            )
            continue
        runnable.append(rule)
    return runnable


def failing_rows_sql(table: str, expectation: dict[str, Any]) -> str:
    """Return SQL selecting (_source_file, _record_number) of the rows that fail.

    `table` is the quoted, schema-qualified table the rows are in.
    """
    expectation_type = expectation["type"]
    kwargs = expectation["kwargs"]
    if expectation_type == "unexpected_rows_expectation":
        # GE fills {batch} with str.format. The suites' queries have no other braces.
        query = kwargs["unexpected_rows_query"].replace("{batch}", table)
        return f"select _source_file, _record_number from ({query}) as failing_rows"
    condition = failing_condition_sql(expectation_type, kwargs)
    return f"select _source_file, _record_number from {table} where {condition}"


def failing_condition_sql(expectation_type: str, kwargs: dict[str, Any]) -> str:
    """Return a SQL condition that is true for a row the column expectation rejects."""
    column = quote_identifier(kwargs["column"])
    if expectation_type == "expect_column_values_to_not_be_null":
        return f"{column} is null"
    if expectation_type == "expect_column_values_to_be_in_set":
        values = ", ".join(sql_literal(value) for value in kwargs["value_set"])
        return f"{column} is not null and {column} not in ({values})"
    if expectation_type == "expect_column_values_to_be_between":
        return f"{column} is not null and ({_outside_bounds_sql(column, kwargs)})"
    if expectation_type == "expect_column_values_to_match_regex":
        # regexp_matches searches the text like the `~` that GE emits for DuckDB, so a
        # pattern that must match the whole value anchors itself with ^ and $.
        return (
            f"{column} is not null and not regexp_matches({column}, {sql_literal(kwargs['regex'])})"
        )
    raise ValueError(
        f"No row rule translation for expectation type {expectation_type!r}. Add one to "
        "orchestration/quality/rules.py, or make the expectation table level."
    )


def _outside_bounds_sql(column: str, kwargs: dict[str, Any]) -> str:
    checks = []
    if kwargs.get("min_value") is not None:
        operator = "<=" if kwargs.get("strict_min") else "<"
        checks.append(f"{column} {operator} {sql_literal(kwargs['min_value'])}")
    if kwargs.get("max_value") is not None:
        operator = ">=" if kwargs.get("strict_max") else ">"
        checks.append(f"{column} {operator} {sql_literal(kwargs['max_value'])}")
    if not checks:
        raise ValueError("expect_column_values_to_be_between needs min_value or max_value.")
    return " or ".join(checks)


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value: object) -> str:
    """Return a SQL literal for a suite value: a string, a number or a boolean."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise ValueError(f"No SQL literal for suite value {value!r} of type {type(value).__name__}.")
