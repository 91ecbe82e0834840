"""The history section: the cost of one further month after 6, 12 and 24 months of history.

For each history length H it generates a company of H + 1 months and prepares one
warehouse file without timing it. First it loads the raw assets from all H + 1 months of
landing files and keeps a copy (`raw`). Then it builds months 1 to H with the whole
`monthly_audit` job as one range run, runs `quarterly_reaudit` over the range's complete
fiscal quarters, and keeps a copy (`base`).

Each timed run then starts, in a fresh process, from one of the copies put back in place:

- further month, whole run: `monthly_audit` for month H + 1, from `base`;
- further month, dbt only: the same run without the raw assets, from `base`;
- full build: months 1 to H + 1 without the raw assets, then `quarterly_reaudit`, from
  `raw`, as the full_build stage runs it.

All runs of one history length use the same warehouse path and dbt target folder, so each
finds the dbt parse state the run before it left, as a monthly schedule does.
"""

from __future__ import annotations

import shutil
import statistics
from dataclasses import dataclass
from pathlib import Path

import company as companies
import report
from report_dbt import DbtRun, read_dbt_run
from runner import Bench, ensure_company, warm_page_cache

# The generated history starts here, so that 25 months end before 2026-02 and every
# generated month can be audited.
HISTORY_FIRST_MONTH = "2024-01"
HISTORY_LENGTHS = (6, 12, 24)
QUICK_HISTORY_LENGTHS = (2, 3)
# At scale 2 the default section (3 lengths, one run each) took 9.7 minutes on the 2-core
# machine that RESULTS.md describes.
HISTORY_SCALE = 2.0
TIMED_RUNS = ("further_month", "further_month_dbt", "full_build")


@dataclass(frozen=True)
class HistoryPoint:
    """The timed runs for one history length; times are medians over the repeats."""

    history_months: int
    company: companies.Company
    further_month: report.Measurement
    further_month_dbt: report.Measurement
    full_build: report.Measurement
    # The full build's two jobs, in seconds.
    full_build_monthly_seconds: float | None
    full_build_quarterly_seconds: float | None
    # Summed run_results.json elapsed times of the dbt invocations, in seconds.
    further_month_dbt_node_seconds: float | None
    full_build_node_seconds: float | None
    # The slowest dbt node of the last dbt-only further month: (unique id, seconds).
    slowest_dbt_only_node: tuple[str, float] | None
    # The largest 1-minute load average at the end of a timed run.
    max_load_average: float | None

    @property
    def peak_mb(self) -> float | None:
        peaks = [
            m.peak_mb
            for m in (self.further_month, self.further_month_dbt, self.full_build)
            if m.peak_mb is not None
        ]
        return max(peaks) if peaks else None


