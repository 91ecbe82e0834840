"""Report assets: the published, read-only copy of the marts."""

import dagster as dg

from orchestration.report.publish import publish_marts, published_path_for
from orchestration.transform.lineage import mart_relations
from orchestration.warehouse import WAREHOUSE_POOL, WarehouseResource


@dg.asset(
    key=["published", "marts"],
    group_name="published",
    kinds={"duckdb"},
    deps=[dg.AssetKey(["marts", name]) for name in sorted(mart_relations())],
    pool=WAREHOUSE_POOL,
)
def published_marts(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Read-only copy of every mart in `marts_published.duckdb`, beside the warehouse.

    BI tools connect here: the file is replaced in one rename after a successful build, so
    an open connection never blocks a run and never reads a half-built period.
    """
    target = published_path_for(warehouse.database)
    with warehouse.write_lock("publish marts", log=context.log):
        row_counts = publish_marts(warehouse.database, target)
    context.log.info(f"Published {len(row_counts)} marts to {target}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(target)),
            "dagster/row_count": dg.MetadataValue.int(sum(row_counts.values())),
            "tables": dg.MetadataValue.md(
                "\n".join(f"- `marts.{name}`: {count:,} rows" for name, count in row_counts.items())
            ),
        }
    )
