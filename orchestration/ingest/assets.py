"""Raw ingestion assets: one Dagster asset per landing dataset, `raw/<dataset>`, gated.

All raw assets are produced by one multi-asset step, so a run opens the warehouse once and
takes the write lock once. A subset (say, only `raw/deals`) still loads only what is
selected. Each dataset passes the quality gate on its way in: rows that break a rule of its
great-expectations suite go to `quarantine.<dataset>`, and every expectation is an asset
check on the raw asset. The `quality_gate` check blocks the dbt models when a file is
structurally unreadable or when more than the configured share of rows was quarantined.
"""

import re
from pathlib import Path

import dagster as dg
from pydantic import Field

from orchestration import settings
from orchestration.ingest.datasets import DATASETS, Dataset
from orchestration.ingest.mapping import plan_sources
from orchestration.quality.gate import GateOutcome, run_gate
from orchestration.quality.validate import ExpectationOutcome, expectation_names
from orchestration.resources import AuditSettingsResource
from orchestration.transform.lineage import marts_downstream_of_source
from orchestration.warehouse import WAREHOUSE_POOL, WarehouseResource

RAW_GROUP = "raw"
GATE_CHECK = "quality_gate"


class LandingConfig(dg.Config):
    """Run config of the raw step: landing folder, mapping file, source zone, quarantine limit."""

    landing_dir: str = Field(
        default="",
        description="Landing folder; empty uses SALESAUDIT_LANDING_DIR or data/landing.",
    )
    mapping_file: str = Field(
        default="",
        description="YAML mapping for a CRM export; empty reads the native layout <dataset>.csv.",
    )
    source_timezone: str = Field(
        default="",
        description="Zone of naive timestamps in native files; empty uses the reporting zone.",
    )
    max_quarantine_share: float = Field(
        default=-1.0,
        description=(
            "Share of a dataset's rows (0 to 1) that may be quarantined before the quality gate "
            "blocks the models; negative uses SALESAUDIT_MAX_QUARANTINE_SHARE or 0.05."
        ),
    )


