"""The stages part: floor, ingestion, validation, full build and one further month.

Every stage runs in a fresh process on one large company, in this order, against one
warehouse: the floor, ingestion into a new warehouse, validation of its raw tables, the
full build over all months, and the last month once more with the whole monthly job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import company as companies
import report
from report_dbt import DbtRun, dbt_run_text, read_dbt_run
from runner import Bench, ensure_company, warm_page_cache


@dataclass(frozen=True)
class StagesOutcome:
    """Figures of the stages part, ready to print and to render."""

    company: companies.Company
    reused: bool
    by_stage: dict[str, report.Measurement]
    full_build_detail: dict
    validation: report.ValidationRun | None
    gate: report.GateTimes | None
    dbt_runs: list[DbtRun]
    notes: list[str]

    @property
    def success(self) -> bool:
        return all(m.status == "ok" for m in self.by_stage.values())


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
        measured = bench.run_stage(stage, options, dbt_target="stages")
        by_stage[stage] = report.to_measurement(stage, measured)
    return by_stage


def dbt_runs(bench: Bench) -> list[DbtRun]:
    """Read every run_results.json of the stages that run dbt, when dbt wrote them."""
    runs = []
    for stage in ("full_build", "further_month"):
        files = bench.run_results_files(stage)
        if files:
            runs.append(read_dbt_run(stage, files))
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


def run_stages(bench: Bench, seed: int, scale: float, small_company: bool) -> StagesOutcome:
    """Generate or reuse the company, run the five timed stages and read their figures."""
    company, reused = ensure_company(bench, seed, scale)
    landing = companies.landing_dir(companies.company_dir(bench.work_dir, seed, scale))
    by_stage = run_timed_stages(bench, company, landing)
    validation, gate = validation_figures(bench)
    notes = result_notes(
        bench.reports.get("floor", {}).get("detail", {}),
        by_stage,
        small_company=small_company or bool(companies.missing_required_rows(company.row_counts)),
        scale=scale,
    )
    return StagesOutcome(
        company=company,
        reused=reused,
        by_stage=by_stage,
        full_build_detail=bench.reports.get("full_build", {}).get("detail", {}),
        validation=validation,
        gate=gate,
        dbt_runs=dbt_runs(bench),
        notes=notes,
    )


def print_summary(outcome: StagesOutcome) -> None:
    by_stage: Mapping[str, report.Measurement] = outcome.by_stage
    print()
    print(report.stage_table(by_stage))
    print()
    print(report.full_build_text(outcome.full_build_detail))
    print()
    print(report.targets_table(report.evaluate_targets(by_stage, outcome.validation)))
    print()
    print(report.validation_text(outcome.validation, by_stage))
    print()
    print(report.gate_text(outcome.gate, by_stage))
    for run in outcome.dbt_runs:
        stage = by_stage.get(run.stage)
        print(f"\ndbt in stage {report.STAGE_LABELS[run.stage]}:")
        print(dbt_run_text(run, stage.wall_seconds if stage else None))
    for note in outcome.notes:
        print(f"\nNOTE: {note}")
