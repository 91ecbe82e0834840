"""Argument parsing and the commands of the `salesaudit` console script.

`run` and `demo` execute the same Dagster job (`monthly_audit`) in this process that the
Dagster UI launches; there is no second code path.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orchestration import settings
from orchestration.cli.summary import print_failure, print_quarter_changes, print_run_summary
from orchestration.settings import AuditSettings
from orchestration.transform.dbt_vars import parse_month

DEMO_SEED = 7
DEMO_SCALE = 1.0


def _month_argument(text: str) -> str:
    try:
        return parse_month(text).strftime("%Y-%m")
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from err


def _add_settings_options(parser: argparse.ArgumentParser, with_mapping: bool) -> None:
    mapping = "the mapping file's reporting.{key}, else " if with_mapping else ""
    parser.add_argument(
        "--timezone",
        help="Reporting time zone (IANA name); months are calendar months in this zone. "
        f"Default: {mapping.format(key='timezone')}SALESAUDIT_REPORTING_TIMEZONE, else "
        "Asia/Seoul.",
    )
    parser.add_argument(
        "--currency",
        help="Reporting currency (ISO 4217) that amounts are converted to. Default: "
        f"{mapping.format(key='currency')}SALESAUDIT_REPORTING_CURRENCY, else KRW.",
    )
    parser.add_argument(
        "--fiscal-year-start",
        type=int,
        metavar="MONTH",
        help="First month of the fiscal year, 1 to 12. Default: "
        f"{mapping.format(key='fiscal_year_start_month')}SALESAUDIT_FISCAL_YEAR_START_MONTH, "
        "else 1.",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="salesaudit",
        description="Audit sales productivity: load landing data, build the KPI marts in DuckDB.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        help="Generate the sample company, audit every month, print the latest team KPIs.",
        description="Generate the sample company into the landing folder, run monthly_audit over "
        "all its months, and print the latest month's team KPIs and the warehouse path.",
    )
    demo.add_argument(
        "--seed", type=int, default=DEMO_SEED, help="Random seed of the sample company (default 7)."
    )
    demo.add_argument(
        "--scale",
        type=float,
        default=DEMO_SCALE,
        help="Size multiplier (default 1.0: about 60 reps and 250,000 activities over 12 months).",
    )
    demo.add_argument(
        "--landing",
        type=Path,
        help="Folder to write the sample landing files to (default: data/landing).",
    )
    demo.add_argument(
        "--warehouse",
        type=Path,
        help="DuckDB file to build (default: SALESAUDIT_WAREHOUSE or data/warehouse.duckdb).",
    )

    generate = commands.add_parser(
        "generate",
        help="Write a deterministic sample company as landing CSV files.",
        description="Write every landing dataset of a generated sample company to --out as CSV. "
        "The same seed and scale always give byte-identical files.",
    )
    generate.add_argument(
        "--out", type=Path, required=True, help="Folder to write the CSV files to."
    )
    generate.add_argument("--seed", type=int, default=DEMO_SEED, help="Random seed (default 7).")
    generate.add_argument(
        "--scale",
        type=float,
        default=DEMO_SCALE,
        help="Size multiplier (default 1.0: about 60 reps, 250,000 activities, 500,000 email "
        "events and 10,000 deals); rows grow linearly with it.",
    )
    generate.add_argument(
        "--start-month",
        type=_month_argument,
        default="2025-01",
        help="First generated month, YYYY-MM (default 2025-01).",
    )
    generate.add_argument(
        "--months", type=int, default=12, help="Number of generated months (default 12)."
    )

    run = commands.add_parser(
        "run",
        help="Load a landing folder or CRM export and build the marts for a month range.",
        description="Run monthly_audit in-process: load the landing data into raw, then build and "
        "test every dbt model for the months --from to --to.",
    )
    run.add_argument(
        "--landing",
        type=Path,
        required=True,
        help="Folder with the landing CSV files (<dataset>.csv), or the export the mapping names.",
    )
    run.add_argument(
        "--mapping",
        type=Path,
        help="YAML mapping file for a CRM export: which file is which dataset, renames, "
        "value maps.",
    )
    run.add_argument(
        "--from",
        dest="start_month",
        type=_month_argument,
        required=True,
        help="First month to audit, YYYY-MM.",
    )
    run.add_argument(
        "--to",
        dest="end_month",
        type=_month_argument,
        required=True,
        help="Last month to audit, YYYY-MM, inclusive.",
    )
    run.add_argument(
        "--warehouse",
        type=Path,
        help="DuckDB file to build (default: SALESAUDIT_WAREHOUSE or data/warehouse.duckdb).",
    )
    _add_settings_options(run, with_mapping=True)
    _add_settings_options(demo, with_mapping=False)

    commands.add_parser(
        "prepare-dbt",
        help="Parse the dbt project into target/manifest.json for the code location.",
        description="Run dbt parse once, so that loading the Dagster code location does not.",
    )
    return parser


def _settings_for(args: argparse.Namespace, mapping_file: Path | None) -> AuditSettings:
    defaults: dict[str, object] = {}
    if mapping_file is not None:
        from orchestration.ingest.mapping import read_reporting_defaults

        defaults = dict(read_reporting_defaults(mapping_file))
    return AuditSettings.from_env(
        reporting_timezone=args.timezone or defaults.get("timezone"),
        reporting_currency=(args.currency or defaults.get("currency") or None),
        fiscal_year_start_month=args.fiscal_year_start or defaults.get("fiscal_year_start_month"),
    )


def _command_generate(args: argparse.Namespace) -> int:
    from orchestration.ingest.sample import generate_company

    summary = generate_company(
        args.out,
        seed=args.seed,
        scale=args.scale,
        start_month=args.start_month,
        months=args.months,
        progress=lambda line: print(f"  {line}", file=sys.stderr),
    )
    total = sum(summary.row_counts.values())
    print(
        f"Wrote {len(summary.row_counts)} datasets, {total:,} rows, to {summary.out_dir} "
        f"({summary.first_month:%Y-%m} to {summary.last_month:%Y-%m})."
    )
    return 0


def _execute(request, show_quarter_changes: bool = False) -> int:
    from orchestration.cli.run_audit import run_audit, run_quarterly_audit

    result = run_audit(request)
    if not result.success:
        print_failure(result, request)
        return 1
    quarters, quarterly = run_quarterly_audit(request)
    if quarterly is not None and not quarterly.success:
        print_failure(quarterly, request)
        return 1
    print_run_summary(request)
    if show_quarter_changes:
        print_quarter_changes(request, quarters)
    return 0


def _command_run(args: argparse.Namespace) -> int:
    from orchestration.cli.run_audit import AuditRequest

    if args.start_month > args.end_month:
        print(f"error: --from {args.start_month} is after --to {args.end_month}.", file=sys.stderr)
        return 2
    mapping_file = args.mapping.resolve() if args.mapping else None
    request = AuditRequest(
        landing_dir=args.landing.resolve(),
        mapping_file=mapping_file,
        warehouse=(args.warehouse or settings.warehouse_path()).resolve(),
        audit_settings=_settings_for(args, mapping_file),
        start_month=args.start_month,
        end_month=args.end_month,
    )
    return _execute(request)


def _command_demo(args: argparse.Namespace) -> int:
    from orchestration.cli.run_audit import AuditRequest
    from orchestration.ingest.sample import generate_company

    landing = (args.landing or settings.landing_dir()).resolve()
    print(f"Generating the sample company (seed {args.seed}, scale {args.scale}) in {landing}")
    summary = generate_company(
        landing,
        seed=args.seed,
        scale=args.scale,
        progress=lambda line: print(f"  {line}", file=sys.stderr),
    )
    audit_settings = AuditSettings.from_env(
        reporting_timezone=args.timezone,
        reporting_currency=args.currency,
        fiscal_year_start_month=args.fiscal_year_start,
    )
    request = AuditRequest(
        landing_dir=landing,
        warehouse=(args.warehouse or settings.warehouse_path()).resolve(),
        audit_settings=audit_settings,
        start_month=f"{summary.first_month:%Y-%m}",
        end_month=f"{summary.last_month:%Y-%m}",
    )
    print(f"Auditing {request.start_month} to {request.end_month} into {request.warehouse}")
    return _execute(request, show_quarter_changes=True)


def _command_prepare_dbt(_: argparse.Namespace) -> int:
    from orchestration.transform.project import prepare_manifest

    print(f"Wrote {prepare_manifest()}")
    return 0


COMMANDS = {
    "demo": _command_demo,
    "generate": _command_generate,
    "run": _command_run,
    "prepare-dbt": _command_prepare_dbt,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ValueError as err:
        # Invalid settings, mapping files and landing folders are found before the job
        # starts; IngestError is a ValueError. Their messages name the value and the fix.
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
