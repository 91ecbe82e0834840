"""The dbt unit tests pass against the built sample warehouse.

Dagster runs exclude dbt unit tests (`--exclude-resource-type unit_test` in
orchestration/transform/assets.py), so this test is where `make test` runs them. dbt needs
the models' parent relations to exist to read their column types, so the unit tests run
against a copy of the fully built sample warehouse.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

from orchestration import settings
from orchestration.transform.project import dbt_executable

# The project defines 39 unit tests. A lower count means dbt selected only some of them.
MIN_UNIT_TESTS = 30


def test_dbt_unit_tests_pass(sample_audit, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(sample_audit.request.warehouse, warehouse)
    project = settings.dbt_project_dir()
    command = [
        dbt_executable(),
        "test",
        "--no-use-colors",
        "--select",
        "test_type:unit",
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--target-path",
        str(tmp_path / "target"),
        "--log-path",
        str(tmp_path / "logs"),
    ]
    # No --vars: every unit test sets the vars it depends on.
    environment = {**os.environ, "SALESAUDIT_WAREHOUSE": str(warehouse)}

    completed = subprocess.run(
        command, env=environment, capture_output=True, text=True, check=False
    )

    output = f"{completed.stdout}\n{completed.stderr}"
    assert completed.returncode == 0, (
        f"dbt test --select test_type:unit failed (exit {completed.returncode}):\n{output}"
    )
    passed = re.search(r"\bPASS=(\d+)", output)
    assert passed is not None, f"dbt printed no PASS= summary:\n{output}"
    assert int(passed.group(1)) >= MIN_UNIT_TESTS, (
        f"dbt ran {passed.group(1)} unit tests, expected at least {MIN_UNIT_TESTS}:\n{output}"
    )
