"""Start benchmark stages in fresh processes and prepare the companies they run on."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import company as companies

BENCH_DIR = Path(__file__).resolve().parent
REPOSITORY_ROOT = BENCH_DIR.parent
STAGE_SCRIPT = BENCH_DIR / "stage.py"
LOG_TAIL_LINES = 25
READ_CHUNK_BYTES = 8 * 1024 * 1024


class Bench:
    """Paths of one benchmark run and the stage processes it starts."""

    def __init__(self, work_dir: Path) -> None:
        self.work_dir = work_dir.resolve()
        self.run_dir = self.work_dir / "run"
        self.logs_dir = self.run_dir / "logs"
        self.warehouse = self.run_dir / "warehouse.duckdb"
        self.dbt_target_root = self.run_dir / "dbt_target"
        # Data Docs and other run artifacts go here instead of the project's data/ folder.
        self.data_dir = self.run_dir / "data"
        # Each finished stage's JSON report, by label.
        self.reports: dict[str, dict] = {}
        # The run_results.json files of each label's dbt invocations, oldest first.
        self.dbt_results: dict[str, list[Path]] = {}

    def prepare(self) -> None:
        """Empty the run folder, so every stage starts from a fresh warehouse and logs."""
        shutil.rmtree(self.run_dir, ignore_errors=True)
        self.logs_dir.mkdir(parents=True)

    def log_path(self, label: str) -> Path:
        return self.logs_dir / f"{label}.log"

    def run_stage(
        self, stage: str, options: list[str], label: str = "", dbt_target: str = ""
    ) -> dict | None:
        """Run `stage.py STAGE` in a fresh interpreter and return its JSON report.

        `label` names the log and the report (default: the stage), so one stage can run
        several times in a run. Stages with the same `dbt_target` (default: the label) share
        dbt's target folder, and with it the parse state one run leaves for the next, as
        scheduled runs of one deployment do. Returns None when the stage crashed before it
        wrote a report.
        """
        label = label or stage
        result_file = self.run_dir / f"{label}.json"
        result_file.unlink(missing_ok=True)
        target_root = self.dbt_target_root / (dbt_target or label)
        invocations_before = _invocation_dirs(target_root)
        environment = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            # dagster-dbt puts each invocation's target folder (run_results.json, logs) here.
            "DBT_TARGET_PATH": str(target_root),
            "SALESAUDIT_DATA_DIR": str(self.data_dir),
        }
        command = [sys.executable, str(STAGE_SCRIPT), stage, "--result", str(result_file)]
        print(f"{time.strftime('%H:%M:%S')} {label}: started (log {self.log_path(label)})")
        started = time.perf_counter()
        with self.log_path(label).open("w") as log_file:
            completed = subprocess.run(
                command + options,
                cwd=REPOSITORY_ROOT,
                env=environment,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                check=False,
            )
        process_seconds = time.perf_counter() - started
        new_invocations = _invocation_dirs(target_root) - invocations_before
        run_results = [folder / "run_results.json" for folder in new_invocations]
        self.dbt_results[label] = sorted(
            (path for path in run_results if path.exists()), key=lambda path: path.stat().st_mtime
        )

        measured = json.loads(result_file.read_text()) if result_file.exists() else None
        if measured is not None:
            self.reports[label] = measured
        if completed.returncode != 0 or measured is None:
            print(f"{time.strftime('%H:%M:%S')} {label}: FAILED (exit {completed.returncode})")
            self.print_log_tail(label)
            return measured
        print(
            f"{time.strftime('%H:%M:%S')} {label}: {measured['wall_seconds']:,.1f} s, "
            f"peak {measured['peak_mb']:,.0f} MB ({process_seconds:,.1f} s with start-up)"
        )
        return measured

    def print_log_tail(self, label: str) -> None:
        lines = self.log_path(label).read_text(errors="replace").splitlines()
        print(f"--- last {LOG_TAIL_LINES} lines of {self.log_path(label)} ---")
        print("\n".join(lines[-LOG_TAIL_LINES:]))
        print("---")

    def run_results_files(self, label: str) -> list[Path]:
        """Return the run_results.json files that the label's run wrote and that still exist.

        `prune_invocation_dirs` deletes all but the newest 10 folders of each dbt asset
        group, so read them soon after the run when many runs share a target folder.
        """
        return [path for path in self.dbt_results.get(label, []) if path.exists()]

    def delete_warehouse(self) -> None:
        """Delete the warehouse files. Logs, stage reports and dbt targets stay for reading."""
        for path in self.run_dir.glob("warehouse.duckdb*"):
            path.unlink()


def _invocation_dirs(target_root: Path) -> set[Path]:
    """Return the per-invocation folders that dagster-dbt made under `target_root`."""
    if not target_root.is_dir():
        return set()
    return {path for path in target_root.iterdir() if path.is_dir()}


def ensure_company(
    bench: Bench, seed: int, scale: float, first_month: str = "", months: int = 0
) -> tuple[companies.Company, bool]:
    """Return the company for these arguments, generating it unless a match exists.

    Without `months` it is the generator's default period (12 months from 2025-01).
    """
    folder = companies.company_dir(bench.work_dir, seed, scale, first_month, months)
    fingerprint = companies.generator_fingerprint()
    existing = companies.reusable_company(folder, seed, scale, fingerprint, first_month, months)
    if existing is not None:
        print(f"Reusing {folder} ({existing.total_rows:,} rows, generated {existing.generated_at})")
        return existing, True

    print(f"Generating the company (seed {seed}, scale {scale:g}) in {folder}")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    landing = companies.landing_dir(folder)
    options = ["--landing", str(landing), "--seed", str(seed), "--scale", str(scale)]
    if months:
        options += ["--start-month", first_month, "--months", str(months)]
    label = "generate" if not months else f"generate-{months}-months"
    measured = bench.run_stage("generate", options, label)
    if measured is None or not measured["success"]:
        raise SystemExit(f"Generation failed; see {bench.log_path(label)}.")
    detail = measured["detail"]
    generated = companies.Company(
        seed=seed,
        scale=scale,
        generator_fingerprint=fingerprint,
        first_month=detail["first_month"],
        last_month=detail["last_month"],
        reporting_timezone=detail["reporting_timezone"],
        reporting_currency=detail["reporting_currency"],
        row_counts=detail["row_counts"],
        file_bytes=companies.file_sizes(landing),
        generation_seconds=measured["wall_seconds"],
        generation_peak_mb=measured["peak_mb"],
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
    companies.write_metadata(folder, generated)
    return generated, False


def warm_page_cache(landing: Path) -> float:
    """Read every landing file once, so that no stage pays for the first read from disk.

    Returns the seconds it took. Without it the floor, which runs first, would read cold
    files and later stages warm ones, which would flatter their ratios to the floor.
    """
    started = time.perf_counter()
    for path in sorted(landing.rglob("*.csv")):
        with path.open("rb") as csv_file:
            while csv_file.read(READ_CHUNK_BYTES):
                pass
    return time.perf_counter() - started
