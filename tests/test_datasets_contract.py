"""The dbt sources file lists exactly the columns and types of the landing contract."""

from __future__ import annotations

import yaml

from orchestration.ingest.datasets import DATASETS, RAW_LINEAGE_COLUMNS, raw_table_ddl
from orchestration.settings import dbt_project_dir


def _sources() -> dict[str, dict]:
    document = yaml.safe_load((dbt_project_dir() / "models/staging/_sources.yml").read_text())
    (landing,) = [source for source in document["sources"] if source["name"] == "landing"]
    return {table["name"]: table for table in landing["tables"]}


def test_sources_list_every_dataset():
    assert set(_sources()) == {ds.name for ds in DATASETS}


def test_sources_columns_match_contract():
    sources = _sources()
    for ds in DATASETS:
        expected = [(c.name, c.type) for c in (*ds.columns, *RAW_LINEAGE_COLUMNS)]
        actual = [(c["name"], c["data_type"]) for c in sources[ds.name]["columns"]]
        assert actual == expected, ds.name


def test_raw_ddl_creates_table(tmp_path):
    import duckdb

    with duckdb.connect(str(tmp_path / "w.duckdb")) as connection:
        connection.execute("create schema raw")
        for ds in DATASETS:
            connection.execute(raw_table_ddl(ds))
        tables = connection.execute(
            "select count(*) from information_schema.tables where table_schema = 'raw'"
        ).fetchone()[0]
    assert tables == len(DATASETS)
