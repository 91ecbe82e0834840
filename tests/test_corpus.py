"""The input corpus: every tests/corpus/<case>/ folder is a tiny landing with its verdict.

A case folder contains landing files (plus `mapping.yml` when the case needs one) and
`expected.yml`:

```yaml
description: one line, what this case is
dataset: activities            # the dataset under test
error: "substring of the IngestError message"     # a structural failure, or else:
loaded_records: [1, 2, 4]      # record numbers that end in raw.<dataset>
quarantined:                   # record number -> rule, optionally a reason substring and line
  - {record: 3, rule: "activities.duration_minutes.between", line: 4, reason: "1440"}
values:                        # optional: exact loaded values (dataset defaults to the case's)
  - {dataset: reps, record: 1, column: rep_name, value: "김민준"}
  - {record: 2, column: field_values, length: 3000000}   # or only the text's length
warning: "substring of a load warning"             # optional
```

In a case with several files of the dataset under test, a record is written
"<file name>:<record number>", e.g. "b.csv:2".

Every other dataset with files in the folder is loaded first, so that reference rules
find their tables. The dataset under test then goes through the quality gate when
`orchestration.quality.gate.run_gate` exists, else through `load_dataset` followed by
`quarantine_rows` for each of the dataset's row rules (see `run_pipeline`).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml

from orchestration.ingest.datasets import DATASETS_BY_NAME
from orchestration.ingest.errors import IngestError
from orchestration.ingest.load import load_dataset
from orchestration.ingest.mapping import plan_sources
from orchestration.ingest.sources import DatasetSource
from orchestration.quality.quarantine import quarantine_rows

CORPUS_DIR = Path(__file__).parent / "corpus"
CASES = sorted(path for path in CORPUS_DIR.iterdir() if (path / "expected.yml").is_file())
GATE_AVAILABLE = importlib.util.find_spec("orchestration.quality.gate") is not None


def run_pipeline(
    connection: duckdb.DuckDBPyConnection, plan: dict[str, DatasetSource], dataset_name: str
) -> int:
    """Run the dataset through the gate (or load + row rules) and return its rows read.

    Raises IngestError for a structural failure, which the gate reports in its outcome.
    """
    if GATE_AVAILABLE:
        from orchestration.quality.gate import run_gate

        outcome = run_gate(connection, plan, dataset_name, build_docs=False)
        if outcome.structural_error is not None:
            raise IngestError(outcome.structural_error)
        LAST_WARNINGS[:] = outcome.load.warnings if outcome.load else ()
        return outcome.rows_read
    result = load_dataset(connection, plan[dataset_name])
    for rule in _row_rules(connection, dataset_name):
        quarantine_rows(
            connection,
            dataset_name,
            rule.name,
            rule.reason,
            rule.failing_rows_sql,
            column_name=rule.column,
        )
    LAST_WARNINGS[:] = result.warnings
    return result.rows_read


# Warnings of the last run_pipeline call, for the `warning` key of expected.yml.
LAST_WARNINGS: list[str] = []


def _row_rules(connection: duckdb.DuckDBPyConnection, dataset_name: str) -> list:
    if importlib.util.find_spec("orchestration.quality.rules") is None:
        return []
    from orchestration.quality import rules

    if hasattr(rules, "runnable_row_rules"):
        return rules.runnable_row_rules(connection, dataset_name)
    return rules.row_rules(dataset_name)


def run_case(case: Path, database: Path) -> tuple[duckdb.DuckDBPyConnection, int]:
    """Load the case's other datasets, then run its dataset; return the connection and rows read."""
    expected = read_expected(case)
    mapping_file = case / "mapping.yml"
    plan = plan_sources(case, mapping_file if mapping_file.is_file() else None)
    connection = duckdb.connect(str(database))
    for name, source in plan.items():
        if name != expected["dataset"] and not source.is_missing:
            load_dataset(connection, source)
    for name, source in plan.items():
        if (
            name != expected["dataset"]
            and source.is_missing
            and not DATASETS_BY_NAME[name].required
        ):
            load_dataset(connection, source)
    return connection, run_pipeline(connection, plan, expected["dataset"])


def read_expected(case: Path) -> dict:
    return yaml.safe_load((case / "expected.yml").read_text(encoding="utf-8"))


def record_label(source_file: str, record: int, several_files: bool) -> str | int:
    return f"{Path(source_file).name}:{record}" if several_files else record


def test_corpus_has_cases():
    formats = [case for case in CASES if case.name.startswith("format_")]
    assert len(formats) >= 18


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_corpus_case(case: Path, tmp_path: Path):
    expected = read_expected(case)
    assert expected.get("description"), f"{case.name}/expected.yml needs a description"
    dataset_name = expected["dataset"]

    if "error" in expected:
        with pytest.raises(IngestError) as caught:
            run_case(case, tmp_path / "w.duckdb")
        assert expected["error"] in str(caught.value)
        return

    connection, rows_read = run_case(case, tmp_path / "w.duckdb")
    loaded_rows = connection.execute(
        f'select _source_file, _record_number from raw."{dataset_name}"'
    ).fetchall()
    held_rows = connection.execute(
        "select _source_file, _record_number, rule, reason, _line_number "
        f'from quarantine."{dataset_name}"'
    ).fetchall()
    several_files = len({row[0] for row in [*loaded_rows, *held_rows]}) > 1

    loaded = sorted(
        (record_label(file, record, several_files) for file, record in loaded_rows), key=str
    )
    assert loaded == sorted(expected["loaded_records"], key=str)

    held = {record_label(row[0], row[1], several_files): row for row in held_rows}
    expected_held = {item["record"]: item for item in expected.get("quarantined") or []}
    assert sorted(held, key=str) == sorted(expected_held, key=str)
    for record, item in expected_held.items():
        _, _, rule, reason, line = held[record]
        assert rule == item["rule"], f"record {record}"
        if "reason" in item:
            assert item["reason"] in reason, f"record {record}"
        if "line" in item:
            assert line == item["line"], f"record {record}"

    assert rows_read == len(loaded_rows) + len(held_rows)

    for item in expected.get("values") or []:
        value_dataset = item.get("dataset", dataset_name)
        row = connection.execute(
            f'select "{item["column"]}" from raw."{value_dataset}" where _record_number = $record',
            {"record": item["record"]},
        ).fetchone()
        assert row is not None, f"{value_dataset} record {item['record']} not loaded"
        if "length" in item:
            assert len(row[0]) == item["length"], item["column"]
        else:
            assert _comparable(row[0]) == _comparable(item["value"]), item

    if "warning" in expected:
        assert any(expected["warning"] in warning for warning in LAST_WARNINGS)


def _comparable(value: object) -> object:
    # YAML gives dates, datetimes and numbers; DuckDB gives Decimals for decimals.
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float | int) and not isinstance(value, bool):
        return Decimal(str(value))
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return value