def raw_asset_key(dataset_name: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", dataset_name])


def expectation_check_name(rule_name: str) -> str:
    """Turn a suite rule name such as 'activities.duration_minutes.between' into a check name."""
    _, _, rest = rule_name.partition(".")
    return re.sub(r"[^A-Za-z0-9_]+", "_", rest or rule_name).strip("_")


def _check_specs(ds: Dataset) -> list[dg.AssetCheckSpec]:
    key = raw_asset_key(ds.name)
    specs = [
        dg.AssetCheckSpec(
            GATE_CHECK,
            asset=key,
            blocking=True,
            description=(
                f"Blocks the models when a {ds.name} file cannot be read, lacks a required "
                "column, or too many of its rows were quarantined."
            ),
        )
    ]
    for rule_name in expectation_names(ds.name):
        specs.append(
            dg.AssetCheckSpec(
                expectation_check_name(rule_name),
                asset=key,
                description=f"Expectation `{rule_name}` of the {ds.name} suite.",
            )
        )
    return specs


def _raw_spec(ds: Dataset) -> dg.AssetSpec:
    kind = "required" if ds.required else "optional"
    return dg.AssetSpec(
        key=raw_asset_key(ds.name),
        description=(
            f"Raw `{ds.name}` landing data: {ds.grain}, key ({', '.join(ds.key)}). "
            f"A {kind} dataset, loaded with declared column types into `raw.{ds.name}`; rows "
            f"that fail its quality rules are in `quarantine.{ds.name}`."
        ),
        group_name=RAW_GROUP,
        kinds={"duckdb", "csv"},
        skippable=True,
        metadata={
            "dagster/column_schema": dg.TableSchema(
                columns=[
                    dg.TableColumn(column.name, column.type, description=column.description or None)
                    for column in ds.columns
                ]
            ),
        },
    )


def _markdown_list(items: list[str], empty: str) -> dg.MetadataValue:
    return dg.MetadataValue.md("\n".join(f"- {item}" for item in items) or empty)


def _newest_file_time(files: tuple[str, ...]) -> float | None:
    times = [Path(name).stat().st_mtime for name in files if Path(name).is_file()]
    return max(times, default=None)


def gate_metadata(outcome: GateOutcome) -> dict[str, dg.MetadataValue]:
    """Typed metadata for one dataset's load, on every path including an absent dataset."""
    load = outcome.load
    reasons = [
        f"`{rule}`: {count:,} rows" for rule, count in sorted(outcome.quarantine_reasons.items())
    ]
    metadata: dict[str, dg.MetadataValue] = {
        "dagster/row_count": dg.MetadataValue.int(outcome.rows_loaded),
        "rows_read": dg.MetadataValue.int(outcome.rows_read),
        "rows_loaded": dg.MetadataValue.int(outcome.rows_loaded),
        "rows_quarantined": dg.MetadataValue.int(outcome.rows_quarantined),
        "quarantine_reasons": _markdown_list(reasons, "_none_"),
        "is_missing": dg.MetadataValue.bool(bool(load and load.is_missing)),
        "source_files": _markdown_list(
            [f"`{name}`" for name in (load.files if load else ())], "_none: dataset absent_"
        ),
        "warnings": _markdown_list(list(load.warnings) if load else [], "_none_"),
    }
    arrived = _newest_file_time(load.files if load else ())
    if arrived is not None:
        # The freshness checks read this: when the dataset's newest landing file arrived.
        metadata["dagster/last_updated_timestamp"] = dg.MetadataValue.timestamp(arrived)
    docs = outcome.validation.data_docs_path if outcome.validation else None
    if docs is not None:
        metadata["data_docs"] = dg.MetadataValue.url(docs.resolve().as_uri())
    return metadata


def _sample_markdown(sample: tuple[dict, ...]) -> str:
    if not sample:
        return "_no failing rows_"
    columns = list(sample[0])
    header = "| " + " | ".join(columns) + " |"
    rule = "|" + "|".join("---" for _ in columns) + "|"
    body = [
        "| " + " | ".join(str(row.get(column, "")) for column in columns) + " |" for row in sample
    ]
    return "\n".join([header, rule, *body])


def expectation_check_result(dataset_name: str, outcome: ExpectationOutcome) -> dg.AssetCheckResult:
    """Build the non-blocking check result of one expectation; its failing rows are quarantined."""
    metadata = {
        "rule": dg.MetadataValue.text(outcome.name),
        "expectation_type": dg.MetadataValue.text(outcome.expectation_type),
        "element_count": dg.MetadataValue.int(outcome.element_count),
        "failing_count": dg.MetadataValue.int(outcome.unexpected_count),
        "failing_rows_sample": dg.MetadataValue.md(_sample_markdown(outcome.unexpected_sample)),
    }
    if outcome.reason:
        metadata["fix"] = dg.MetadataValue.text(outcome.reason)
    description = None
    if outcome.skipped:
        description = f"Not evaluated: {outcome.skipped}"
    elif outcome.error:
        description = f"Could not be evaluated: {outcome.error}"
    elif not outcome.success:
        description = (
            f"{outcome.unexpected_count:,} rows failed and were quarantined. {outcome.reason}"
        )
    return dg.AssetCheckResult(
        asset_key=raw_asset_key(dataset_name),
        check_name=expectation_check_name(outcome.name),
        passed=outcome.success,
        severity=dg.AssetCheckSeverity.WARN,
        description=description,
        metadata=metadata,
    )


def not_evaluated_check_result(
    dataset_name: str, rule_name: str, outcome: GateOutcome
) -> dg.AssetCheckResult:
    """Build the result of an expectation that could not run: absent dataset or unreadable file."""
    if outcome.structural_error is not None:
        passed = False
        description = "Not evaluated: the file could not be loaded (see quality_gate)."
    else:
        passed = True
        description = "Not evaluated: the dataset is absent, so there are no rows to check."
    return dg.AssetCheckResult(
        asset_key=raw_asset_key(dataset_name),
        check_name=expectation_check_name(rule_name),
        passed=passed,
        severity=dg.AssetCheckSeverity.WARN,
        description=description,
        metadata={"rule": dg.MetadataValue.text(rule_name), "evaluated": False},
    )


def gate_check_result(outcome: GateOutcome, max_share: float) -> dg.AssetCheckResult:
    """Build the blocking check result: fails on a structural error or a share above `max_share`."""
    share = outcome.quarantined_share
    if outcome.structural_error is not None:
        description = outcome.structural_error
    elif share > max_share:
        description = (
            f"{outcome.rows_quarantined:,} of {outcome.rows_read:,} {outcome.dataset} rows "
            f"({share:.1%}) failed quality rules, above the {max_share:.1%} limit; the models "
            f"were not built. Fix the rows listed in quarantine.{outcome.dataset} (rule, file "
            "and line for each), or raise SALESAUDIT_MAX_QUARANTINE_SHARE."
        )
    else:
        description = (
            f"{outcome.rows_quarantined:,} of {outcome.rows_read:,} rows quarantined "
            f"({share:.1%}), within the {max_share:.1%} limit."
        )
    return dg.AssetCheckResult(
        asset_key=raw_asset_key(outcome.dataset),
        check_name=GATE_CHECK,
        passed=not outcome.is_blocking(max_share),
        severity=dg.AssetCheckSeverity.ERROR,
        description=description,
        metadata={
            "rows_read": dg.MetadataValue.int(outcome.rows_read),
            "rows_quarantined": dg.MetadataValue.int(outcome.rows_quarantined),
            "quarantined_share": dg.MetadataValue.float(share),
            "max_quarantine_share": dg.MetadataValue.float(max_share),
        },
    )


def _absent_dataset_message(dataset_name: str, landing_dir: Path, outcome: GateOutcome) -> str:
    warnings = outcome.load.warnings if outcome.load else ()
    reason = " ".join(warnings) or (
        f"Dataset '{dataset_name}' is absent from {landing_dir}; raw.{dataset_name} is empty."
    )
    affected = marts_downstream_of_source(dataset_name)
    if not affected:
        return reason
    return (
        f"{reason} The figures these marts take from it are empty or zero: {', '.join(affected)}."
    )


@dg.multi_asset(
    name="raw_landing",
    specs=[_raw_spec(ds) for ds in DATASETS],
    check_specs=[spec for ds in DATASETS for spec in _check_specs(ds)],
    can_subset=True,
    pool=WAREHOUSE_POOL,
)
def raw_landing(
    context: dg.AssetExecutionContext,
    config: LandingConfig,
    warehouse: WarehouseResource,
    audit_settings: AuditSettingsResource,
):
    """Load each selected landing dataset through the quality gate into `raw.<dataset>`."""
    landing_dir = settings.landing_dir()
    if config.landing_dir:
        landing_dir = Path(config.landing_dir).resolve()
    mapping_file = Path(config.mapping_file).resolve() if config.mapping_file else None
    source_timezone = config.source_timezone or audit_settings.resolve().reporting_timezone
    max_share = config.max_quarantine_share
    if max_share < 0:
        max_share = settings.max_quarantine_share()
    plan = plan_sources(landing_dir, mapping_file, default_timezone=source_timezone)
    # Data Docs sit beside the warehouse they describe, so runs into different warehouses
    # (tests, benchmarks, a second team) keep separate reports.
    docs_dir = warehouse.database.parent / "data_docs"

    selected = [ds for ds in DATASETS if raw_asset_key(ds.name) in context.selected_asset_keys]
    context.log.info(
        f"Loading {len(selected)} datasets from {landing_dir}"
        + (f" with mapping {mapping_file}" if mapping_file else "")
    )
    with warehouse.write_lock("raw ingestion", log=context.log):
        with warehouse.connect() as connection:
            connection.execute("create schema if not exists raw")
            for position, ds in enumerate(selected, start=1):
                outcome = run_gate(connection, plan, ds.name, docs_dir=docs_dir)
                yield from _report(
                    context, ds, outcome, landing_dir, max_share, position, len(selected)
                )


def _report(context, ds, outcome: GateOutcome, landing_dir, max_share, position, total):
    if outcome.structural_error is not None:
        context.log.error(f"raw.{ds.name}: {outcome.structural_error}")
    elif outcome.load is not None and outcome.load.is_missing:
        context.log.warning(_absent_dataset_message(ds.name, landing_dir, outcome))
    else:
        for warning in outcome.load.warnings:
            context.log.warning(f"raw.{ds.name}: {warning}")
    quarantined = f", {outcome.rows_quarantined:,} quarantined" if outcome.rows_quarantined else ""
    context.log.info(
        f"[{position}/{total}] raw.{ds.name}: {outcome.rows_loaded:,} rows loaded{quarantined}"
    )
    if outcome.structural_error is None:
        yield dg.MaterializeResult(
            asset_key=raw_asset_key(ds.name), metadata=gate_metadata(outcome)
        )
    evaluated = outcome.validation.outcomes if outcome.validation is not None else ()
    for expectation in evaluated:
        yield expectation_check_result(ds.name, expectation)
    # Every declared check gets a result, so Dagster does not report missing outputs.
    evaluated_names = {expectation.name for expectation in evaluated}
    for rule_name in expectation_names(ds.name):
        if rule_name not in evaluated_names:
            yield not_evaluated_check_result(ds.name, rule_name, outcome)
    yield gate_check_result(outcome, max_share)
