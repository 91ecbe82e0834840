"""The machine, software versions and generated data that RESULTS.md records beside the figures."""

from __future__ import annotations

import importlib.metadata
import os
import platform
from pathlib import Path

from company import REQUIRED_ROWS, Company, missing_required_rows


def _cell(value: float | None, template: str) -> str:
    return "-" if value is None else template.format(value)


def _memory_total_mb() -> float | None:
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine_lines(load_at_start: tuple[float, ...], load_at_end: tuple[float, ...]) -> list[str]:
    """Describe the machine and the software versions the figures were measured with.

    The load averages (1, 5 and 15 minutes, from `os.getloadavg`) show other work that
    competed for the cores during the run.
    """
    memory_mb = _memory_total_mb()
    return [
        f"- CPU: {os.cpu_count()} cores ({_cpu_model()}), load average (1 min / 5 min) "
        f"{load_at_start[0]:.1f} / {load_at_start[1]:.1f} when the run started and "
        f"{load_at_end[0]:.1f} / {load_at_end[1]:.1f} when it ended",
        f"- memory: {_cell(memory_mb, '{:,.0f}')} MB (MemTotal in /proc/meminfo)",
        f"- OS: {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, duckdb {_version('duckdb')}, "
        f"dbt-core {_version('dbt-core')}, dbt-duckdb {_version('dbt-duckdb')}, "
        f"dagster {_version('dagster')}, dagster-dbt {_version('dagster-dbt')}",
    ]


def data_lines(company: Company, reused: bool) -> list[str]:
    """Describe the generated company: rows per dataset, CSV size, generation time."""
    lines = [
        f"Seed {company.seed}, scale {company.scale:g}, months {company.first_month} to "
        f"{company.last_month}, {company.total_rows:,} rows in "
        f"{company.total_megabytes:,.0f} MB of CSV. Generation took "
        f"{company.generation_seconds:,.1f} s with a peak of {company.generation_peak_mb:,.0f} MB"
        + (f" (on {company.generated_at}; this run reused the files)." if reused else "."),
        "",
        "| dataset | rows | CSV MB |",
        "|---|---:|---:|",
    ]
    megabytes_by_dataset: dict[str, float] = {}
    for relative_path, size in company.file_bytes.items():
        dataset = Path(relative_path).parts[0].removesuffix(".csv")
        megabytes_by_dataset[dataset] = megabytes_by_dataset.get(dataset, 0) + size / 1024 / 1024
    for name, rows in sorted(company.row_counts.items()):
        lines.append(f"| {name} | {rows:,} | {megabytes_by_dataset.get(name, 0):,.1f} |")
    missing = missing_required_rows(company.row_counts)
    required = ", ".join(f"{rows:,} {name}" for name, rows in REQUIRED_ROWS.items())
    lines.append("")
    if missing:
        shortfall = ", ".join(
            f"{name} {rows:,} < {needed:,}" for name, (rows, needed) in missing.items()
        )
        lines.append(f"Required size (at least {required}): NOT MET: {shortfall}.")
    else:
        lines.append(f"Required size (at least {required}): met.")
    return lines
