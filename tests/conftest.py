"""Session fixtures: the dbt project is built once per test session, per data set.

`sample_audit` generates a small sample company and runs `monthly_audit` in-process into
a DuckDB file over its months, as one run, then `quarterly_reaudit` over its complete
fiscal quarters. `maven_audit` does the same for the public Maven CRM export. Tests then
read the marts with plain DuckDB connections.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.cli.run_audit import AuditRequest, run_audit, run_quarterly_audit
from orchestration.settings import AuditSettings, project_dir

SAMPLE_SEED = 11
SAMPLE_SCALE = 0.1
MAVEN_DIR = project_dir() / "examples" / "maven_crm"


@dataclass(frozen=True)
class AuditedWarehouse:
    request: AuditRequest
    result: dg.ExecuteInProcessResult
    instance: dg.DagsterInstance
    quarterly_result: dg.ExecuteInProcessResult | None = None

    @property
    def all_events(self) -> list:
        """Events of the monthly run, then of the quarterly run."""
        quarterly = self.quarterly_result.all_events if self.quarterly_result else []
        return [*self.result.all_events, *quarterly]

    def log_messages(self, level: int = logging.WARNING) -> list[str]:
        """Return the run's log messages at `level` or above, engine events excluded."""
        entries = self.instance.all_logs(self.result.run_id)
        return [
            entry.user_message
            for entry in entries
            if entry.dagster_event is None and entry.level >= level
        ]

    @property
    def path(self) -> Path:
        return self.request.warehouse

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.path), read_only=True)


def _assert_success(result: dg.ExecuteInProcessResult) -> None:
    from orchestration.cli.summary import failure_messages

    assert result.success, f"{result.job_def.name} failed:\n" + "\n".join(failure_messages(result))


@pytest.fixture(scope="session")
def sample_audit(tmp_path_factory: pytest.TempPathFactory) -> AuditedWarehouse:
    from orchestration.ingest.sample import generate_company

    root = tmp_path_factory.mktemp("sample")
    summary = generate_company(root / "landing", seed=SAMPLE_SEED, scale=SAMPLE_SCALE)
    request = AuditRequest(
        landing_dir=root / "landing",
        warehouse=root / "warehouse.duckdb",
        audit_settings=AuditSettings(
            reporting_timezone=summary.reporting_timezone,
            reporting_currency=summary.reporting_currency,
        ),
        start_month=f"{summary.first_month:%Y-%m}",
        end_month=f"{summary.last_month:%Y-%m}",
    )
    instance = dg.DagsterInstance.ephemeral()
    result = run_audit(request, instance=instance)
    _assert_success(result)
    _, quarterly = run_quarterly_audit(request, instance=instance)
    assert quarterly is not None
    _assert_success(quarterly)
    return AuditedWarehouse(
        request=request, result=result, instance=instance, quarterly_result=quarterly
    )


@pytest.fixture(scope="session")
def maven_audit(tmp_path_factory: pytest.TempPathFactory) -> AuditedWarehouse:
    from orchestration.ingest.mapping import read_reporting_defaults

    root = tmp_path_factory.mktemp("maven")
    mapping_file = MAVEN_DIR / "mapping.yml"
    defaults = read_reporting_defaults(mapping_file)
    request = AuditRequest(
        landing_dir=MAVEN_DIR / "data",
        mapping_file=mapping_file,
        warehouse=root / "warehouse.duckdb",
        audit_settings=AuditSettings(
            reporting_timezone=defaults["timezone"],
            reporting_currency=defaults["currency"],
        ),
        start_month="2017-01",
        end_month="2017-12",
    )
    instance = dg.DagsterInstance.ephemeral()
    result = run_audit(request, instance=instance)
    _assert_success(result)
    _, quarterly = run_quarterly_audit(request, instance=instance)
    assert quarterly is not None
    _assert_success(quarterly)
    return AuditedWarehouse(
        request=request, result=result, instance=instance, quarterly_result=quarterly
    )
