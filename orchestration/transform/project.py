"""The dbt project handle and its manifest, prepared ahead of loading the code location.

Parsing the dbt project takes several seconds, so the code location loads a manifest made
ahead by `salesaudit prepare-dbt` (which `make` runs whenever a dbt file changes) instead of
parsing at every load. `dagster dev` re-parses on load so edits show up in the UI at once.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration import settings

PARTIAL_PARSE_FILE = "partial_parse.msgpack"


@cache
def dbt_project() -> DbtProject:
    project_dir = settings.dbt_project_dir()
    return DbtProject(project_dir=project_dir, profiles_dir=project_dir)


def dbt_executable() -> str:
    """Return the dbt beside this Python interpreter, so a venv works without being on PATH."""
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def manifest_path() -> Path:
    return dbt_project().manifest_path


def prepare_manifest() -> Path:
    """Run `dbt parse` to write target/manifest.json and return its path."""
    project = dbt_project()
    command = [
        dbt_executable(),
        "parse",
        "--quiet",
        "--project-dir",
        str(project.project_dir),
        "--profiles-dir",
        str(project.profiles_dir),
    ]
    environment = {**os.environ, "SALESAUDIT_WAREHOUSE": str(settings.warehouse_path())}
    completed = subprocess.run(command, env=environment, capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(
            f"dbt parse failed in {project.project_dir} (exit {completed.returncode}). "
            f"Fix the dbt project and run `salesaudit prepare-dbt` again.\n"
            f"{completed.stdout}\n{completed.stderr}"
        )
    # Touching the manifest marks it current for `make` even when dbt leaves the file unchanged.
    project.manifest_path.touch()
    return project.manifest_path


def ensure_manifest() -> Path:
    """Return the manifest path, preparing it first when it does not exist or in `dagster dev`."""
    project = dbt_project()
    if os.environ.get("DAGSTER_IS_DEV_CLI") or not project.manifest_path.exists():
        prepare_manifest()
    return project.manifest_path


def prune_invocation_dirs(prefix: str, keep: int = 10) -> list[Path]:
    """Delete all but the newest `keep` dbt target folders that dagster-dbt made for `prefix`.

    dagster-dbt writes each invocation's artifacts to a new folder named after the op under
    DBT_TARGET_PATH (default: the project's target/), so a scheduled audit would otherwise
    fill the disk. Returns the deleted folders.
    """
    base = Path(os.environ.get("DBT_TARGET_PATH") or dbt_project().target_path)
    if not base.is_absolute():
        base = dbt_project().project_dir / base
    folders = sorted(
        (path for path in base.glob(f"{prefix}-*") if path.is_dir()),
        key=lambda path: path.stat().st_mtime,
        reverse=True,
    )
    stale = folders[keep:]
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    return stale


@cache
def load_manifest() -> dict:
    return json.loads(ensure_manifest().read_text())


def save_partial_parse(invocation_target: Path) -> Path | None:
    """Keep an invocation's parse state where dagster-dbt seeds the next invocation from.

    dagster-dbt gives each invocation its own target folder and copies
    `partial_parse.msgpack` into it from the project's target folder (or DBT_TARGET_PATH).
    Copying the newest state back lets the next run with the same settings and warehouse
    skip parsing the whole project. The file is replaced in one rename, so a concurrent
    reader sees the old or the new file, never half of one.
    """
    source = Path(invocation_target) / PARTIAL_PARSE_FILE
    if not source.is_file():
        return None
    base = Path(os.environ.get("DBT_TARGET_PATH") or dbt_project().target_path)
    if not base.is_absolute():
        base = dbt_project().project_dir / base
    base.mkdir(parents=True, exist_ok=True)
    target = base / PARTIAL_PARSE_FILE
    partial = base / f".{PARTIAL_PARSE_FILE}.{os.getpid()}"
    shutil.copyfile(source, partial)
    os.replace(partial, target)
    return target
