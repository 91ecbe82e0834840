"""Publishing: a read-only copy of the marts for BI tools, replaced only after a good build.

BI tools that hold a connection on the warehouse itself would block the next run's
writes (DuckDB allows one writing process per file) and could read a period while dbt
rebuilds it. They read `marts_published.duckdb` instead: after every successful build the marts
are copied into a new file beside it, which then replaces the published file in one
rename. A reader with the old file open keeps reading the old, complete copy.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

MARTS_SCHEMA = "marts"


# The file name becomes the DuckDB catalog name, so it must not be "marts": a reader's
# `marts.kpi_team_monthly` would then be ambiguous between the catalog and the schema.
def published_path_for(warehouse: Path) -> Path:
    """Return the published file beside `warehouse` (SALESAUDIT_PUBLISHED_MARTS overrides)."""
    configured = os.environ.get("SALESAUDIT_PUBLISHED_MARTS")
    return (
        Path(configured).resolve() if configured else warehouse.with_name("marts_published.duckdb")
    )


def _quoted_path(path: Path) -> str:
    # ATTACH takes a string literal, not a parameter; single quotes are doubled.
    return "'" + str(path).replace("'", "''") + "'"


def publish_marts(warehouse: Path, target: Path) -> dict[str, int]:
    """Copy every table of the warehouse's `marts` schema into `target`; return row counts.

    The caller holds the warehouse write lock, so no writer changes the marts meanwhile.
    """
    staging_file = target.with_name(target.name + ".publishing")
    staging_file.unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    row_counts: dict[str, int] = {}
    with duckdb.connect(str(staging_file)) as connection:
        connection.execute(f"attach {_quoted_path(warehouse)} as warehouse (read_only)")
        tables = connection.execute(
            "select table_name from duckdb_tables() "
            "where database_name = 'warehouse' and schema_name = ? order by table_name",
            [MARTS_SCHEMA],
        ).fetchall()
        connection.execute(f"create schema {MARTS_SCHEMA}")
        for (name,) in tables:
            connection.execute(
                f'create table {MARTS_SCHEMA}."{name}" as '
                f'select * from warehouse.{MARTS_SCHEMA}."{name}"'
            )
            row_counts[name] = connection.execute(
                f'select count(*) from {MARTS_SCHEMA}."{name}"'
            ).fetchone()[0]
        connection.execute("detach warehouse")
    os.replace(staging_file, target)
    return row_counts
