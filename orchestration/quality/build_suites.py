"""Generate expectations/<dataset>.json, the quality suite of every landing dataset.

The JSON files are the versioned source of truth that validation and the row rules read.
This script only writes them, from the landing contract in orchestration/ingest/datasets.py
and the rule tables below. Run it by hand after changing either, and commit the JSON:

    .venv/bin/python -m orchestration.quality.build_suites

tests/test_quality_rules.py fails while the committed JSON differs from what this writes.

Every expectation carries in `meta`:
- `rule`: a stable name, `<dataset>.<column or topic>.<check>`. It names the Dagster
  check and is the `rule` of quarantined rows, so renaming one is a breaking change.
- `reason`: what is wrong with a failing row and how to fix it, shown to the person who
  reads the quarantine.
- `level`: `table` for structural checks (columns and types), whose failure concerns the
  whole table. `key` for key uniqueness, which has no row rule because the loader keeps
  the latest row per key and quarantines the others as superseded. `row` for checks
  whose failing rows are quarantined (orchestration/quality/rules.py turns each into SQL).
- `references`: for a reference check, the referenced dataset.

To add a check: add an entry to one of the tables below (or a `RowQuery` for a
cross-column rule), run the script, and add a corpus case under tests/corpus/rules_*/.
A new expectation type at `row` level also needs a translation in rules.py.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from great_expectations import ExpectationSuite
from great_expectations import expectations as gxe
from great_expectations.expectations import Expectation

from orchestration.ingest.datasets import (
    ACTIVITY_TYPES,
    BOOLEAN,
    DATASETS,
    DATE,
    DECIMAL,
    EMAIL_EVENT_TYPES,
    HOURS,
    INTEGER,
    RATE,
    TEXT,
    TIMESTAMP,
    WEB_EVENT_TYPES,
    Dataset,
)
from orchestration.quality.suites import LINEAGE_COLUMNS, expectations_dir, suite_path

logger = logging.getLogger(__name__)

# The SQLAlchemy type name that `expect_column_values_to_be_of_type` checks for each
# contract type. DECIMAL does not check precision and scale: the loader's DDL sets those.
SQL_TYPE_NAMES = {
    TEXT: "VARCHAR",
    INTEGER: "BIGINT",
    DECIMAL: "DECIMAL",
    RATE: "DECIMAL",
    HOURS: "DECIMAL",
    BOOLEAN: "BOOLEAN",
    TIMESTAMP: "TIMESTAMP",
    DATE: "DATE",
}

# A timestamp later than now plus this interval fails its not-in-the-future check. The
# day of slack absorbs clock skew and a source zone set a few hours off.
FUTURE_TOLERANCE_SQL = "interval 1 day"

# Datasets that may be absent from a landing: a reference into one of them passes while
# its raw table is empty, because an absent dataset cannot show that an id is wrong.
OPTIONAL_REFERENCE_TARGETS = frozenset(ds.name for ds in DATASETS if not ds.required)


@dataclass(frozen=True)
class Vocabulary:
    dataset: str
    column: str
    values: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class Range:
    dataset: str
    column: str
    min_value: float | None
    max_value: float | None
    strict_min: bool
    reason: str


@dataclass(frozen=True)
class Reference:
    dataset: str
    column: str
    target: str
    target_column: str


@dataclass(frozen=True)
class RowQuery:
    """A row check written as SQL: `condition` is true for a failing row of {batch}."""

    dataset: str
    topic: str
    check: str
    columns: tuple[str, ...]
    condition: str
    description: str
    reason: str


VOCABULARIES = (
    Vocabulary("activities", "activity_type", ACTIVITY_TYPES, "the activity vocabulary"),
    Vocabulary("time_entries", "activity_type", ACTIVITY_TYPES, "the activity vocabulary"),
    Vocabulary("email_events", "event_type", EMAIL_EVENT_TYPES, "the email event types"),
    Vocabulary("web_events", "event_type", WEB_EVENT_TYPES, "the web event types"),
)

RANGES = (
    Range(
        dataset="activities",
        column="duration_minutes",
        min_value=0,
        max_value=1440,
        strict_min=False,
        reason="duration_minutes is below 0 or above 1440 (one day). Correct the duration in "
        "the source, or split an activity that spans days into one row per day.",
    ),
    Range(
        dataset="deals",
        column="amount",
        min_value=0,
        max_value=None,
        strict_min=False,
        reason="amount is negative. Correct it in the source, or leave it empty when it is "
        "unknown.",
    ),
    Range(
        dataset="quotas",
        column="quota_amount",
        min_value=0,
        max_value=None,
        strict_min=True,
        reason="quota_amount is zero or negative. Correct the amount, or leave the month out "
        "for a rep who has no quota that month.",
    ),
    Range(
        dataset="accounts",
        column="employees",
        min_value=0,
        max_value=None,
        strict_min=False,
        reason="employees is negative. Correct it in the source, or leave it empty when it is "
        "unknown.",
    ),
    Range(
        dataset="accounts",
        column="annual_revenue",
        min_value=0,
        max_value=None,
        strict_min=False,
        reason="annual_revenue is negative. Correct it in the source, or leave it empty when "
        "it is unknown.",
    ),
    Range(
        dataset="contacts",
        column="budget",
        min_value=0,
        max_value=None,
        strict_min=False,
        reason="budget is negative. Correct it in the source, or leave it empty when it is "
        "unknown.",
    ),
    Range(
        dataset="campaigns",
        column="cost",
        min_value=0,
        max_value=None,
        strict_min=False,
        reason="cost is negative. Correct it in the source, or leave it empty when it is unknown.",
    ),
    Range(
        dataset="fx_rates",
        column="rate_to_reporting_currency",
        min_value=0,
        max_value=None,
        strict_min=True,
        reason="rate_to_reporting_currency is zero or negative. Correct the rate, which is the "
        "number of reporting-currency units that one unit of the currency buys.",
    ),
)

CURRENCY_COLUMNS = (
    ("quotas", "currency"),
    ("deals", "currency"),
    ("campaigns", "currency"),
    ("fx_rates", "currency"),
)
CURRENCY_PATTERN = "^[A-Z]{3}$"

REFERENCES = (
    Reference("activities", "rep_id", "reps", "rep_id"),
    Reference("activities", "contact_id", "contacts", "contact_id"),
    Reference("activities", "deal_id", "deals", "deal_id"),
    Reference("deals", "owner_rep_id", "reps", "rep_id"),
    Reference("deals", "account_id", "accounts", "account_id"),
    Reference("deals", "contact_id", "contacts", "contact_id"),
    Reference("quotas", "rep_id", "reps", "rep_id"),
    Reference("time_entries", "rep_id", "reps", "rep_id"),
    Reference("email_events", "contact_id", "contacts", "contact_id"),
    Reference("web_events", "contact_id", "contacts", "contact_id"),
    Reference("deal_stage_history", "deal_id", "deals", "deal_id"),
)

# Timestamps of things that already happened. Every other timestamp column of the contract
# is here too, except deals.closed_at, which is checked only for closed deals because a
# CRM may store an open deal's expected close there.
NOT_FUTURE_EXCEPTIONS = frozenset({("deals", "closed_at")})

ROW_QUERIES = (
    RowQuery(
        dataset="deals",
        topic="is_won",
        check="requires_closed",
        columns=("is_won", "is_closed"),
        condition="is_won and not is_closed",
        description="A won deal is closed.",
        reason="is_won is true but is_closed is false, and a won deal is closed. Correct the "
        "two flags, or their value maps for this stage in the mapping file.",
    ),
    RowQuery(
        dataset="deals",
        topic="closed_at",
        check="not_future",
        columns=("is_closed", "closed_at"),
        condition=f"is_closed and closed_at > timezone('UTC', now()) + {FUTURE_TOLERANCE_SQL}",
        description="A closed deal's closed_at is not more than one day in the future.",
        reason="closed_at of a closed deal is more than one day in the future. Correct the "
        "close time, or the source's time zone in the mapping file.",
    ),
    RowQuery(
        dataset="reps",
        topic="left_on",
        check="not_before_hired_on",
        columns=("hired_on", "left_on"),
        condition="left_on < hired_on",
        description="A rep leaves on or after the day they were hired.",
        reason="left_on is earlier than hired_on. Correct either date.",
    ),
    RowQuery(
        dataset="campaigns",
        topic="ended_on",
        check="not_before_started_on",
        columns=("started_on", "ended_on"),
        condition="ended_on < started_on",
        description="A campaign ends on or after the day it starts.",
        reason="ended_on is earlier than started_on. Correct either date.",
    ),
    RowQuery(
        dataset="time_entries",
        topic="period_end",
        check="not_before_period_start",
        columns=("period_start", "period_end"),
        condition="period_end < period_start",
        description="A time entry's period ends on or after the day it starts.",
        reason="period_end is earlier than period_start. Correct either date. Both dates are "
        "inclusive.",
    ),
    RowQuery(
        dataset="time_entries",
        topic="hours",
        check="within_period",
        columns=("period_start", "period_end", "hours"),
        # A reversed period fails its own rule, so it is not counted here as well.
        condition="hours < 0 or (period_end >= period_start "
        "and hours > 24 * ((period_end - period_start) + 1))",
        description="Hours are between 0 and 24 per day of the period.",
        reason="hours is negative or more than 24 per day of the period from period_start "
        "to period_end. Correct the hours or the period.",
    ),
)


def build_suite(ds: Dataset) -> ExpectationSuite:
    """Return the suite of one dataset, its expectations in a fixed order."""
    expectations = [
        *_structure_expectations(ds),
        *_required_expectations(ds),
        _key_expectation(ds),
        *_vocabulary_expectations(ds),
        *_range_expectations(ds),
        *_currency_expectations(ds),
        *_not_future_expectations(ds),
        *_row_query_expectations(ds),
        *_reference_expectations(ds),
    ]
    return ExpectationSuite(
        name=ds.name,
        expectations=expectations,
        meta={"dataset": ds.name, "grain": ds.grain, "key": list(ds.key)},
    )


def write_suites(directory: Path | None = None) -> list[Path]:
    """Write one JSON suite per dataset into `directory` (default: expectations/)."""
    paths = []
    for ds in DATASETS:
        path = suite_path(ds.name, directory)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(suite_json(ds))
        paths.append(path)
    return paths


def suite_json(ds: Dataset) -> str:
    return json.dumps(build_suite(ds).to_json_dict(), indent=2, ensure_ascii=False) + "\n"


def _meta(rule: str, reason: str, level: str, **extra: str) -> dict[str, str]:
    return {"rule": rule, "reason": reason, "level": level, **extra}


def _sample_columns(ds: Dataset, *columns: str) -> list[str]:
    """Return the columns a row query selects: lineage, key, then the checked columns."""
    names = [*LINEAGE_COLUMNS, *ds.key]
    return names + [column for column in columns if column not in names]


def _structure_expectations(ds: Dataset) -> list[Expectation]:
    expected_columns = [*ds.column_names, *LINEAGE_COLUMNS]
    expectations: list[Expectation] = [
        gxe.ExpectTableColumnsToMatchSet(
            column_set=expected_columns,
            exact_match=True,
            meta=_meta(
                f"{ds.name}.columns.match_contract",
                f"raw.{ds.name} does not have exactly the contract's columns, which "
                "orchestration/ingest/datasets.py lists. Reload the dataset with the current "
                "loader.",
                "table",
            ),
        )
    ]
    for column in ds.columns:
        type_name = SQL_TYPE_NAMES[column.type]
        expectations.append(
            gxe.ExpectColumnValuesToBeOfType(
                column=column.name,
                type_=type_name,
                meta=_meta(
                    f"{ds.name}.{column.name}.type",
                    f"Column {column.name} of raw.{ds.name} is not {type_name}. Reload the "
                    "dataset with the current loader, which converts every column to its "
                    "declared type.",
                    "table",
                ),
            )
        )
    return expectations


def _required_expectations(ds: Dataset) -> list[Expectation]:
    expectations: list[Expectation] = []
    for name in ds.required_columns:
        if name in ds.key:
            reason = (
                f"{name} is empty, and it is part of the key of {ds.name}, so the row "
                "cannot be identified. Fill it in the source."
            )
        else:
            reason = (
                f"{name} is empty, but every row of {ds.name} needs it. Fill it in the "
                "source, or set it with a constant or value map in the mapping file."
            )
        expectations.append(
            gxe.ExpectColumnValuesToNotBeNull(
                column=name, meta=_meta(f"{ds.name}.{name}.not_null", reason, "row")
            )
        )
    return expectations


def _key_expectation(ds: Dataset) -> Expectation:
    key = ", ".join(ds.key)
    meta = _meta(
        f"{ds.name}.key.unique",
        f"More than one row has the same key ({key}). The loader keeps the row with the "
        "latest updated_at, or the last in file order, and quarantines the others as "
        "superseded, so a failure here means that step did not run.",
        "key",
    )
    if len(ds.key) == 1:
        # The share of distinct values is one aggregate query: 1.1 s on 10 million
        # email events, where expect_column_values_to_be_unique took 9 s because it also
        # joins the duplicates back to fetch their rows (DuckDB 2.0, 2 threads). When this
        # check fails, validate.py fetches a sample of the repeated keys itself.
        return gxe.ExpectColumnProportionOfUniqueValuesToBeBetween(
            column=ds.key[0], min_value=1, max_value=1, meta=meta
        )
    return gxe.ExpectCompoundColumnsToBeUnique(column_list=list(ds.key), meta=meta)


def _vocabulary_expectations(ds: Dataset) -> list[Expectation]:
    expectations: list[Expectation] = []
    for vocabulary in VOCABULARIES:
        if vocabulary.dataset != ds.name:
            continue
        listed = ", ".join(vocabulary.values)
        expectations.append(
            gxe.ExpectColumnValuesToBeInSet(
                column=vocabulary.column,
                value_set=list(vocabulary.values),
                meta=_meta(
                    f"{ds.name}.{vocabulary.column}.accepted_values",
                    f"{vocabulary.column} is not one of {vocabulary.description} ({listed}). "
                    f"Use a listed value in lower case, or translate the source's values with "
                    f"a value map under datasets.{ds.name}.values.{vocabulary.column} in the "
                    "mapping file.",
                    "row",
                ),
            )
        )
    return expectations


def _range_expectations(ds: Dataset) -> list[Expectation]:
    expectations: list[Expectation] = []
    for value_range in RANGES:
        if value_range.dataset != ds.name:
            continue
        bounds = {}
        if value_range.min_value is not None:
            bounds["min_value"] = value_range.min_value
            bounds["strict_min"] = value_range.strict_min
        if value_range.max_value is not None:
            bounds["max_value"] = value_range.max_value
        check = "positive" if value_range.strict_min else "between"
        if value_range.max_value is None and not value_range.strict_min:
            check = "not_negative"
        expectations.append(
            gxe.ExpectColumnValuesToBeBetween(
                column=value_range.column,
                **bounds,
                meta=_meta(f"{ds.name}.{value_range.column}.{check}", value_range.reason, "row"),
            )
        )
    return expectations


def _currency_expectations(ds: Dataset) -> list[Expectation]:
    return [
        gxe.ExpectColumnValuesToMatchRegex(
            column=column,
            regex=CURRENCY_PATTERN,
            meta=_meta(
                f"{ds.name}.{column}.currency_code",
                f"{column} is not a three-letter ISO 4217 code in upper case, such as USD or "
                "KRW. Correct it in the source, or set it with a constant in the mapping file.",
                "row",
            ),
        )
        for dataset_name, column in CURRENCY_COLUMNS
        if dataset_name == ds.name
    ]


def _not_future_expectations(ds: Dataset) -> list[Expectation]:
    expectations: list[Expectation] = []
    for column in ds.columns:
        if column.type != TIMESTAMP or (ds.name, column.name) in NOT_FUTURE_EXCEPTIONS:
            continue
        query = (
            f"select {', '.join(_sample_columns(ds, column.name))} from {{batch}} "
            f"where {column.name} > timezone('UTC', now()) + {FUTURE_TOLERANCE_SQL}"
        )
        expectations.append(
            gxe.UnexpectedRowsExpectation(
                unexpected_rows_query=query,
                description=f"{column.name} is not more than one day in the future.",
                meta=_meta(
                    f"{ds.name}.{column.name}.not_future",
                    f"{column.name} is more than one day in the future, so the source's clock "
                    "or time zone is probably wrong. Correct the value, or set the source's "
                    "time zone in the mapping file.",
                    "row",
                ),
            )
        )
    return expectations


def _row_query_expectations(ds: Dataset) -> list[Expectation]:
    return [
        gxe.UnexpectedRowsExpectation(
            unexpected_rows_query=(
                f"select {', '.join(_sample_columns(ds, *row_query.columns))} from {{batch}} "
                f"where {row_query.condition}"
            ),
            description=row_query.description,
            meta=_meta(f"{ds.name}.{row_query.topic}.{row_query.check}", row_query.reason, "row"),
        )
        for row_query in ROW_QUERIES
        if row_query.dataset == ds.name
    ]


def _reference_expectations(ds: Dataset) -> list[Expectation]:
    expectations: list[Expectation] = []
    for reference in REFERENCES:
        if reference.dataset != ds.name:
            continue
        expectations.append(_reference_expectation(ds, reference))
    return expectations


def _reference_expectation(ds: Dataset, reference: Reference) -> Expectation:
    rows = f"{ds.name}_rows"
    target = f"referenced_{reference.target}"
    select_list = ", ".join(f"{rows}.{name}" for name in _sample_columns(ds, reference.column))
    # The query joins, so GE substitutes {batch} without an alias and this one applies.
    # An anti join returns the rows whose id has no match; an empty id is not checked.
    query = (
        f"select {select_list} from {{batch}} as {rows} "
        f'anti join raw."{reference.target}" as {target} '
        f"on {target}.{reference.target_column} = {rows}.{reference.column} "
        f"where {rows}.{reference.column} is not null"
    )
    empty_allowed = "" if ds.column(reference.column).required else " An empty id is allowed."
    absent_note = ""
    if reference.target in OPTIONAL_REFERENCE_TARGETS:
        query += f' and exists (select 1 from raw."{reference.target}")'
        absent_note = f" The check passes while {reference.target} has no rows."
    return gxe.UnexpectedRowsExpectation(
        unexpected_rows_query=query,
        description=(
            f"{reference.column} is one of the {reference.target_column} values in "
            f"{reference.target}."
            f"{empty_allowed}{absent_note}"
        ),
        meta=_meta(
            f"{ds.name}.{reference.column}.references_{reference.target}",
            f"{reference.column} matches no {reference.target_column} in {reference.target}. "
            f"Add the missing row to {reference.target}, or correct the id."
            f"{empty_allowed}",
            "row",
            references=reference.target,
        ),
    )


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for path in write_suites():
        logger.info("Wrote %s", path)
    logger.info("Commit %s with the change that needed them.", expectations_dir())


if __name__ == "__main__":
    main()
