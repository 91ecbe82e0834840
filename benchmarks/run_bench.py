"""Scale benchmark: time each pipeline stage on a large generated company.

Generates (or reuses) a sample company of at least 5 million activities, 10 million email
events and 200,000 deals. Then runs each timed stage in a fresh Python process: the floor
(one DuckDB query reading every landing file), ingestion, validation of every raw table,
the full dbt build, and one further month. Prints the results table and the target
verdicts and writes them to RESULTS.md.
`benchmarks/README.md` describes the stages and how they are measured.

Usage: .venv/bin/python benchmarks/run_bench.py [--quick] [--scale N] [--seed N]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import company as companies
import report

BENCH_DIR = Path(__file__).resolve().parent
REPOSITORY_ROOT = BENCH_DIR.parent
STAGE_SCRIPT = BENCH_DIR / "stage.py"
DEFAULT_WORK_DIR = BENCH_DIR / "work"
DEFAULT_RESULTS = BENCH_DIR / "RESULTS.md"

# Seed 7 at scale 1.0 generated 248,900 activities, 471,516 email events and 10,000 deals,
# and rows grow about linearly with the scale. 20 would fall short of 10 million email events,
# so 22 leaves some margin. Every run checks the sizes and reports a shortfall.
FULL_SCALE = 22.0
QUICK_SCALE = 0.2
DEFAULT_SEED = 7
LOG_TAIL_LINES = 25
READ_CHUNK_BYTES = 8 * 1024 * 1024


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Time ingestion, validation, the full dbt build and one further month on a "
        "large generated company, each in a fresh process, against a floor of reading the files "
        "once.",
    )
    parser.add_argument(
        "--scale",
        type=float,
        help=f"Generator size multiplier (default {FULL_SCALE:g}, or {QUICK_SCALE:g} with "
        "--quick); 1.0 is about 250,000 activities.",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="Generator seed (default 7)."
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=DEFAULT_WORK_DIR,
        help="Folder for the generated company, the warehouse and stage logs "
        "(default benchmarks/work, ignored by git).",
    )
    parser.add_argument(
        "--results",
        type=Path,
        help="Markdown file to write the results to (default benchmarks/RESULTS.md; with "
        "--quick, RESULTS-quick.md in the work folder).",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="Keep the warehouse file after the run (deleted by default, as it takes a few GB at "
        "full scale; the generated company and the logs are always kept).",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"Smoke test at scale {QUICK_SCALE:g}; the targets apply only to the full scale.",
    )
    return parser


class Bench:
    """Paths of one benchmark run and the stage processes it starts."""

    def __init__(self, work_dir: Path) -> None:
        self.work_dir = work_dir.resolve()
        self.run_dir = self.work_dir / "run"
        self.logs_dir = self.run_dir / "logs"
        self.warehouse = self.run_dir / "warehouse.duckdb"
        self.dbt_target_root = self.run_dir / "dbt_target"
        # Each finished stage's JSON report, by stage name.
        self.reports: dict[str, dict] = {}

    def prepare(self) -> None:
        """Empty the run folder, so every stage starts from a fresh warehouse and logs."""
        shutil.rmtree(self.run_dir, ignore_errors=True)
        self.logs_dir.mkdir(parents=True)

    def log_path(self, stage: str) -> Path:
        return self.logs_dir / f"{stage}.log"

    def run_stage(self, stage: str, options: list[str]) -> dict | None:
        """Run `stage.py STAGE` in a fresh interpreter and return its JSON report.

        Returns None when the stage crashed before it wrote a report.
        """
        result_file = self.run_dir / f"{stage}.json"
        result_file.unlink(missing_ok=True)
        environment = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            # dagster-dbt puts each invocation's target folder (run_results.json, logs) here.
            "DBT_TARGET_PATH": str(self.dbt_target_root / stage),
        }
        command = [sys.executable, str(STAGE_SCRIPT), stage, "--result", str(result_file)]
        print(f"{time.strftime('%H:%M:%S')} {stage}: started (log {self.log_path(stage)})")
        started = time.perf_counter()
        with self.log_path(stage).open("w") as log_file:
            completed = subprocess.run(
                command + options,
                cwd=REPOSITORY_ROOT,
                env=environment,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                check=False,
            )
        process_seconds = time.perf_counter() - started

        measured = json.loads(result_file.read_text()) if result_file.exists() else None
        if measured is not None:
            self.reports[stage] = measured
        if completed.returncode != 0 or measured is None:
            print(f"{time.strftime('%H:%M:%S')} {stage}: FAILED (exit {completed.returncode})")
            self.print_log_tail(stage)
            return measured
        print(
            f"{time.strftime('%H:%M:%S')} {stage}: {measured['wall_seconds']:,.1f} s, "
            f"peak {measured['peak_mb']:,.0f} MB ({process_seconds:,.1f} s with start-up)"
        )
        return measured

    def print_log_tail(self, stage: str) -> None:
        lines = self.log_path(stage).read_text(errors="replace").splitlines()
        print(f"--- last {LOG_TAIL_LINES} lines of {self.log_path(stage)} ---")
        print("\n".join(lines[-LOG_TAIL_LINES:]))
        print("---")

    def run_results_files(self, stage: str) -> list[Path]:
        return sorted((self.dbt_target_root / stage).rglob("run_results.json"))

    def delete_warehouse(self) -> None:
        """Delete the warehouse files. Logs, stage reports and dbt targets stay for reading."""
        for path in self.run_dir.glob("warehouse.duckdb*"):
            path.unlink()


def ensure_company(bench: Bench, seed: int, scale: float) -> tuple[companies.Company, bool]:
    """Return the company for `seed` and `scale`, generating it unless a match exists."""
    folder = companies.company_dir(bench.work_dir, seed, scale)
    fingerprint = companies.generator_fingerprint()
    existing = companies.reusable_company(folder, seed, scale, fingerprint)
    if existing is not None:
        print(f"Reusing {folder} ({existing.total_rows:,} rows, generated {existing.generated_at})")
        return existing, True

    print(f"Generating the company (seed {seed}, scale {scale:g}) in {folder}")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    landing = companies.landing_dir(folder)
    measured = bench.run_stage(
        "generate", ["--landing", str(landing), "--seed", str(seed), "--scale", str(scale)]
    )
    if measured is None or not measured["success"]:
        raise SystemExit(f"Generation failed; see {bench.log_path('generate')}.")
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


def to_measurement(stage: str, measured: dict | None) -> report.Measurement:
    if measured is None:
        return report.Measurement(stage, None, None, "crashed")
    if not measured["success"]:
        return report.Measurement(stage, measured["wall_seconds"], measured["peak_mb"], "failed")
    return report.Measurement(stage, measured["wall_seconds"], measured["peak_mb"])


def run_timed_stages(
    bench: Bench, company: companies.Company, landing: Path
) -> dict[str, report.Measurement]:
    """Run the five timed stages in order; a failed stage skips the stages that need it."""
    audit_options = [
        "--landing",
        str(landing),
        "--warehouse",
        str(bench.warehouse),
        "--timezone",
        company.reporting_timezone,
        "--currency",
        company.reporting_currency,
    ]
    all_months = ["--start-month", company.first_month, "--end-month", company.last_month]
    last_month = ["--start-month", company.last_month, "--end-month", company.last_month]
    plan = [
        ("floor", ["--landing", str(landing)], None),
        ("ingestion", audit_options + all_months, None),
        (
            "validation",
            ["--landing", str(landing), "--warehouse", str(bench.warehouse)],
            "ingestion",
        ),
        ("full_build", audit_options + all_months, "ingestion"),
        ("further_month", audit_options + last_month, "full_build"),
    ]
    print(f"Read the landing files into the page cache in {warm_page_cache(landing):,.1f} s")
    by_stage: dict[str, report.Measurement] = {}
    for stage, options, needs in plan:
        if needs is not None and by_stage[needs].status != "ok":
            by_stage[stage] = report.Measurement(stage, None, None, f"skipped: {needs} failed")
            continue
        by_stage[stage] = to_measurement(stage, bench.run_stage(stage, options))
    return by_stage


def dbt_runs(bench: Bench) -> list[report.DbtRun]:
    """Read the run_results.json of the stages that run dbt, when dbt wrote one."""
    runs = []
    for stage in ("full_build", "further_month"):
        files = bench.run_results_files(stage)
        if files:
            runs.append(report.read_dbt_run(stage, files[-1]))
    return runs


def result_notes(
    floor_detail: dict, by_stage: dict[str, report.Measurement], small_company: bool, scale: float
) -> list[str]:
    """Return the notes under the results: the every-value read, and a too small company."""
    notes = []
    floor_seconds = by_stage["floor"].wall_seconds
    if "every_value_seconds" in floor_detail and floor_seconds:
        every_value_seconds = floor_detail["every_value_seconds"]
        notes.append(
            "Reading every value as text, instead of only counting rows, takes "
            f"{every_value_seconds:,.1f} s ({every_value_seconds / floor_seconds:.1f} x the "
            "floor). The floor and its ratios use the row count."
        )
    if small_company:
        notes.append(
            f"Scale {scale:g} is smaller than the required size: the targets apply only to the "
            "full scale, so these verdicts are for information."
        )
    return notes


def validation_figures(bench: Bench) -> tuple[report.ValidationRun | None, report.GateTimes | None]:
    """Read the validation stage's per-dataset times and the gate's times in ingestion."""
    validation = report.read_validation_run(bench.reports.get("validation", {}).get("detail", {}))
    ingestion_log = bench.log_path("ingestion")
    gate = None
    if ingestion_log.exists():
        gate = report.read_gate_times(ingestion_log.read_text(errors="replace"))
    return validation, gate


def print_summary(
    by_stage: dict[str, report.Measurement],
    validation: report.ValidationRun | None,
    gate: report.GateTimes | None,
    runs: list[report.DbtRun],
    notes: list[str],
) -> None:
    print()
    print(report.stage_table(by_stage))
    print()
    print(report.targets_table(report.evaluate_targets(by_stage, validation)))
    print()
    print(report.validation_text(validation, by_stage))
    print()
    print(report.gate_text(gate, by_stage))
    for run in runs:
        print(f"\ndbt in stage {report.STAGE_LABELS[run.stage]}:")
        print(report.dbt_run_text(run, by_stage))
    for note in notes:
        print(f"\nNOTE: {note}")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    scale = args.scale
    if scale is None:
        scale = QUICK_SCALE if args.quick else FULL_SCALE
    if scale <= 0:
        raise SystemExit(f"Invalid --scale {scale:g}: use a positive number such as 22.")
    bench = Bench(args.work_dir)
    results_path = args.results
    if results_path is None:
        results_path = bench.work_dir / "RESULTS-quick.md" if args.quick else DEFAULT_RESULTS
    bench.work_dir.mkdir(parents=True, exist_ok=True)
    bench.prepare()
    load_at_start = os.getloadavg()

    company, reused = ensure_company(bench, args.seed, scale)
    landing = companies.landing_dir(companies.company_dir(bench.work_dir, args.seed, scale))
    by_stage = run_timed_stages(bench, company, landing)
    validation, gate = validation_figures(bench)
    runs = dbt_runs(bench)

    notes = result_notes(
        bench.reports.get("floor", {}).get("detail", {}),
        by_stage,
        small_company=args.quick or bool(companies.missing_required_rows(company.row_counts)),
        scale=scale,
    )
    command = "benchmarks/run_bench.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    text = report.render_results(
        command=command.strip(),
        run_date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        company=company,
        reused=reused,
        by_stage=by_stage,
        validation=validation,
        gate=gate,
        dbt_runs=runs,
        notes=notes,
        load_at_start=load_at_start,
        load_at_end=os.getloadavg(),
    )
    results_path.parent.mkdir(parents=True, exist_ok=True)
    results_path.write_text(text)
    (bench.run_dir / "measurements.json").write_text(
        json.dumps({stage: asdict(m) for stage, m in by_stage.items()}, indent=2) + "\n"
    )
    print_summary(by_stage, validation, gate, runs, notes)
    print(f"\nWrote {results_path}")

    if not args.keep:
        bench.delete_warehouse()
    return 0 if all(m.status == "ok" for m in by_stage.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