def add_months(month: str, count: int) -> str:
    """Return the YYYY-MM month `count` months after `month`."""
    year, number = (int(part) for part in month.split("-"))
    index = year * 12 + number - 1 + count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def copy_warehouse(source: Path, target: Path) -> None:
    """Replace the warehouse file `target` (and its WAL) with a copy of `source`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    source_wal = source.with_name(source.name + ".wal")
    target_wal = target.with_name(target.name + ".wal")
    target_wal.unlink(missing_ok=True)
    shutil.copyfile(source, target)
    if source_wal.exists():
        shutil.copyfile(source_wal, target_wal)


def median_or_none(values: list[float | None]) -> float | None:
    """Return the median of the values, or None when any is missing."""
    if not values or any(value is None for value in values):
        return None
    return statistics.median(values)


def median_measurement(stage: str, runs: list[report.Measurement]) -> report.Measurement:
    """Combine repeats: the median wall time, the largest peak, and the first failure."""
    failed = [run for run in runs if run.status != "ok"]
    if failed:
        return failed[0]
    return report.Measurement(
        stage,
        statistics.median(run.wall_seconds for run in runs),
        max(run.peak_mb for run in runs),
    )


def _failed_point(history_months: int, company: companies.Company, status: str) -> HistoryPoint:
    missing = report.Measurement("", None, None, status)
    return HistoryPoint(
        history_months, company, missing, missing, missing, None, None, None, None, None, None
    )


def measure_point(
    bench: Bench, seed: int, scale: float, history_months: int, repeats: int
) -> HistoryPoint:
    """Prepare the two warehouse copies for one history length and time the three runs."""
    prefix = f"history-{history_months:02d}"
    company, _ = ensure_company(bench, seed, scale, HISTORY_FIRST_MONTH, months=history_months + 1)
    folder = companies.company_dir(
        bench.work_dir, seed, scale, HISTORY_FIRST_MONTH, history_months + 1
    )
    landing = companies.landing_dir(folder)
    warm_page_cache(landing)
    first = company.first_month
    last_history = add_months(first, history_months - 1)
    further = company.last_month
    work = bench.run_dir / prefix

    def options(warehouse: Path, start: str, end: str) -> list[str]:
        return [
            "--landing",
            str(landing),
            "--warehouse",
            str(warehouse),
            "--timezone",
            company.reporting_timezone,
            "--currency",
            company.reporting_currency,
            "--start-month",
            start,
            "--end-month",
            end,
        ]

    warehouse = work / "warehouse" / "warehouse.duckdb"
    raw_copy = work / "copies" / "raw.duckdb"
    base_copy = work / "copies" / "base.duckdb"

    def run(stage: str, label: str, start: str, end: str) -> dict | None:
        return bench.run_stage(stage, options(warehouse, start, end), label, dbt_target=prefix)

    raw_load = run("ingestion", f"{prefix}-raw", first, further)
    if raw_load is None or not raw_load["success"]:
        return _failed_point(history_months, company, "skipped: raw load failed")
    copy_warehouse(warehouse, raw_copy)
    setup = run("history_setup", f"{prefix}-setup", first, last_history)
    if setup is None or not setup["success"]:
        return _failed_point(history_months, company, "skipped: set-up failed")
    copy_warehouse(warehouse, base_copy)

    plans = {
        "further_month": (base_copy, further, further),
        "further_month_dbt": (base_copy, further, further),
        "full_build": (raw_copy, first, further),
    }
    measured: dict[str, list[report.Measurement]] = {stage: [] for stage in TIMED_RUNS}
    details: dict[str, list[dict]] = {stage: [] for stage in TIMED_RUNS}
    # Read at once, because later runs prune old dbt target folders.
    dbt_records: dict[str, list[DbtRun | None]] = {stage: [] for stage in TIMED_RUNS}
    load_averages: list[float] = []
    # The repeats interleave the three runs, so a slow spell of the machine spreads over all.
    for repeat in range(1, repeats + 1):
        for stage, (source, start, end) in plans.items():
            copy_warehouse(source, warehouse)
            label = f"{prefix}-{stage}" + (f"-{repeat}" if repeats > 1 else "")
            result = run(stage, label, start, end)
            measured[stage].append(report.to_measurement(stage, result))
            details[stage].append(result["detail"] if result is not None else {})
            if result is not None:
                load_averages.append(result["load_average_at_end"])
            dbt_files = bench.run_results_files(label)
            dbt_records[stage].append(read_dbt_run(stage, dbt_files) if dbt_files else None)

    def node_seconds(stage: str) -> float | None:
        return median_or_none(
            [None if run is None else run.elapsed_seconds for run in dbt_records[stage]]
        )

    last_dbt_only = dbt_records["further_month_dbt"][-1]
    return HistoryPoint(
        history_months=history_months,
        company=company,
        further_month=median_measurement("further_month", measured["further_month"]),
        further_month_dbt=median_measurement("further_month_dbt", measured["further_month_dbt"]),
        full_build=median_measurement("full_build", measured["full_build"]),
        full_build_monthly_seconds=median_or_none(
            [detail.get("monthly_seconds") for detail in details["full_build"]]
        ),
        full_build_quarterly_seconds=median_or_none(
            [detail.get("quarterly_seconds") for detail in details["full_build"]]
        ),
        further_month_dbt_node_seconds=node_seconds("further_month_dbt"),
        full_build_node_seconds=node_seconds("full_build"),
        slowest_dbt_only_node=(
            last_dbt_only.slowest[0][:2] if last_dbt_only and last_dbt_only.slowest else None
        ),
        max_load_average=max(load_averages) if load_averages else None,
    )


def delete_warehouses(bench: Bench) -> None:
    """Delete the history section's warehouse files and copies; logs and reports stay."""
    for path in bench.run_dir.glob("history-*/*/*.duckdb*"):
        path.unlink(missing_ok=True)


def run_history(
    bench: Bench, seed: int, scale: float, lengths: tuple[int, ...], repeats: int
) -> list[HistoryPoint]:
    """Measure every history length in turn, shortest first."""
    return [measure_point(bench, seed, scale, months, repeats) for months in sorted(lengths)]
