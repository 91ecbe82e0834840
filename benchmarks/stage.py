"""Run one benchmark stage in this process and write its wall time and peak memory as JSON.

`run_bench.py` starts a fresh interpreter for every stage, so the interpreter's own peak
RSS belongs to that stage alone. dbt runs as a child process of the Dagster step, so two
figures are combined into the stage's peak:

- `getrusage` maxima of this process and of its waited-for descendants (the largest
  single process, which the kernel keeps even when it lived between two samples);
- the largest sum of RSS over this process and all its live descendants, sampled from
  /proc every `SAMPLE_INTERVAL_SECONDS` while the stage runs (dbt and the Dagster process
  are alive at the same time, and their memory adds up).

The stage's peak is the larger of the two. Wall time covers the stage's work only, not
interpreter start-up. The audit stages import and build the Dagster definitions inside it,
as every real run does.

The validation stage also times each dataset's validation on its own and reports the
rows and seconds of every raw table in its detail.

The stages that run the audit jobs live in `stage_audit.py`.

Usage: python benchmarks/stage.py STAGE --result FILE [stage options]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from stage_audit import AUDIT_STAGES, run_audit_stage

logger = logging.getLogger("bench.stage")

SAMPLE_INTERVAL_SECONDS = 0.2
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
# ru_maxrss is in kilobytes on Linux.
RUSAGE_UNIT_BYTES = 1024

STAGES = ("generate", "floor", "validation", *AUDIT_STAGES)
DEFAULT_FIRST_MONTH = "2025-01"


@dataclass(frozen=True)
class StageResult:
    """The figures one stage process reports about itself."""

    stage: str
    wall_seconds: float
    peak_mb: float
    self_max_rss_mb: float
    children_max_rss_mb: float
    sampled_tree_peak_mb: float
    # The 1-minute load average when the work ended; above the stage's own threads it
    # shows other work that competed for the cores.
    load_average_at_end: float
    success: bool
    detail: dict


def _parent_pids() -> dict[int, int]:
    """Map every live pid to its parent pid, from /proc/<pid>/stat."""
    parents = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat_file:
                stat = stat_file.read()
        except OSError:
            continue  # the process ended between listing and reading
        # The command name in brackets may contain spaces, so split after its closing bracket.
        fields = stat[stat.rfind(b")") + 2 :].split()
        parents[int(entry.name)] = int(fields[1])
    return parents


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm_file:
            return int(statm_file.read().split()[1]) * PAGE_BYTES
    except (OSError, IndexError, ValueError):
        return 0


def process_tree_rss_bytes(root_pid: int) -> int:
    """Return the summed RSS of `root_pid` and every live descendant."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parent_pids().items():
        children.setdefault(parent, []).append(pid)
    total = 0
    pending = [root_pid]
    while pending:
        pid = pending.pop()
        total += _rss_bytes(pid)
        pending.extend(children.get(pid, ()))
    return total


class TreeMemorySampler:
    """Sampler of the summed RSS of this process tree, run in a background thread.

    `peak_bytes` is the largest sum seen so far.
    """

    def __init__(self, interval_seconds: float = SAMPLE_INTERVAL_SECONDS) -> None:
        self.interval_seconds = interval_seconds
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tree-memory-sampler", daemon=True)

    def _run(self) -> None:
        root = os.getpid()
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, process_tree_rss_bytes(root))
            self._stop.wait(self.interval_seconds)

    def __enter__(self) -> TreeMemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()


def _megabytes(byte_count: float) -> float:
    return round(byte_count / 1024 / 1024, 1)


def measure(stage: str, work: Callable[[], dict]) -> StageResult:
    """Run `work` while timing it and tracking memory, and return the stage's figures.

    `work` returns the stage's detail dict, and `"success": False` in it marks a failure.
    """
    with TreeMemorySampler() as sampler:
        started = time.perf_counter()
        detail = work()
        wall_seconds = time.perf_counter() - started
    self_max = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * RUSAGE_UNIT_BYTES
    children_max = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * RUSAGE_UNIT_BYTES
    return StageResult(
        stage=stage,
        wall_seconds=round(wall_seconds, 2),
        peak_mb=_megabytes(max(self_max, children_max, sampler.peak_bytes)),
        self_max_rss_mb=_megabytes(self_max),
        children_max_rss_mb=_megabytes(children_max),
        sampled_tree_peak_mb=_megabytes(sampler.peak_bytes),
        load_average_at_end=round(os.getloadavg()[0], 2),
        success=bool(detail.pop("success", True)),
        detail=detail,
    )


def landing_files(landing_dir: Path) -> list[Path]:
    """Return every CSV file in the landing folder, including `<dataset>/*.csv` parts."""
    return sorted(landing_dir.rglob("*.csv"))


def floor_query(file_count: int) -> str:
    """Build one statement that counts the rows of `file_count` CSV files read as text.

    File paths are bound as parameters $1..$n. Each file is read once by DuckDB's CSV reader
    with every column as text, so no type casting is part of the floor. DuckDB need not
    materialize the values to count rows, which makes this the lowest bar of reading.
    """
    counts = [
        f"select count(*) as row_count from read_csv(${index}, all_varchar = true)"
        for index in range(1, file_count + 1)
    ]
    return "select sum(row_count) as total_rows from (\n" + "\nunion all\n".join(counts) + "\n)"


