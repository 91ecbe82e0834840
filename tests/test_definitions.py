"""The code location loads with the job, every raw asset, every mart and the lineage between."""

from __future__ import annotations

import dagster as dg
import pytest

from orchestration.definitions import defs
from orchestration.ingest.datasets import DATASETS

MARTS = (
    "fct_activity_audit",
    "rep_time_allocation_monthly",
    "kpi_efficiency_monthly",
    "kpi_effectiveness_monthly",
    "kpi_performance_monthly",
    "kpi_team_monthly",
    "audit_recommendations",
    "kpi_performance_quarterly",
    "kpi_team_quarterly",
    "kpi_period_comparison",
    "productivity_matrix_quarterly",
)

# Each mart and landing datasets it must be downstream of.
MART_SOURCES = {
    "fct_activity_audit": ("activities", "time_entries", "reps"),
    "rep_time_allocation_monthly": ("activities", "time_entries", "reps"),
    "kpi_efficiency_monthly": ("activities", "time_entries", "reps"),
    "kpi_effectiveness_monthly": ("activities", "deal_stage_history", "reps"),
    "kpi_performance_monthly": ("deals", "quotas", "fx_rates", "reps"),
    "kpi_team_monthly": ("deals", "activities", "quotas", "reps"),
    "audit_recommendations": ("activities", "time_entries"),
    "kpi_performance_quarterly": ("deals", "quotas", "fx_rates", "reps"),
    "kpi_team_quarterly": ("deals", "activities", "quotas", "reps"),
    "kpi_period_comparison": ("deals", "activities", "reps"),
    "productivity_matrix_quarterly": ("activities", "deals", "reps"),
}


@pytest.fixture(scope="module")
def asset_graph():
    return defs.resolve_asset_graph()


def test_definitions_validate():
    dg.Definitions.validate_loadable(defs)


def test_monthly_audit_job_exists():
    job = defs.resolve_job_def("monthly_audit")
    assert job.name == "monthly_audit"


QUARTERLY_MARTS = {
    "kpi_performance_quarterly",
    "kpi_team_quarterly",
    "productivity_matrix_quarterly",
}


def test_jobs_together_select_every_asset(asset_graph):
    monthly = defs.resolve_job_def("monthly_audit").asset_layer.selected_asset_keys
    quarterly = defs.resolve_job_def("quarterly_reaudit").asset_layer.selected_asset_keys
    assert monthly | quarterly == asset_graph.materializable_asset_keys
    assert {key.path[-1] for key in quarterly if key.path[0] == "marts"} == QUARTERLY_MARTS | {
        "kpi_period_comparison"
    }
    assert not {key.path[-1] for key in monthly} & QUARTERLY_MARTS


def test_partitions_follow_the_calendar(asset_graph):
    monthly = asset_graph.get(dg.AssetKey(["marts", "kpi_team_monthly"])).partitions_def
    quarterly = asset_graph.get(dg.AssetKey(["marts", "kpi_team_quarterly"])).partitions_def
    assert (
        monthly.timezone
        == quarterly.timezone
        == defs.resolve_job_def("monthly_audit").partitions_def.timezone
    )
    assert monthly.get_partition_keys()[0] == "2015-01"
    assert asset_graph.get(dg.AssetKey(["marts", "kpi_period_comparison"])).partitions_def is None
    assert asset_graph.get(dg.AssetKey(["raw", "activities"])).partitions_def is None


def test_schedules_and_sensors_present():
    assert {schedule.name for schedule in defs.schedules} == {
        "monthly_audit_schedule",
        "quarterly_reaudit_schedule",
    }
    assert {sensor.name for sensor in defs.sensors} == {
        "quarterly_reaudit_after_months",
        "landing_files_sensor",
        "audit_run_failure_alert",
        "landing_freshness_sensor",
    }


@pytest.mark.parametrize("dataset_name", [ds.name for ds in DATASETS])
def test_raw_asset_present(asset_graph, dataset_name):
    assert dg.AssetKey(["raw", dataset_name]) in asset_graph.materializable_asset_keys


@pytest.mark.parametrize("mart", MARTS)
def test_mart_asset_present(asset_graph, mart):
    assert dg.AssetKey(["marts", mart]) in asset_graph.materializable_asset_keys


@pytest.mark.parametrize("mart", MARTS)
def test_mart_in_marts_group(asset_graph, mart):
    assert asset_graph.get(dg.AssetKey(["marts", mart])).group_name == "marts"


@pytest.mark.parametrize(
    ("mart", "dataset_name"),
    [(mart, name) for mart, names in MART_SOURCES.items() for name in names],
)
def test_lineage_raw_to_mart(asset_graph, mart, dataset_name):
    parents = asset_graph.get(dg.AssetKey(["marts", mart])).parent_keys
    closure = set(parents)
    frontier = list(parents)
    while frontier:
        key = frontier.pop()
        for parent in asset_graph.get(key).parent_keys:
            if parent not in closure:
                closure.add(parent)
                frontier.append(parent)
    assert dg.AssetKey(["raw", dataset_name]) in closure


@pytest.mark.parametrize("dataset_name", [ds.name for ds in DATASETS])
def test_staging_reads_raw_directly(asset_graph, dataset_name):
    staging = dg.AssetKey(["staging", f"stg_landing__{dataset_name}"])
    assert dg.AssetKey(["raw", dataset_name]) in asset_graph.get(staging).parent_keys


def test_every_warehouse_writer_shares_one_pool(asset_graph):
    from orchestration.warehouse import WAREHOUSE_POOL

    pools = {
        asset_graph.get(key).pools and next(iter(asset_graph.get(key).pools))
        for key in asset_graph.materializable_asset_keys
    }
    assert pools == {WAREHOUSE_POOL}


def test_deploy_instance_limits_the_pool_to_one(tmp_path, monkeypatch):
    import shutil

    from orchestration.settings import project_dir

    shutil.copy(project_dir() / "deploy" / "dagster.yaml", tmp_path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    with dg.DagsterInstance.get() as instance:
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1


@pytest.mark.parametrize(
    ("variable", "value"),
    [("SALESAUDIT_LOCALE", "fr"), ("SALESAUDIT_ALERT_WEBHOOK_URL", "notaurl")],
)
def test_bad_alert_setting_stops_loading(monkeypatch, variable, value):
    from orchestration.definitions import build_definitions

    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=variable):
        build_definitions()
