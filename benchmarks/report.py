"""Turn stage measurements into the results table, the target verdicts and RESULTS.md."""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from company import REQUIRED_ROWS, Company, missing_required_rows

# Targets of the scale benchmark.
MAX_PIPELINE_TO_FLOOR = 8.0
MAX_STAGE_PEAK_MB = 4096.0
MAX_FURTHER_MONTH_TO_FULL_BUILD = 1 / 5
MIN_VALIDATION_ROWS_PER_SECOND = 1_000_000

STAGE_LABELS = {
    "floor": "floor: read every landing file once",
    "ingestion": "ingestion: raw assets",
    "validation": "validation: every raw table's suite",
    "full_build": "full dbt build, all months",
    "further_month": "one further month, whole job",
}
TIMED_STAGES = tuple(STAGE_LABELS)
PIPELINE_LABEL = "pipeline: ingestion + full build"


@dataclass(frozen=True)
class Measurement:
    """One stage's figures; `wall_seconds` and `peak_mb` are None when it did not finish."""

    stage: str
    wall_seconds: float | None
    peak_mb: float | None
    status: str = "ok"


@dataclass(frozen=True)
class Verdict:
    target: str
    measured: str
    met: bool | None  # None: a stage it needs did not finish

    @property
    def label(self) -> str:
        return {True: "met", False: "NOT MET", None: "not measured"}[self.met]


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def pipeline_measurement(by_stage: Mapping[str, Measurement]) -> Measurement:
    """Combine ingestion and the full build: wall times add up, the peak is the larger one."""
    parts = [by_stage.get("ingestion"), by_stage.get("full_build")]
    if any(part is None or part.wall_seconds is None for part in parts):
        return Measurement("pipeline", None, None, "incomplete")
    failed = [part.stage for part in parts if part.status != "ok"]
    return Measurement(
        "pipeline",
        sum(part.wall_seconds for part in parts),
        max(part.peak_mb for part in parts),
        f"failed: {', '.join(failed)}" if failed else "ok",
    )


@dataclass(frozen=True)
class DatasetValidation:
    """One raw table's validation in the validation stage."""

    dataset: str
    rows: int
    seconds: float
    expectations: int
    failed_expectations: tuple[str, ...]

    @property
    def rows_per_second(self) -> float | None:
        return _ratio(self.rows, self.seconds)


@dataclass(frozen=True)
class ValidationRun:
    """Every dataset's validation. The rate over all of them is all rows over all seconds."""

    datasets: tuple[DatasetValidation, ...]

    @property
    def rows(self) -> int:
        return sum(entry.rows for entry in self.datasets)

    @property
    def seconds(self) -> float:
        return sum(entry.seconds for entry in self.datasets)

    @property
    def rows_per_second(self) -> float | None:
        return _ratio(self.rows, self.seconds)


def read_validation_run(detail: Mapping) -> ValidationRun | None:
    """Read the validation stage's detail dict, or return None when it validated no dataset."""
    datasets = tuple(
        DatasetValidation(
            dataset=entry["dataset"],
            rows=int(entry["rows"]),
            seconds=float(entry["seconds"]),
            expectations=int(entry["expectations"]),
            failed_expectations=tuple(entry["failed_expectations"]),
        )
        for entry in detail.get("datasets", ())
    )
    return ValidationRun(datasets) if datasets else None


@dataclass(frozen=True)
class GateTimes:
    """Seconds the ingestion stage spent in the parts of the gate that log their time."""

    load_seconds: float
    validation_seconds: float
    validated_datasets: int


# Log lines of orchestration.ingest.load (one per landing file) and
# orchestration.quality.validate (one per dataset), as the ingestion stage writes them.
_LOADED_LINE = re.compile(
    r"orchestration\.ingest\.load: Loaded \d+ rows into \S+ from .* in ([\d.]+) s"
)
_VALIDATED_LINE = re.compile(
    r"orchestration\.quality\.validate: Validated \S+ \(\d+ rows\) in ([\d.]+) s"
)


def read_gate_times(log_text: str) -> GateTimes | None:
    """Sum the load and validation times that the ingestion stage's log lines report.

    Returns None when the log has no validation line, for example when the gate did not
    run or its log format changed. Load times are logged to 0.1 s per file.
    """
    validated = [float(match) for match in _VALIDATED_LINE.findall(log_text)]
    if not validated:
        return None
    loaded = [float(match) for match in _LOADED_LINE.findall(log_text)]
    return GateTimes(
        load_seconds=sum(loaded),
        validation_seconds=sum(validated),
        validated_datasets=len(validated),
    )