def every_value_query(file_count: int) -> str:
    """Build one statement that counts the non-null values of every column of every file.

    Unlike `floor_query` it makes DuckDB materialize each value as text. It is reported
    beside the floor, for comparison, and is not part of any target.
    """
    counts = [
        "select list_sum(list_value(*columns(*))) as value_count from "
        f"(select count(columns(*)) from read_csv(${index}, all_varchar = true))"
        for index in range(1, file_count + 1)
    ]
    return "select sum(value_count) as total_values from (\n" + "\nunion all\n".join(counts) + "\n)"


def _landing_file_parameters(landing_dir: Path) -> list[str]:
    files = landing_files(landing_dir)
    if not files:
        raise FileNotFoundError(
            f"No CSV files found in {landing_dir}. Generate the company first, as run_bench.py "
            "does."
        )
    return [str(path) for path in files]


def run_floor(landing_dir: Path) -> dict:
    import duckdb

    parameters = _landing_file_parameters(landing_dir)
    with duckdb.connect() as connection:
        (total_rows,) = connection.execute(floor_query(len(parameters)), parameters).fetchone()
    return {"files": len(parameters), "rows": int(total_rows)}


def time_every_value_read(landing_dir: Path) -> dict:
    """Time `every_value_query` over the landing files, after the floor is measured."""
    import duckdb

    parameters = _landing_file_parameters(landing_dir)
    started = time.perf_counter()
    with duckdb.connect() as connection:
        (total_values,) = connection.execute(
            every_value_query(len(parameters)), parameters
        ).fetchone()
    return {
        "every_value_seconds": round(time.perf_counter() - started, 2),
        "values": int(total_values),
    }


def run_validation(warehouse: Path) -> dict:
    """Validate every raw table of `warehouse` with its suite and time each dataset.

    Runs `validate_dataset` as the ingestion gate does, but without Data Docs, on a
    read-only connection. Failed expectations are results, not a failure of the stage.
    A missing raw table is a failure, because its rows would be left out of the rate.
    """
    import duckdb

    from orchestration.ingest.datasets import DATASETS
    from orchestration.quality.validate import validate_dataset

    datasets = []
    missing = []
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        for ds in DATASETS:
            started = time.perf_counter()
            try:
                validation = validate_dataset(connection, ds.name, build_docs=False)
            except LookupError as err:
                logger.error("%s", err)
                missing.append(ds.name)
                continue
            seconds = time.perf_counter() - started
            failed = [outcome.name for outcome in validation.outcomes if not outcome.success]
            datasets.append(
                {
                    "dataset": ds.name,
                    "rows": validation.row_count,
                    "seconds": round(seconds, 3),
                    "expectations": len(validation.outcomes),
                    "failed_expectations": failed,
                }
            )
    return {
        "success": not missing,
        "datasets": datasets,
        "missing_tables": missing,
        "rows": sum(entry["rows"] for entry in datasets),
        "seconds": round(sum(entry["seconds"] for entry in datasets), 3),
    }


def run_generate(landing_dir: Path, seed: int, scale: float, first_month: str, months: int) -> dict:
    from orchestration.ingest.sample import generate_company

    summary = generate_company(
        landing_dir,
        seed=seed,
        scale=scale,
        start_month=first_month,
        months=months,
        progress=lambda line: logger.info("%s", line),
    )
    return {
        "first_month": f"{summary.first_month:%Y-%m}",
        "last_month": f"{summary.last_month:%Y-%m}",
        "row_counts": dict(summary.row_counts),
        "reporting_timezone": summary.reporting_timezone,
        "reporting_currency": summary.reporting_currency,
    }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Run one benchmark stage and report it as JSON.")
    parser.add_argument("stage", choices=STAGES)
    parser.add_argument("--result", type=Path, required=True, help="JSON file to write.")
    parser.add_argument("--landing", type=Path, required=True, help="Landing folder.")
    parser.add_argument("--warehouse", type=Path, help="DuckDB warehouse file of the audit.")
    parser.add_argument("--seed", type=int, default=7, help="Generator seed.")
    parser.add_argument("--scale", type=float, default=1.0, help="Generator size multiplier.")
    parser.add_argument(
        "--start-month",
        default="",
        help=f"First audited month, or the first generated month (default {DEFAULT_FIRST_MONTH}), "
        "YYYY-MM.",
    )
    parser.add_argument(
        "--months", type=int, default=12, help="Number of generated months (default 12)."
    )
    parser.add_argument("--end-month", default="", help="Last audited month, YYYY-MM.")
    parser.add_argument("--timezone", default="Asia/Seoul", help="Reporting time zone.")
    parser.add_argument("--currency", default="KRW", help="Reporting currency.")
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    # Both log hundreds of set-up lines at INFO that would bury the stage's own lines.
    for noisy in ("great_expectations", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    work: dict[str, Callable[[], dict]] = {
        "generate": lambda: run_generate(
            args.landing,
            args.seed,
            args.scale,
            args.start_month or DEFAULT_FIRST_MONTH,
            args.months,
        ),
        "floor": lambda: run_floor(args.landing),
        "validation": lambda: run_validation(args.warehouse),
    }
    for stage in AUDIT_STAGES:
        work[stage] = lambda: run_audit_stage(args)
    result = measure(args.stage, work[args.stage])
    if args.stage == "floor":
        result.detail.update(time_every_value_read(args.landing))
    args.result.write_text(json.dumps(asdict(result), indent=2) + "\n")
    logger.info(
        "%s: %.1f s, peak %.0f MB, success %s",
        result.stage,
        result.wall_seconds,
        result.peak_mb,
        result.success,
    )
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
