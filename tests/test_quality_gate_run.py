"""The quality gate in monthly_audit: balanced counts, and a blocking failure stops the run."""

from __future__ import annotations

import csv

import dagster as dg
import duckdb
import pytest

from orchestration.cli.run_audit import AuditRequest, run_audit
from orchestration.cli.summary import failure_messages
from orchestration.ingest.datasets import DATASETS
from orchestration.settings import AuditSettings


def _materialization(result, dataset_name):
    for event in result.all_events:
        if event.event_type_value == "ASSET_MATERIALIZATION" and event.asset_key.path == [
            "raw",
            dataset_name,
        ]:
            return event.event_specific_data.materialization
    raise AssertionError(f"raw/{dataset_name} was not materialized")


@pytest.mark.parametrize("dataset_name", [ds.name for ds in DATASETS])
def test_rows_read_balance(sample_audit, dataset_name):
    metadata = _materialization(sample_audit.result, dataset_name).metadata
    rows_read = metadata["rows_read"].value
    assert rows_read == metadata["rows_loaded"].value + metadata["rows_quarantined"].value


def test_quarantine_table_matches_metadata(sample_audit):
    metadata = _materialization(sample_audit.result, "email_events").metadata
    with sample_audit.connect() as connection:
        quarantined = connection.execute("select count(*) from quarantine.email_events").fetchone()[
            0
        ]
    assert quarantined == metadata["rows_quarantined"].value


def test_gate_checks_pass_on_sample(sample_audit):
    gate_results = [
        event.event_specific_data
        for event in sample_audit.result.all_events
        if event.event_type_value == "ASSET_CHECK_EVALUATION"
        and event.event_specific_data.check_name == "quality_gate"
    ]
    assert len(gate_results) == len(DATASETS)
    assert all(result.passed for result in gate_results)


@pytest.fixture(scope="module")
def blocked_run(tmp_path_factory):
    from orchestration.ingest.sample import generate_company

    root = tmp_path_factory.mktemp("blocked")
    summary = generate_company(root / "landing", seed=3, scale=0.05)
    activities = root / "landing" / "activities.csv"
    with activities.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    duration = rows[0].index("duration_minutes")
    for row in rows[1::5]:
        row[duration] = "5000"
    with activities.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)

    request = AuditRequest(
        landing_dir=root / "landing",
        warehouse=root / "warehouse.duckdb",
        audit_settings=AuditSettings(),
        start_month=f"{summary.first_month:%Y-%m}",
        end_month=f"{summary.last_month:%Y-%m}",
    )
    return request, run_audit(request, instance=dg.DagsterInstance.ephemeral())


def test_blocking_failure_fails_run(blocked_run):
    _, result = blocked_run
    assert not result.success


def test_blocking_failure_builds_no_marts(blocked_run):
    request, _ = blocked_run
    with duckdb.connect(str(request.warehouse), read_only=True) as connection:
        marts = connection.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts'"
        ).fetchone()[0]
    assert marts == 0


def test_blocking_failure_says_why(blocked_run):
    _, result = blocked_run
    messages = failure_messages(result)
    assert len(messages) == 1
    assert messages[0].startswith("raw/activities quality_gate:")
    assert "above the 5.0% limit" in messages[0]
    assert "quarantine.activities" in messages[0]


def test_blocking_failure_keeps_bad_rows(blocked_run):
    request, _ = blocked_run
    with duckdb.connect(str(request.warehouse), read_only=True) as connection:
        rules = connection.execute(
            "select distinct rule from quarantine.activities order by rule"
        ).fetchall()
    assert ("activities.duration_minutes.between",) in rules


def test_data_docs_beside_warehouse(sample_audit):
    metadata = _materialization(sample_audit.result, "activities").metadata
    docs_url = metadata["data_docs"].value
    docs_dir = sample_audit.path.parent / "data_docs"
    assert docs_url.startswith(docs_dir.as_uri())
    assert (docs_dir / "index.html").is_file()
