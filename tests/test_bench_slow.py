"""The scale benchmark runs end to end in --quick mode and reports every stage and target.

Slow: it generates a small company, runs ingestion, validates every raw table and runs
dbt twice, so only `make bench` (pytest -m slow) runs it.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys

import pytest

from orchestration.ingest.datasets import DATASETS
from orchestration.settings import project_dir

pytestmark = pytest.mark.slow

BENCH_DIR = project_dir() / "benchmarks"
STAGE_LABELS = (
    "floor: read every landing file once",
    "ingestion: raw assets",
    "validation: every raw table's suite",
    "full dbt build, all months",
    "one further month, whole job",
    "pipeline: ingestion + full build",
)
TARGETS = (
    "pipeline <= 8 x floor",
    "peak memory < 4,096 MB in every stage",
    "one further month < 1/5 of the full build",
    "validation >= 1,000,000 rows/s",
)
SEED = 3


def _load_company_module():
    spec = importlib.util.spec_from_file_location("bench_company", BENCH_DIR / "company.py")
    module = importlib.util.module_from_spec(spec)
    # dataclasses look the module up in sys.modules while the class body runs.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    work_dir = tmp_path_factory.mktemp("bench")
    results = work_dir / "RESULTS.md"
    completed = subprocess.run(
        [
            sys.executable,
            str(BENCH_DIR / "run_bench.py"),
            "--quick",
            "--seed",
            str(SEED),
            "--work-dir",
            str(work_dir),
            "--results",
            str(results),
        ],
        cwd=project_dir(),
        capture_output=True,
        text=True,
        check=False,
    )
    return {
        "completed": completed,
        "work_dir": work_dir,
        "results": results.read_text() if results.exists() else "",
    }


def test_quick_bench_exit_code(quick_run):
    completed = quick_run["completed"]
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]


@pytest.mark.parametrize("label", STAGE_LABELS)
def test_results_stage_row(quick_run, label):
    row = re.compile(
        rf"^\| {re.escape(label)} \| [\d,]+\.\d \| [\d,]+ \| [\d.]+ x \| ok \|$", re.MULTILINE
    )
    assert row.search(quick_run["results"]), quick_run["results"]


@pytest.mark.parametrize("label", STAGE_LABELS)
def test_stdout_stage_row(quick_run, label):
    assert f"| {label} |" in quick_run["completed"].stdout


@pytest.mark.parametrize("target", TARGETS)
def test_results_target_verdict(quick_run, target):
    verdict = re.compile(rf"^\| {re.escape(target)} \| .+ \| (met|NOT MET) \|$", re.MULTILINE)
    assert verdict.search(quick_run["results"]), quick_run["results"]


@pytest.mark.parametrize("dataset_name", [dataset.name for dataset in DATASETS])
def test_results_dataset_rows(quick_run, dataset_name):
    row = re.compile(rf"^\| {dataset_name} \| [1-9][\d,]* \| [\d,.]+ \|$", re.MULTILINE)
    assert row.search(quick_run["results"]), quick_run["results"]


@pytest.mark.parametrize("dataset_name", [dataset.name for dataset in DATASETS])
def test_results_validation_rows(quick_run, dataset_name):
    row = re.compile(
        rf"^\| {dataset_name} \| [1-9][\d,]* \| [\d,]+\.\d\d \| [\d,]+ \| .+ of \d+ \|$",
        re.MULTILINE,
    )
    assert row.search(quick_run["results"]), quick_run["results"]


def test_results_validation_total(quick_run):
    total = re.compile(r"^\| total \| [1-9][\d,]* \| [\d,]+\.\d\d \| [\d,]+ \| \|$", re.MULTILINE)
    assert total.search(quick_run["results"]), quick_run["results"]


def test_results_gate_share(quick_run):
    validated = len(DATASETS)
    assert f"validating {validated} datasets, Data Docs included" in quick_run["results"]


def test_results_quick_note(quick_run):
    assert "the targets apply only to the full scale" in quick_run["results"]


def test_results_machine_section(quick_run):
    assert re.search(r"^- CPU: \d+ cores", quick_run["results"], re.MULTILINE)


def test_results_slowest_dbt_nodes(quick_run):
    assert "## dbt in stage: full dbt build, all months" in quick_run["results"]
    assert re.search(r"^- `(model|test|seed)\.salesaudit\.", quick_run["results"], re.MULTILINE)


def test_warehouse_deleted_without_keep(quick_run):
    run_dir = quick_run["work_dir"] / "run"
    assert not (run_dir / "warehouse.duckdb").exists()
    assert (run_dir / "logs" / "full_build.log").exists()


def test_company_reused_when_unchanged(quick_run, tmp_path):
    companies = _load_company_module()
    folder = companies.company_dir(quick_run["work_dir"], SEED, 0.2)
    copy = shutil.copytree(folder, tmp_path / folder.name)
    fingerprint = companies.generator_fingerprint()
    assert companies.reusable_company(copy, SEED, 0.2, fingerprint) is not None
    assert companies.reusable_company(copy, SEED + 1, 0.2, fingerprint) is None
    assert companies.reusable_company(copy, SEED, 0.3, fingerprint) is None
    assert companies.reusable_company(copy, SEED, 0.2, "0" * 16) is None


def test_company_regenerated_after_file_change(quick_run, tmp_path):
    companies = _load_company_module()
    folder = companies.company_dir(quick_run["work_dir"], SEED, 0.2)
    copy = shutil.copytree(folder, tmp_path / folder.name)
    deals = companies.landing_dir(copy) / "deals.csv"
    deals.write_bytes(deals.read_bytes()[:-100])
    assert companies.reusable_company(copy, SEED, 0.2, companies.generator_fingerprint()) is None
