"""The great-expectations adapter for DuckDB, on real DuckDB files.

The plain-engine tests show the failures that the adapter fixes, and the adapter tests
fail without it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import great_expectations as gx
import pytest
import sqlalchemy
from great_expectations import expectations as gxe
from great_expectations.execution_engine import SqlAlchemyExecutionEngine

from orchestration.quality.ge_duckdb import (
    SUPPORTED_GE_VERSION,
    DuckDBExecutionEngine,
    add_shared_duckdb_datasource,
    check_ge_version,
    create_sqlalchemy_engine,
    engine_options,
    open_quiet_cursor,
    require_no_open_transaction,
    sqlalchemy_type,
)

AMOUNTS_DDL = (
    "create schema raw; "
    "create table raw.amounts (amount_id varchar, amount decimal(18,2), currency varchar, "
    "booked_at timestamp)"
)
AMOUNT_ROWS = (
    "insert into raw.amounts values "
    "('a1', 10.50, 'USD', '2024-01-01 09:00'), "
    "('a2', 99.00, 'usd', '2024-01-02 09:00'), "
    "('a3', 3.25, 'KRW', '2024-01-03 09:00')"
)


@pytest.fixture
def connection(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    connection.execute(AMOUNTS_DDL)
    connection.execute(AMOUNT_ROWS)
    yield connection
    connection.close()


def validate_amounts(connection, expectation, datasource_factory=add_shared_duckdb_datasource):
    """Run one expectation on raw.amounts through a data source made by the factory."""
    context = gx.get_context(mode="ephemeral")
    datasource = datasource_factory(context, "warehouse", connection)
    asset = datasource.add_table_asset(name="amounts", table_name="amounts", schema_name="raw")
    batch = asset.add_batch_definition_whole_table("whole_table").get_batch()
    try:
        return batch.validate(expectation, result_format="SUMMARY")
    finally:
        batch.data.execution_engine.close()


def plain_sql_datasource(context, name, connection):
    # GE's own SQL data source on the same cursors, without the adapter's engine.
    return context.data_sources.add_sql(
        name=name, connection_string="duckdb:///:memory:", kwargs=engine_options(connection)
    )


def test_plain_engine_loses_query_result(connection):
    engine = SqlAlchemyExecutionEngine(engine=create_sqlalchemy_engine(connection))
    with pytest.raises(sqlalchemy.exc.ProgrammingError, match="No open result set"):
        engine.execute_query(sqlalchemy.text("select 42")).fetchall()


def test_adapter_engine_returns_query_result(connection):
    engine = DuckDBExecutionEngine(engine=create_sqlalchemy_engine(connection))
    try:
        rows = engine.execute_query(sqlalchemy.text("select 42")).fetchall()
    finally:
        engine.close()
    assert rows == [(42,)]


def test_plain_engine_column_max_missing(connection):
    result = validate_amounts(
        connection,
        gxe.ExpectColumnMaxToBeBetween(column="amount", min_value=0, max_value=1000),
        plain_sql_datasource,
    )
    assert result.success is False
    assert result.result.get("observed_value") is None


def test_adapter_column_max_observed(connection):
    result = validate_amounts(
        connection, gxe.ExpectColumnMaxToBeBetween(column="amount", min_value=0, max_value=1000)
    )
    assert result.success is True
    assert result.result["observed_value"] == 99.0


def test_adapter_counts_unexpected_values(connection):
    result = validate_amounts(
        connection, gxe.ExpectColumnValuesToBeBetween(column="amount", min_value=5)
    )
    assert result.result["unexpected_count"] == 1
    assert result.result["element_count"] == 3


def test_plain_engine_column_type_unknown(connection):
    result = validate_amounts(
        connection,
        gxe.ExpectColumnValuesToBeOfType(column="amount", type_="DECIMAL"),
        plain_sql_datasource,
    )
    assert result.success is False


@pytest.mark.parametrize(
    ("column", "type_name"),
    [("amount_id", "VARCHAR"), ("amount", "DECIMAL"), ("booked_at", "TIMESTAMP")],
)
def test_adapter_column_type_matches(connection, column, type_name):
    result = validate_amounts(
        connection, gxe.ExpectColumnValuesToBeOfType(column=column, type_=type_name)
    )
    assert result.success is True


def test_adapter_column_type_mismatch(connection):
    result = validate_amounts(
        connection, gxe.ExpectColumnValuesToBeOfType(column="amount", type_="VARCHAR")
    )
    assert result.success is False
    assert result.result["observed_value"] == "DECIMAL"


def test_adapter_table_columns_listed(connection):
    result = validate_amounts(
        connection,
        gxe.ExpectTableColumnsToMatchSet(
            column_set=["amount_id", "amount", "currency", "booked_at"], exact_match=True
        ),
    )
    assert result.success is True


def test_adapter_regex_counts_mismatches(connection):
    result = validate_amounts(
        connection, gxe.ExpectColumnValuesToMatchRegex(column="currency", regex="^[A-Z]{3}$")
    )
    assert result.result["unexpected_count"] == 1
    assert result.result["partial_unexpected_list"] == ["usd"]


def test_adapter_unexpected_rows_query(connection):
    query = "select amount_id from {batch} where booked_at > timestamp '2024-01-01 12:00'"
    result = validate_amounts(
        connection, gxe.UnexpectedRowsExpectation(unexpected_rows_query=query)
    )
    assert result.result["observed_value"] == 2


def test_validation_sees_committed_rows(connection):
    connection.execute("insert into raw.amounts values ('a4', 1.00, 'EUR', '2024-01-04 09:00')")
    result = validate_amounts(
        connection, gxe.ExpectTableRowCountToBeBetween(min_value=4, max_value=4)
    )
    assert result.success is True


def test_caller_connection_open_after_close(connection):
    validate_amounts(connection, gxe.ExpectTableRowCountToBeBetween(min_value=1))
    connection.execute("insert into raw.amounts values ('a5', 2.00, 'EUR', '2024-01-05 09:00')")
    assert connection.execute("select count(*) from raw.amounts").fetchone()[0] == 4


def test_caller_transaction_rejected(connection):
    connection.begin()
    with pytest.raises(RuntimeError, match="Commit or roll back"):
        require_no_open_transaction(connection)
    connection.rollback()


def test_caller_without_transaction_accepted(connection):
    require_no_open_transaction(connection)
    connection.begin()
    connection.rollback()


def test_quiet_cursor_leaves_caller_setting(connection):
    connection.execute("set enable_progress_bar = true")
    cursor = open_quiet_cursor(connection)
    setting = "select value from duckdb_settings() where name = 'enable_progress_bar'"
    assert cursor.execute(setting).fetchone()[0] == "false"
    assert connection.execute(setting).fetchone()[0] == "true"
    cursor.close()


@pytest.mark.parametrize(
    ("duckdb_type", "expected"),
    [
        ("VARCHAR", sqlalchemy.types.VARCHAR),
        ("BIGINT", sqlalchemy.types.BIGINT),
        ("DECIMAL(18,2)", sqlalchemy.types.DECIMAL),
        ("BOOLEAN", sqlalchemy.types.BOOLEAN),
        ("TIMESTAMP", sqlalchemy.types.TIMESTAMP),
        ("TIMESTAMP WITH TIME ZONE", sqlalchemy.types.TIMESTAMP),
        ("DATE", sqlalchemy.types.DATE),
        ("VARCHAR[]", sqlalchemy.types.NullType),
    ],
)
def test_sqlalchemy_type_class(duckdb_type, expected):
    assert type(sqlalchemy_type(duckdb_type)) is expected


def test_sqlalchemy_type_decimal_scale():
    decimal = sqlalchemy_type("DECIMAL(18,2)")
    assert (decimal.precision, decimal.scale) == (18, 2)


def test_version_check_accepts_supported():
    check_ge_version(f"{SUPPORTED_GE_VERSION}.9")


@pytest.mark.parametrize("version", ["1.25.0", "1.2.4", "1.240.0", "2.0.0"])
def test_version_check_rejects_other(version):
    with pytest.raises(ImportError, match=f"great-expectations {SUPPORTED_GE_VERSION}"):
        check_ge_version(version)


def test_installed_version_supported():
    assert gx.__version__.startswith(SUPPORTED_GE_VERSION + ".")
