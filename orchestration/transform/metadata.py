"""Metadata for dbt's events: row counts, a team preview and warnings for empty marts.

When dbt has finished, each materialization gets its row count, and the team mart gets a
markdown preview of the latest month. Marts left empty are named in a warning together
with the landing datasets they lacked.
"""

from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator

from orchestration.report.team_kpis import latest_team_summary, render_markdown
from orchestration.transform.lineage import sources_upstream_of
from orchestration.transform.project import load_manifest
from orchestration.warehouse import WarehouseResource

TEAM_MART = "kpi_team_monthly"


class SalesauditDbtTranslator(DagsterDbtTranslator):
    """Groups dbt nodes by layer, so the UI shows raw -> staging -> intermediate -> marts."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        return dbt_resource_props.get("schema") or "dbt"


def _relations_by_asset_key(translator: DagsterDbtTranslator) -> dict[dg.AssetKey, dict]:
    manifest = load_manifest()
    relations = {}
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] in ("model", "seed", "snapshot"):
            relations[translator.get_asset_key(node)] = {
                "unique_id": unique_id,
                "schema": node["schema"],
                "name": node.get("alias") or node["name"],
            }
    return relations


def _row_count(connection, relation: dict) -> int | None:
    try:
        return connection.execute(
            f'select count(*) from "{relation["schema"]}"."{relation["name"]}"'
        ).fetchone()[0]
    except Exception:  # noqa: BLE001 - a relation dbt did not build has no count to report
        return None


def _event_asset_key(event, context: dg.AssetExecutionContext) -> dg.AssetKey | None:
    if isinstance(event, dg.Output):
        return context.asset_key_for_output(event.output_name)
    if isinstance(event, dg.AssetMaterialization):
        return event.asset_key
    return None


def with_table_metadata(
    events: list, warehouse: WarehouseResource, context: dg.AssetExecutionContext
) -> Iterator:
    """Yield dbt's events with row counts, a team preview and empty-mart warnings added."""
    log = context.log
    translator = SalesauditDbtTranslator()
    relations = _relations_by_asset_key(translator)
    with warehouse.connect(read_only=True) as connection:
        for event in events:
            relation = relations.get(_event_asset_key(event, context))
            if relation is None:
                yield event
                continue
            metadata: dict[str, dg.MetadataValue] = {}
            row_count = _row_count(connection, relation)
            if row_count is not None:
                metadata["dagster/row_count"] = dg.MetadataValue.int(row_count)
            if relation["schema"] == "marts" and row_count == 0:
                upstream = sources_upstream_of(relation["unique_id"])
                empty_sources = [
                    name
                    for name in upstream
                    if _row_count(connection, {"schema": "raw", "name": name}) == 0
                ]
                log.warning(
                    f"marts.{relation['name']} is empty"
                    + (
                        ": these landing datasets were absent or empty: "
                        f"{', '.join(empty_sources)}."
                        if empty_sources
                        else ": no rows in the audit range."
                    )
                )
            if relation["name"] == TEAM_MART and row_count:
                metadata["latest_month_preview"] = dg.MetadataValue.md(
                    render_markdown(latest_team_summary(connection))
                )
            yield event.with_metadata({**(event.metadata or {}), **metadata})
