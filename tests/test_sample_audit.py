"""monthly_audit on the generated sample company fills every mart and reports what it did."""

from __future__ import annotations

import pytest

from orchestration.cli.summary import mart_row_counts
from orchestration.ingest.datasets import DATASETS
from orchestration.report.team_kpis import latest_team_summary, render_text
from tests.test_definitions import MARTS


@pytest.fixture(scope="module")
def row_counts(sample_audit):
    with sample_audit.connect() as connection:
        return dict(mart_row_counts(connection))


@pytest.mark.parametrize("mart", MARTS)
def test_sample_mart_not_empty(row_counts, mart):
    assert row_counts.get(mart, 0) > 0


@pytest.mark.parametrize("dataset_name", [ds.name for ds in DATASETS])
def test_raw_row_count_metadata(sample_audit, dataset_name):
    materializations = [
        event.event_specific_data.materialization
        for event in sample_audit.all_events
        if event.event_type_value == "ASSET_MATERIALIZATION"
        and event.asset_key.path == ["raw", dataset_name]
    ]
    assert len(materializations) == 1
    row_count = materializations[0].metadata["dagster/row_count"].value
    with sample_audit.connect() as connection:
        actual = connection.execute(f'select count(*) from raw."{dataset_name}"').fetchone()[0]
    assert row_count == actual
    assert actual > 0


def test_team_mart_preview_metadata(sample_audit):
    materializations = [
        event.event_specific_data.materialization
        for event in sample_audit.all_events
        if event.event_type_value == "ASSET_MATERIALIZATION"
        and event.asset_key.path == ["marts", "kpi_team_monthly"]
    ]
    preview = materializations[0].metadata["latest_month_preview"].value
    assert "| team |" in preview
    assert "| all |" in preview


@pytest.mark.parametrize("mart", MARTS)
def test_mart_row_count_metadata(sample_audit, row_counts, mart):
    materializations = [
        event.event_specific_data.materialization
        for event in sample_audit.all_events
        if event.event_type_value == "ASSET_MATERIALIZATION"
        and event.asset_key.path == ["marts", mart]
    ]
    # Both runs build the comparison mart, so the last build matches the table.
    assert materializations[-1].metadata["dagster/row_count"].value == row_counts[mart]


def test_team_summary_latest_month(sample_audit):
    with sample_audit.connect() as connection:
        summary = latest_team_summary(connection)
    text = render_text(summary)
    assert summary.month.strftime("%Y-%m") == sample_audit.request.end_month
    assert summary.rows[-1][0] == "all"
    assert "Team KPIs for" in text


def test_every_employed_rep_has_performance_row(sample_audit):
    with sample_audit.connect() as connection:
        missing = connection.execute(
            """
            select count(*)
            from intermediate.int_rep_months as rep_months
            left join marts.kpi_performance_monthly as performance
                using (rep_id, month)
            where performance.rep_id is null
            """
        ).fetchone()[0]
    assert missing == 0
