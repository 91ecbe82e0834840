"""validate_dataset on real DuckDB files: outcomes, samples, structure, Data Docs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestration.ingest.datasets import DATASETS
from orchestration.quality.ge_duckdb import require_no_open_transaction
from orchestration.quality.rules import row_rules
from orchestration.quality.validate import (
    SAMPLE_SIZE,
    SuiteValidation,
    expectation_names,
    validate_dataset,
)
from tests.test_quality_rules import (
    BAD_ROWS,
    SOURCE_FILE,
    create_world,
    failing_records,
    insert_rows,
    varied_row,
)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SALESAUDIT_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture
def world(tmp_path: Path):
    connection = create_world(tmp_path / "warehouse.duckdb")
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def bad_world(tmp_path_factory: pytest.TempPathFactory):
    """Every raw table with its base row, then one row per row rule that breaks it.

    Returns the connection, each rule's bad record number, and each dataset's validation.
    """
    connection = create_world(tmp_path_factory.mktemp("bad") / "warehouse.duckdb")
    bad_records = {}
    for ds in DATASETS:
        for number, rule in enumerate(row_rules(ds.name), start=2):
            insert_rows(connection, ds.name, [varied_row(ds.name, number, BAD_ROWS[rule.name])])
            bad_records[rule.name] = number
    validations = {
        ds.name: validate_dataset(connection, ds.name, build_docs=False) for ds in DATASETS
    }
    yield connection, bad_records, validations
    connection.close()


def outcome(validation: SuiteValidation, name: str):
    return next(outcome for outcome in validation.outcomes if outcome.name == name)


ALL_ROW_RULES = [rule for ds in DATASETS for rule in row_rules(ds.name)]


@pytest.mark.parametrize("rule", ALL_ROW_RULES, ids=lambda rule: rule.name)
def test_validation_flags_bad_row(bad_world, rule):
    _, bad_records, validations = bad_world
    result = outcome(validations[rule.name.split(".")[0]], rule.name)
    assert result.success is False
    assert result.unexpected_count == 1
    assert [row["_record_number"] for row in result.unexpected_sample] == [bad_records[rule.name]]


@pytest.mark.parametrize("rule", ALL_ROW_RULES, ids=lambda rule: rule.name)
def test_rule_sql_agrees_with_validation(bad_world, rule):
    connection, bad_records, _ = bad_world
    assert failing_records(connection, rule) == [bad_records[rule.name]]


@pytest.mark.parametrize("ds", DATASETS, ids=lambda ds: ds.name)
def test_bad_rows_leave_structure_valid(bad_world, ds):
    _, _, validations = bad_world
    failed = {o.name for o in validations[ds.name].outcomes if not o.success}
    assert failed == {rule.name for rule in row_rules(ds.name)}


def test_sample_rows_carry_key_and_lineage(bad_world):
    _, bad_records, validations = bad_world
    sample = outcome(validations["activities"], "activities.duration_minutes.between")
    assert sample.unexpected_sample == (
        {
            "activity_id": f"a{bad_records['activities.duration_minutes.between']}",
            "_source_file": SOURCE_FILE,
            "_record_number": bad_records["activities.duration_minutes.between"],
            "duration_minutes": "1441.00",
        },
    )


def test_row_query_sample_carries_key(bad_world):
    _, bad_records, validations = bad_world
    sample = outcome(validations["activities"], "activities.rep_id.references_reps")
    number = bad_records["activities.rep_id.references_reps"]
    assert sample.unexpected_sample == (
        {
            "_source_file": SOURCE_FILE,
            "_record_number": number,
            "activity_id": f"a{number}",
            "rep_id": "ghost",
        },
    )


def test_element_count_is_row_count(bad_world):
    _, _, validations = bad_world
    validation = validations["deals"]
    assert {o.element_count for o in validation.outcomes} == {validation.row_count}


def test_clean_dataset_passes(world):
    validation = validate_dataset(world, "deals", build_docs=False)
    assert validation.success is True
    assert validation.row_count == 1


def test_empty_table_passes(world):
    world.execute("delete from raw.activities")
    validation = validate_dataset(world, "activities", build_docs=False)
    assert validation.success is True
    assert validation.row_count == 0


def test_outcomes_follow_expectation_names(world):
    validation = validate_dataset(world, "quotas", build_docs=False)
    assert [o.name for o in validation.outcomes] == expectation_names("quotas")


def test_duplicate_key_counted_with_sample(world):
    insert_rows(world, "activities", [dict(varied_row("activities", 2, {}), activity_id="a1")])
    result = outcome(
        validate_dataset(world, "activities", build_docs=False), "activities.key.unique"
    )
    assert result.success is False
    assert result.unexpected_count == 2
    assert [row["_record_number"] for row in result.unexpected_sample] == [1, 2]


def test_duplicate_compound_key_counted(world):
    insert_rows(world, "quotas", [varied_row("quotas", 1, {})])
    result = outcome(validate_dataset(world, "quotas", build_docs=False), "quotas.key.unique")
    assert result.success is False
    assert result.unexpected_count == 2


def test_duplicate_sample_capped(world):
    copies = [dict(varied_row("activities", n, {}), activity_id="a1") for n in range(2, 30)]
    insert_rows(world, "activities", copies)
    result = outcome(
        validate_dataset(world, "activities", build_docs=False), "activities.key.unique"
    )
    assert result.unexpected_count == 29
    assert len(result.unexpected_sample) == SAMPLE_SIZE


def test_wrong_type_is_structural(world):
    world.execute("alter table raw.activities alter duration_minutes type varchar")
    result = outcome(
        validate_dataset(world, "activities", build_docs=False), "activities.duration_minutes.type"
    )
    assert result.success is False
    assert result.level == "table"
    assert result.unexpected_count == 1
    assert result.observed_value == "VARCHAR"


def test_missing_column_is_structural(world):
    world.execute("alter table raw.activities drop column source_system")
    validation = validate_dataset(world, "activities", build_docs=False)
    failed = {o.name for o in validation.outcomes if not o.success}
    assert "activities.columns.match_contract" in failed
    assert "activities.source_system.type" in failed


def test_missing_reference_table_skipped(world):
    world.execute("drop table raw.contacts")
    result = outcome(
        validate_dataset(world, "email_events", build_docs=False),
        "email_events.contact_id.references_contacts",
    )
    assert result.success is True
    assert "raw.contacts does not exist" in result.skipped


def test_missing_table_rejected(world):
    world.execute("drop table raw.fx_rates")
    with pytest.raises(LookupError, match="raw.fx_rates does not exist"):
        validate_dataset(world, "fx_rates", build_docs=False)


def test_open_transaction_rejected(world):
    world.begin()
    with pytest.raises(RuntimeError, match="transaction"):
        validate_dataset(world, "reps", build_docs=False)
    world.rollback()


def test_other_table_validated(world):
    world.execute("create schema audit")
    world.execute("create table audit.reps_copy as select * from raw.reps")
    insert_rows(world, "reps", [varied_row("reps", 2, {})])
    validation = validate_dataset(world, "reps", table="audit.reps_copy", build_docs=False)
    assert validation.table == "audit.reps_copy"
    assert validation.row_count == 1


def test_connection_usable_after_validation(world):
    validate_dataset(world, "reps", build_docs=False)
    require_no_open_transaction(world)
    insert_rows(world, "reps", [varied_row("reps", 2, {})])
    assert world.execute("select count(*) from raw.reps").fetchone()[0] == 2


def test_unknown_dataset_rejected(world):
    with pytest.raises(KeyError, match="Unknown dataset"):
        validate_dataset(world, "orders")


def test_data_docs_page_written(world, data_dir):
    insert_rows(world, "activities", [varied_row("activities", 2, {"duration_minutes": "5000"})])
    validation = validate_dataset(world, "activities")
    assert validation.data_docs_path == data_dir / "data_docs" / "validations" / "activities.html"
    page = validation.data_docs_path.read_text(encoding="utf-8")
    assert "duration_minutes" in page
    assert 'href="../index.html"' in page


def test_data_docs_index_lists_failed_rule(world, data_dir):
    insert_rows(world, "activities", [varied_row("activities", 2, {"duration_minutes": "5000"})])
    validate_dataset(world, "activities")
    validate_dataset(world, "reps")
    index = (data_dir / "data_docs" / "index.html").read_text(encoding="utf-8")
    assert 'href="validations/activities.html"' in index
    assert 'href="validations/reps.html"' in index
    assert "activities.duration_minutes.between" in index


def test_data_docs_summary_latest_run(world, data_dir):
    insert_rows(world, "reps", [varied_row("reps", 2, {"rep_id": None})])
    validate_dataset(world, "reps")
    world.execute("delete from raw.reps where rep_id is null")
    validate_dataset(world, "reps")
    summary = json.loads((data_dir / "data_docs" / "validations" / "reps.json").read_text())
    assert summary["success"] is True
    assert summary["failed_rules"] == []


def test_data_docs_suite_page_written(world, data_dir):
    validate_dataset(world, "fx_rates")
    page = data_dir / "data_docs" / "expectations" / "fx_rates.html"
    assert "rate_to_reporting_currency" in page.read_text(encoding="utf-8")


def test_data_docs_skipped_without_flag(world, data_dir):
    validation = validate_dataset(world, "reps", build_docs=False)
    assert validation.data_docs_path is None
    assert not (data_dir / "data_docs").exists()