def evaluate_targets(
    by_stage: Mapping[str, Measurement], validation: ValidationRun | None = None
) -> list[Verdict]:
    """Judge the targets: pipeline time, per-stage peak memory, one further month, validation."""
    floor = by_stage.get("floor")
    floor_seconds = floor.wall_seconds if floor else None
    pipeline = pipeline_measurement(by_stage)
    verdicts = []

    pipeline_ratio = _ratio(pipeline.wall_seconds, floor_seconds)
    verdicts.append(
        Verdict(
            target=f"pipeline <= {MAX_PIPELINE_TO_FLOOR:g} x floor",
            measured="-" if pipeline_ratio is None else f"{pipeline_ratio:.1f} x floor",
            met=None if pipeline_ratio is None else pipeline_ratio <= MAX_PIPELINE_TO_FLOOR,
        )
    )

    measured_peaks = [
        (measurement.peak_mb, stage)
        for stage, measurement in by_stage.items()
        if stage in TIMED_STAGES and measurement.peak_mb is not None
    ]
    all_measured = len(measured_peaks) == len(TIMED_STAGES)
    if measured_peaks:
        peak_mb, peak_stage = max(measured_peaks)
        peak_text = f"{peak_mb:,.0f} MB max ({peak_stage})"
    else:
        peak_mb, peak_text = None, "-"
    peak_met = None if peak_mb is None else peak_mb < MAX_STAGE_PEAK_MB
    verdicts.append(
        Verdict(
            target=f"peak memory < {MAX_STAGE_PEAK_MB:,.0f} MB in every stage",
            measured=peak_text,
            # A stage that did not finish may have used more, unless one already failed.
            met=peak_met if all_measured or peak_met is False else None,
        )
    )

    further = by_stage.get("further_month")
    full_build = by_stage.get("full_build")
    month_ratio = _ratio(
        further.wall_seconds if further else None, full_build.wall_seconds if full_build else None
    )
    verdicts.append(
        Verdict(
            target="one further month < 1/5 of the full build",
            measured="-" if month_ratio is None else f"{month_ratio:.2f} x full build",
            met=None if month_ratio is None else month_ratio < MAX_FURTHER_MONTH_TO_FULL_BUILD,
        )
    )

    validation_stage = by_stage.get("validation")
    rate = validation.rows_per_second if validation else None
    if validation_stage is None or validation_stage.status != "ok":
        rate = None  # a failed stage may have left tables out of the rate
    verdicts.append(
        Verdict(
            target=f"validation >= {MIN_VALIDATION_ROWS_PER_SECOND:,} rows/s",
            measured="-" if rate is None else f"{rate:,.0f} rows/s",
            met=None if rate is None else rate >= MIN_VALIDATION_ROWS_PER_SECOND,
        )
    )
    return verdicts


def _cell(value: float | None, template: str) -> str:
    return "-" if value is None else template.format(value)


def stage_table(by_stage: Mapping[str, Measurement]) -> str:
    """Return the stage table in Markdown, with the pipeline row last."""
    floor = by_stage.get("floor")
    floor_seconds = floor.wall_seconds if floor else None
    lines = [
        "| stage | wall s | peak memory MB | ratio to floor | status |",
        "|---|---:|---:|---:|---|",
    ]
    rows = [(STAGE_LABELS[stage], by_stage.get(stage)) for stage in TIMED_STAGES]
    rows.append((PIPELINE_LABEL, pipeline_measurement(by_stage)))
    for label, measurement in rows:
        measurement = measurement or Measurement("", None, None, "not run")
        ratio = _ratio(measurement.wall_seconds, floor_seconds)
        lines.append(
            f"| {label} | {_cell(measurement.wall_seconds, '{:,.1f}')} "
            f"| {_cell(measurement.peak_mb, '{:,.0f}')} | {_cell(ratio, '{:.1f} x')} "
            f"| {measurement.status} |"
        )
    return "\n".join(lines)


def targets_table(verdicts: Iterable[Verdict]) -> str:
    lines = ["| target | measured | verdict |", "|---|---|---|"]
    lines.extend(f"| {v.target} | {v.measured} | {v.label} |" for v in verdicts)
    return "\n".join(lines)


def validation_table(run: ValidationRun) -> str:
    """Return the per-dataset validation table in Markdown, largest table first, total last."""
    lines = [
        "| dataset | rows | seconds | rows/s | failed expectations |",
        "|---|---:|---:|---:|---|",
    ]
    for entry in sorted(run.datasets, key=lambda entry: (-entry.rows, entry.dataset)):
        failed = ", ".join(entry.failed_expectations) or "none"
        lines.append(
            f"| {entry.dataset} | {entry.rows:,} | {entry.seconds:,.2f} "
            f"| {_cell(entry.rows_per_second, '{:,.0f}')} "
            f"| {failed} of {entry.expectations} |"
        )
    lines.append(
        f"| total | {run.rows:,} | {run.seconds:,.2f} | {_cell(run.rows_per_second, '{:,.0f}')} | |"
    )
    return "\n".join(lines)


