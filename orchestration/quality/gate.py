"""The quality gate for one landing dataset: load, validate, quarantine, measure.

`run_gate` is what the raw ingestion asset and the malformed-input corpus both call, so
the tests exercise the path a Dagster run takes. Validation runs on the freshly loaded
table, so the expectation checks report every failing row. Then each row-level rule moves
its failing rows from `raw.<dataset>` to `quarantine.<dataset>`. Rows that could not be
converted to their declared type, and rows superseded by a later version of the same key,
were already quarantined by the loader.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.ingest.errors import IngestError
from orchestration.ingest.load import LoadResult, load_dataset
from orchestration.ingest.sources import DatasetSource
from orchestration.quality.quarantine import quarantine_rows
from orchestration.quality.rules import runnable_row_rules
from orchestration.quality.validate import SuiteValidation, validate_dataset

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GateOutcome:
    """Outcome of the gate for one dataset, where rows_read = rows_loaded + rows_quarantined."""

    dataset: str
    load: LoadResult | None
    validation: SuiteValidation | None
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    quarantine_reasons: Mapping[str, int] = field(default_factory=dict)
    # Set when a file could not be loaded at all: unreadable, or a required column missing.
    structural_error: str | None = None

    @property
    def quarantined_share(self) -> float:
        return self.rows_quarantined / self.rows_read if self.rows_read else 0.0

    def is_blocking(self, max_quarantine_share: float) -> bool:
        return self.structural_error is not None or self.quarantined_share > max_quarantine_share


def run_gate(
    connection: duckdb.DuckDBPyConnection,
    plan: Mapping[str, DatasetSource],
    dataset_name: str,
    build_docs: bool = True,
    docs_dir: Path | None = None,
) -> GateOutcome:
    """Load `dataset_name` from `plan`, validate it with its suite, quarantine failing rows."""
    try:
        load = load_dataset(connection, plan[dataset_name])
    except IngestError as err:
        return GateOutcome(
            dataset=dataset_name,
            load=None,
            validation=None,
            rows_read=0,
            rows_loaded=0,
            rows_quarantined=0,
            structural_error=str(err),
        )
    reasons = dict(load.quarantine_reasons)
    if load.is_missing:
        return GateOutcome(
            dataset=dataset_name,
            load=load,
            validation=None,
            rows_read=0,
            rows_loaded=0,
            rows_quarantined=0,
        )

    validation = validate_dataset(
        connection, dataset_name, build_docs=build_docs, docs_dir=docs_dir
    )
    # A rule whose expectation found no failing row needs no second scan of the table:
    # on clean data that saves one query per rule over every row.
    clean_rules = {
        outcome.name
        for outcome in validation.outcomes
        if outcome.success
        and outcome.unexpected_count == 0
        and not outcome.error
        and not outcome.skipped
    }
    moved_by_rules = 0
    for rule in runnable_row_rules(connection, dataset_name):
        if rule.name in clean_rules:
            continue
        moved = quarantine_rows(
            connection,
            dataset_name,
            rule.name,
            rule.reason,
            rule.failing_rows_sql,
            column_name=rule.column,
        )
        if moved:
            reasons[rule.name] = reasons.get(rule.name, 0) + moved
            moved_by_rules += moved

    rows_quarantined = load.rows_quarantined + moved_by_rules
    return GateOutcome(
        dataset=dataset_name,
        load=load,
        validation=validation,
        rows_read=load.rows_read,
        rows_loaded=load.rows_read - rows_quarantined,
        rows_quarantined=rows_quarantined,
        quarantine_reasons=reasons,
    )
