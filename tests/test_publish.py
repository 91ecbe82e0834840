"""Publishing the marts: a complete read-only copy that open BI connections never block."""

from __future__ import annotations

import duckdb

from orchestration.report.publish import publish_marts, published_path_for


def _counts(path, schema="marts"):
    with duckdb.connect(str(path), read_only=True) as connection:
        tables = connection.execute(
            "select table_name from information_schema.tables where table_schema = ? "
            "order by table_name",
            [schema],
        ).fetchall()
        return {
            name: connection.execute(f'select count(*) from {schema}."{name}"').fetchone()[0]
            for (name,) in tables
        }


def test_publish_copies_every_mart(sample_audit, tmp_path):
    target = tmp_path / "marts_published.duckdb"
    row_counts = publish_marts(sample_audit.path, target)
    assert row_counts == _counts(sample_audit.path)
    assert _counts(target) == row_counts


def test_open_reader_does_not_block_publish(sample_audit, tmp_path):
    target = tmp_path / "marts_published.duckdb"
    publish_marts(sample_audit.path, target)
    reader = duckdb.connect(str(target), read_only=True)
    try:
        before = reader.execute("select count(*) from marts.kpi_team_monthly").fetchone()[0]
        publish_marts(sample_audit.path, target)
        still_readable = reader.execute("select count(*) from marts.kpi_team_monthly").fetchone()[0]
    finally:
        reader.close()
    assert still_readable == before
    assert not (tmp_path / "marts_published.duckdb.publishing").exists()


def test_job_publishes_beside_warehouse(sample_audit):
    published = published_path_for(sample_audit.path)
    assert published.name == "marts_published.duckdb"
    assert _counts(published) == _counts(sample_audit.path)


def test_published_unqualified_schema_resolves(sample_audit):
    with duckdb.connect(str(published_path_for(sample_audit.path)), read_only=True) as connection:
        rows = connection.execute("select count(*) from marts.kpi_performance_monthly").fetchone()
    assert rows[0] > 0