def validation_text(run: ValidationRun | None, by_stage: Mapping[str, Measurement]) -> str:
    """Describe the validation stage: how it times each dataset, then the table."""
    stage = by_stage.get("validation")
    if run is None:
        status = stage.status if stage else "not run"
        return f"The validation stage validated no dataset ({status})."
    intro = (
        "The validation stage runs each dataset's suite (`validate_dataset`, without Data "
        "Docs) on its raw table in the ingested warehouse, one dataset after the other, and "
        "times each call. The rate is all rows over all seconds."
    )
    if stage is not None and stage.peak_mb is not None:
        intro += f" The stage's peak memory was {stage.peak_mb:,.0f} MB."
    return intro + "\n\n" + validation_table(run)


def gate_text(gate: GateTimes | None, by_stage: Mapping[str, Measurement]) -> str:
    """Describe the gate's part of the ingestion stage, from its log lines."""
    ingestion = by_stage.get("ingestion")
    ingestion_seconds = ingestion.wall_seconds if ingestion else None
    intro = (
        "The ingestion stage runs the quality gate on every dataset (load, validation with "
        "Data Docs, row-rule quarantine), so its time above already includes validation."
    )
    if gate is None or not ingestion_seconds:
        return intro + " Its log has no validation times, so the gate's share is not known."
    rest = ingestion_seconds - gate.load_seconds - gate.validation_seconds
    return (
        f"{intro} By the stage's log lines, of its {ingestion_seconds:,.1f} s, loading the "
        f"files took {gate.load_seconds:,.1f} s "
        f"({gate.load_seconds / ingestion_seconds:.0%}) and validating "
        f"{gate.validated_datasets} datasets, Data Docs included, took "
        f"{gate.validation_seconds:,.1f} s "
        f"({gate.validation_seconds / ingestion_seconds:.0%}). The other {rest:,.1f} s, "
        "which no log line times, went to the loader's steps after reading (superseded rows, "
        "swapping the new table in), row-rule quarantine, and Dagster's start-up and run "
        "bookkeeping."
    )


@dataclass(frozen=True)
class DbtRun:
    """One dbt invocation of a stage: its own elapsed time and its slowest nodes."""

    stage: str
    elapsed_seconds: float
    # (unique id, execution seconds, status), slowest first.
    slowest: list[tuple[str, float, str]]


def read_dbt_run(stage: str, run_results_path: Path, count: int = 5) -> DbtRun:
    """Read a run_results.json: dbt's elapsed time and the `count` slowest nodes."""
    run_results = json.loads(run_results_path.read_text())
    ranked = sorted(
        run_results["results"],
        key=lambda result: result.get("execution_time") or 0,
        reverse=True,
    )
    return DbtRun(
        stage=stage,
        elapsed_seconds=float(run_results.get("elapsed_time") or 0),
        slowest=[
            (result["unique_id"], float(result.get("execution_time") or 0), str(result["status"]))
            for result in ranked[:count]
        ],
    )


def dbt_run_text(run: DbtRun, by_stage: Mapping[str, Measurement]) -> str:
    """Describe a dbt invocation: its share of the stage's wall time and its slowest nodes."""
    stage_seconds = by_stage[run.stage].wall_seconds if run.stage in by_stage else None
    share = "" if stage_seconds is None else f" of the stage's {stage_seconds:,.1f} s"
    lines = [
        f"dbt's own elapsed time (run_results.json) was {run.elapsed_seconds:,.1f} s{share}. "
        "Slowest nodes (2 threads run nodes side by side, so the times overlap):",
        "",
    ]
    for unique_id, seconds, status in run.slowest:
        lines.append(f"- `{unique_id}`: {seconds:,.1f} s ({status})")
    return "\n".join(lines)


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


def render_results(
    *,
    command: str,
    run_date: str,
    company: Company,
    reused: bool,
    by_stage: Mapping[str, Measurement],
    validation: ValidationRun | None,
    gate: GateTimes | None,
    dbt_runs: Iterable[DbtRun],
    notes: Iterable[str],
    load_at_start: tuple[float, ...],
    load_at_end: tuple[float, ...],
) -> str:
    """Return the whole RESULTS.md text."""
    sections = [
        "# Scale benchmark results",
        "",
        f"Written by `{command}` on {run_date}. `benchmarks/README.md` says what each stage "
        "measures and how.",
        "",
        "## Machine",
        "",
        *machine_lines(load_at_start, load_at_end),
        "",
        "## Data",
        "",
        *data_lines(company, reused),
        "",
        "## Stages",
        "",
        stage_table(by_stage),
        "",
        "## Targets",
        "",
        targets_table(evaluate_targets(by_stage, validation)),
        "",
        "## Validation",
        "",
        validation_text(validation, by_stage),
        "",
        gate_text(gate, by_stage),
    ]
    for run in dbt_runs:
        sections += ["", f"## dbt in stage: {STAGE_LABELS[run.stage]}", ""]
        sections.append(dbt_run_text(run, by_stage))
    notes = list(notes)
    if notes:
        sections += ["", "## Notes", "", *(f"- {note}" for note in notes)]
    return "\n".join(sections) + "\n"
