"""Turn stage measurements into the results table, the target verdicts and RESULTS.md's
stages part."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from company import Company
from report_context import data_lines, machine_lines
from report_dbt import DbtRun, dbt_run_text

# The heading of RESULTS.md's part that this module writes.
STAGES_HEADING = "## Stages"

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


def to_measurement(stage: str, measured: dict | None) -> Measurement:
    """Turn a stage's JSON report (None when it crashed) into its Measurement."""
    if measured is None:
        return Measurement(stage, None, None, "crashed")
    if not measured["success"]:
        return Measurement(stage, measured["wall_seconds"], measured["peak_mb"], "failed")
    return Measurement(stage, measured["wall_seconds"], measured["peak_mb"])


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """Return numerator / denominator, or None when either is missing or the divisor is 0."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def full_build_text(detail: Mapping) -> str:
    """Describe the full build's two runs: the monthly job's range and the fiscal quarters."""
    if "monthly_seconds" not in detail:
        return "The full build did not report its parts."
    text = (
        f"The full build ran `monthly_audit` without its raw assets over {detail['months']} "
        f"as one run in {detail['monthly_seconds']:,.1f} s"
    )
    if "quarterly_seconds" not in detail:
        return text + ", and did not reach `quarterly_reaudit` because that run failed."
    quarters = detail.get("quarters") or []
    return (
        f"{text}, then `quarterly_reaudit` over {len(quarters)} complete fiscal quarters "
        f"({', '.join(quarters) or 'none'}) in {detail['quarterly_seconds']:,.1f} s."
    )


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
        return ratio(self.rows, self.seconds)


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
        return ratio(self.rows, self.seconds)


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

    pipeline_ratio = ratio(pipeline.wall_seconds, floor_seconds)
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
    month_ratio = ratio(
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


def cell(value: float | None, template: str) -> str:
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
        to_floor = ratio(measurement.wall_seconds, floor_seconds)
        lines.append(
            f"| {label} | {cell(measurement.wall_seconds, '{:,.1f}')} "
            f"| {cell(measurement.peak_mb, '{:,.0f}')} | {cell(to_floor, '{:.1f} x')} "
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
            f"| {cell(entry.rows_per_second, '{:,.0f}')} "
            f"| {failed} of {entry.expectations} |"
        )
    lines.append(
        f"| total | {run.rows:,} | {run.seconds:,.2f} | {cell(run.rows_per_second, '{:,.0f}')} | |"
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


def render_stages_part(
    *,
    command: str,
    run_date: str,
    company: Company,
    reused: bool,
    by_stage: Mapping[str, Measurement],
    full_build_detail: Mapping,
    validation: ValidationRun | None,
    gate: GateTimes | None,
    dbt_runs: Iterable[DbtRun],
    notes: Iterable[str],
    load_at_start: tuple[float, ...],
    load_at_end: tuple[float, ...],
) -> str:
    """Return RESULTS.md's stages part, from its heading to its last line."""
    sections = [
        STAGES_HEADING,
        "",
        f"Written by `{command}` on {run_date}.",
        "",
        "### Machine",
        "",
        *machine_lines(load_at_start, load_at_end),
        "",
        "### Data",
        "",
        *data_lines(company, reused),
        "",
        "### Stage times",
        "",
        stage_table(by_stage),
        "",
        full_build_text(full_build_detail),
        "",
        "### Targets",
        "",
        targets_table(evaluate_targets(by_stage, validation)),
        "",
        "### Validation",
        "",
        validation_text(validation, by_stage),
        "",
        gate_text(gate, by_stage),
    ]
    for run in dbt_runs:
        stage = by_stage.get(run.stage)
        sections += ["", f"### dbt in stage: {STAGE_LABELS[run.stage]}", ""]
        sections.append(dbt_run_text(run, stage.wall_seconds if stage else None))
    notes = list(notes)
    if notes:
        sections += ["", "### Notes", "", *(f"- {note}" for note in notes)]
    return "\n".join(sections) + "\n"
