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
    """Run `dbt parse` to write target/manifest.json and return its path.

    dbt writes into a private target folder first, and the manifest then replaces the old
    one in one rename. Processes that load the code location at the same moment (every
    step of a `dagster dev` run does) read the old or the new manifest, never half of one.
    """
    project = dbt_project()
    target = project.project_dir / project.target_path
    private = target / f".parse-{os.getpid()}"
    command = [
        dbt_executable(),
        "parse",
        "--quiet",
        "--project-dir",
        str(project.project_dir),
        "--profiles-dir",
        str(project.profiles_dir),
        "--target-path",
        str(private),
    ]
    environment = {**os.environ, "SALESAUDIT_WAREHOUSE": str(settings.warehouse_path())}
    try:
        completed = subprocess.run(command, env=environment, capture_output=True, text=True)
        if completed.returncode != 0:
            raise RuntimeError(
                f"dbt parse failed in {project.project_dir} (exit {completed.returncode}). "
                f"Fix the dbt project and run `salesaudit prepare-dbt` again.\n"
                f"{completed.stdout}\n{completed.stderr}"
            )
        for name in (PARTIAL_PARSE_FILE, "manifest.json"):
            if (private / name).is_file():
                os.replace(private / name, target / name)
    finally:
        shutil.rmtree(private, ignore_errors=True)
    return project.manifest_path


# The files whose change makes the manifest out of date.
DBT_SOURCE_PATTERNS = ("*.sql", "*.yml", "*.csv")


def manifest_is_stale() -> bool:
    """Return whether a dbt file changed after the manifest was written (or it is missing)."""
    project = dbt_project()
    if not project.manifest_path.exists():
        return True
    written = project.manifest_path.stat().st_mtime
    target = (project.project_dir / project.target_path).resolve()
    for pattern in DBT_SOURCE_PATTERNS:
        for path in project.project_dir.rglob(pattern):
            if target in path.resolve().parents:
                continue
            if path.stat().st_mtime > written:
                return True
    return False


def ensure_manifest() -> Path:
    """Return the manifest path, preparing it first when it is missing or out of date.

    Under `dagster dev` a dbt file edited since the last parse makes it parse again, so an
    edit shows up when the code location reloads.
    """
    project = dbt_project()
    if not project.manifest_path.exists() or (
        os.environ.get("DAGSTER_IS_DEV_CLI") and manifest_is_stale()
    ):
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
