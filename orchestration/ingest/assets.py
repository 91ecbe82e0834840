"""Raw ingestion assets: one Dagster asset per landing dataset, `raw/<dataset>`.

All raw assets are produced by one multi-asset step, so a run opens the warehouse once and
takes the write lock once; a subset (say, only `raw/deals`) still loads only what is
selected. Each asset's row is a landing row as the source sent it, typed, with its source
file and record number.
"""

from pathlib import Path

import dagster as dg
from pydantic import Field

from orchestration import settings
from orchestration.ingest.datasets import DATASETS, Dataset
from orchestration.ingest.load import LoadResult, load_dataset
from orchestration.ingest.mapping import plan_sources
from orchestration.resources import AuditSettingsResource
from orchestration.transform.lineage import marts_downstream_of_source
from orchestration.warehouse import WarehouseResource

RAW_GROUP = "raw"


class LandingConfig(dg.Config):
    """Where the landing data is and how to read it."""

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


def raw_asset_key(dataset_name: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", dataset_name])


def _raw_spec(ds: Dataset) -> dg.AssetSpec:
    kind = "required" if ds.required else "optional"
    return dg.AssetSpec(
        key=raw_asset_key(ds.name),
        description=(
            f"Raw `{ds.name}` landing data: {ds.grain}, key ({', '.join(ds.key)}). "
            f"A {kind} dataset, loaded as sent with declared column types into `raw.{ds.name}`."
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


def load_metadata(result: LoadResult) -> dict[str, dg.MetadataValue]:
    """Typed metadata for one dataset's load, on every path including an absent dataset."""
    return {
        "dagster/row_count": dg.MetadataValue.int(result.rows_loaded),
        "rows_loaded": dg.MetadataValue.int(result.rows_loaded),
        "is_missing": dg.MetadataValue.bool(result.is_missing),
        "source_files": dg.MetadataValue.md(
            "\n".join(f"- `{name}`" for name in result.files) or "_none: dataset absent_"
        ),
        "warnings": dg.MetadataValue.md(
            "\n".join(f"- {warning}" for warning in result.warnings) or "_none_"
        ),
    }


def _absent_dataset_message(dataset_name: str, landing_dir: Path, result: LoadResult) -> str:
    reason = " ".join(result.warnings) or (
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
    can_subset=True,
)
def raw_landing(
    context: dg.AssetExecutionContext,
    config: LandingConfig,
    warehouse: WarehouseResource,
    audit_settings: AuditSettingsResource,
):
    """Load each selected landing dataset into `raw.<dataset>` with DuckDB's CSV reader."""
    landing_dir = (
        Path(config.landing_dir).resolve() if config.landing_dir else settings.landing_dir()
    )
    mapping_file = Path(config.mapping_file).resolve() if config.mapping_file else None
    source_timezone = config.source_timezone or audit_settings.resolve().reporting_timezone
    plan = plan_sources(landing_dir, mapping_file, default_timezone=source_timezone)

    selected = [ds for ds in DATASETS if raw_asset_key(ds.name) in context.selected_asset_keys]
    context.log.info(
        f"Loading {len(selected)} datasets from {landing_dir}"
        + (f" with mapping {mapping_file}" if mapping_file else "")
    )
    with warehouse.write_lock("raw ingestion", log=context.log):
        with warehouse.connect() as connection:
            connection.execute("create schema if not exists raw")
            for position, ds in enumerate(selected, start=1):
                result = load_dataset(connection, plan[ds.name])
                if not result.is_missing:
                    for warning in result.warnings:
                        context.log.warning(f"raw.{ds.name}: {warning}")
                else:
                    context.log.warning(_absent_dataset_message(ds.name, landing_dir, result))
                context.log.info(
                    f"[{position}/{len(selected)}] raw.{ds.name}: {result.rows_loaded:,} rows"
                )
                yield dg.MaterializeResult(
                    asset_key=raw_asset_key(ds.name), metadata=load_metadata(result)
                )
