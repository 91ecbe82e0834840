"""Scale benchmark: time each pipeline stage on a large generated company.

The stages part generates (or reuses) a sample company of at least 5 million activities,
10 million email events and 200,000 deals. Then it runs each timed stage in a fresh
Python process: the floor (one DuckDB query reading every landing file), ingestion,
validation of every raw table, the full build, and one further month.

The history part times one further month after 6, 12 and 24 months of history on smaller
companies, against the full build of the same months.

Prints the tables and the verdicts and writes them to RESULTS.md.
`benchmarks/README.md` describes the stages and how they are measured.

Usage: .venv/bin/python benchmarks/run_bench.py [--quick] [--only stages|history] [--scale N]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import history
import history_report
import report
import results_file
import stages_section
from runner import Bench

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_WORK_DIR = BENCH_DIR / "work"
DEFAULT_RESULTS = BENCH_DIR / "RESULTS.md"

# Seed 7 at scale 1.0 generated 248,900 activities, 471,516 email events and 10,000 deals,
# and rows grow about linearly with the scale. 20 would fall short of 10 million email events,
# so 22 leaves some margin. Every run checks the sizes and reports a shortfall.
FULL_SCALE = 22.0
QUICK_SCALE = 0.2
DEFAULT_SEED = 7
PART_ORDER = (report.STAGES_HEADING, history_report.HISTORY_HEADING)


def _history_lengths(text: str) -> tuple[int, ...]:
    try:
        lengths = tuple(int(part) for part in text.split(","))
    except ValueError:
        lengths = ()
    if not lengths or min(lengths) < 1:
        raise argparse.ArgumentTypeError(
            f"invalid history lengths {text!r}: use whole numbers of months separated by "
            "commas, such as 6,12,24"
        )
    return tuple(sorted(set(lengths)))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Time ingestion, validation, the full build and one further month on a "
        "large generated company, each in a fresh process, against a floor of reading the files "
        "once; then time one further month after several history lengths.",
    )
    parser.add_argument(
        "--scale",
        type=float,
        help=f"Generator size multiplier of the stages part (default {FULL_SCALE:g}, or "
        f"{QUICK_SCALE:g} with --quick); 1.0 is about 250,000 activities in 12 months.",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="Generator seed (default 7)."
    )
    parser.add_argument(
        "--only",
        choices=("stages", "history"),
        help="Run one part and replace only that part of the results file.",
    )
    parser.add_argument(
        "--history-scale",
        type=float,
        help=f"Generator size multiplier of the history part (default {history.HISTORY_SCALE:g}, "
        f"or {QUICK_SCALE:g} with --quick).",
    )
    parser.add_argument(
        "--history-months",
        type=_history_lengths,
        help="History lengths in months, separated by commas (default "
        f"{','.join(map(str, history.HISTORY_LENGTHS))}, or "
        f"{','.join(map(str, history.QUICK_HISTORY_LENGTHS))} with --quick).",
    )
    parser.add_argument(
        "--history-repeats",
        type=int,
        default=1,
        help="Timed runs of each history measurement; the table shows the median (default 1).",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=DEFAULT_WORK_DIR,
        help="Folder for the generated companies, the warehouses and stage logs "
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
        help="Keep the warehouse files after the run (deleted by default, as they take a few GB "
        "at full scale; the generated companies and the logs are always kept).",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"Smoke test at scale {QUICK_SCALE:g} with short histories; the targets apply only "
        "to the full sizes.",
    )
    return parser


def check_history_lengths(lengths: tuple[int, ...]) -> None:
    """Reject a history whose further month has not ended yet, before generating anything."""
    today = datetime.now(UTC)
    current_month = f"{today.year:04d}-{today.month:02d}"
    longest = max(lengths)
    further = history.add_months(history.HISTORY_FIRST_MONTH, longest)
    if further >= current_month:
        raise SystemExit(
            f"Invalid --history-months {longest}: its further month {further} has not ended "
            f"yet (histories start in {history.HISTORY_FIRST_MONTH}). Use a shorter history."
        )


def run_stages_part(bench: Bench, args: argparse.Namespace, command: str) -> tuple[str, bool]:
    scale = args.scale
    if scale is None:
        scale = QUICK_SCALE if args.quick else FULL_SCALE
    if scale <= 0:
        raise SystemExit(f"Invalid --scale {scale:g}: use a positive number such as 22.")
    load_at_start = os.getloadavg()
    outcome = stages_section.run_stages(bench, args.seed, scale, small_company=args.quick)
    text = report.render_stages_part(
        command=command,
        run_date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        company=outcome.company,
        reused=outcome.reused,
        by_stage=outcome.by_stage,
        full_build_detail=outcome.full_build_detail,
        validation=outcome.validation,
        gate=outcome.gate,
        dbt_runs=outcome.dbt_runs,
        notes=outcome.notes,
        load_at_start=load_at_start,
        load_at_end=os.getloadavg(),
    )
    (bench.run_dir / "measurements.json").write_text(
        json.dumps({stage: asdict(m) for stage, m in outcome.by_stage.items()}, indent=2) + "\n"
    )
    stages_section.print_summary(outcome)
    return text, outcome.success


def run_history_part(bench: Bench, args: argparse.Namespace, command: str) -> tuple[str, bool]:
    scale = args.history_scale
    if scale is None:
        scale = QUICK_SCALE if args.quick else history.HISTORY_SCALE
    if scale <= 0:
        raise SystemExit(f"Invalid --history-scale {scale:g}: use a positive number such as 2.")
    if args.history_repeats < 1:
        raise SystemExit(f"Invalid --history-repeats {args.history_repeats}: use 1 or more.")
    lengths = args.history_months
    if lengths is None:
        lengths = history.QUICK_HISTORY_LENGTHS if args.quick else history.HISTORY_LENGTHS
    check_history_lengths(lengths)

    load_at_start = os.getloadavg()
    points = history.run_history(bench, args.seed, scale, lengths, args.history_repeats)
    notes = []
    if args.quick:
        notes.append(
            f"Scale {scale:g} and histories of {', '.join(map(str, lengths))} months are a smoke "
            "test: the verdicts apply to the default sizes only."
        )
    text = history_report.render_history_part(
        command=command,
        run_date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        seed=args.seed,
        scale=scale,
        first_month=history.HISTORY_FIRST_MONTH,
        repeats=args.history_repeats,
        points=points,
        notes=notes,
        load_at_start=load_at_start,
        load_at_end=os.getloadavg(),
    )
    print()
    print(history_report.history_table(points))
    print()
    print(history_report.breakdown_table(points))
    print()
    print("\n".join(history_report.verdict_lines(points)))
    print("\n".join(history_report.dominant_cost_lines(points)))
    success = all(
        measurement.status == "ok"
        for point in points
        for measurement in (point.further_month, point.further_month_dbt, point.full_build)
    )
    return text, success


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    bench = Bench(args.work_dir)
    results_path = args.results
    if results_path is None:
        results_path = bench.work_dir / "RESULTS-quick.md" if args.quick else DEFAULT_RESULTS
    bench.work_dir.mkdir(parents=True, exist_ok=True)
    bench.prepare()
    command = "benchmarks/run_bench.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    command = command.strip()

    parts: dict[str, str] = {}
    success = True
    if args.only in (None, "stages"):
        parts[report.STAGES_HEADING], success = run_stages_part(bench, args, command)
        if not args.keep:
            bench.delete_warehouse()
    if args.only in (None, "history"):
        parts[history_report.HISTORY_HEADING], history_success = run_history_part(
            bench, args, command
        )
        success = success and history_success
        if not args.keep:
            history.delete_warehouses(bench)

    existing = results_path.read_text() if results_path.exists() else ""
    results_path.parent.mkdir(parents=True, exist_ok=True)
    results_path.write_text(results_file.merge_results(existing, parts, PART_ORDER))
    print(f"\nWrote {results_path}")
    return 0 if success else 1


if __name__ == "__main__":
    sys.exit(main())
