"""Run great-expectations' SQL engine on DuckDB, through the caller's DuckDB connection.

great-expectations (GE) 1.24 validates SQL data with `SqlAlchemyExecutionEngine`, and
duckdb-engine 0.17 is the SQLAlchemy dialect for DuckDB. Together they fail in two ways,
and `DuckDBExecutionEngine` below fixes both. Nothing in GE is patched: the fixes are
overrides in a subclass, which `SharedDuckDBDatasource` makes GE use.

1. Metric queries lose their rows. `SqlAlchemyExecutionEngine.execute_query` runs each
   query inside `with self.get_connection()`, and for dialects outside GE's
   `_PERSISTED_CONNECTION_DIALECTS` (sqlite, mssql, bigquery, databricks) that is
   `with self.engine.connect()`. The block closes the SQLAlchemy connection and returns
   the result object, which the caller reads afterwards (`execute_query(q).fetchall()`).
   Closing hands the DBAPI connection back to the pool, which rolls it back, or closes it
   under a NullPool. duckdb-engine's cursor is not a separate cursor but the DuckDB
   connection itself, which keeps one pending result at a time, so the rollback or the
   close discards the rows before the caller reads them. GE then gets no rows ("list
   index out of range" in `resolve_metric_bundle`) or DuckDB's "No open result set", and
   reports the metric as missing. The fix is GE's own remedy for sqlite: keep one
   SQLAlchemy connection open for the engine's lifetime (`get_connection` below), so
   each result stays readable until the next query on that connection. Every caller of
   `execute_query` in GE 1.24 reads its result before it runs another query. A side
   effect worth having: SQLAlchemy begins one transaction on first use, so every
   expectation of a validation reads the same snapshot. `close()` ends it.
2. Column reflection fails, so column types are unknown. SQLAlchemy 2.1's PostgreSQL
   reflection, which duckdb-engine inherits, queries `pg_catalog.pg_collation`, and
   DuckDB's pg_catalog has no such table. GE then falls back to `select * from <table>
   limit 1` without the schema name, which fails for `raw.<dataset>`, and even where it
   works that fallback yields names without types. `get_inspector` below returns an
   inspector that reads DuckDB's own catalog (`duckdb_columns()`) and maps each DuckDB
   type to the SQLAlchemy type class of the same SQL name (VARCHAR to `sqlalchemy.VARCHAR`,
   DECIMAL(18,2) to `sqlalchemy.DECIMAL(18, 2)`), which is what
   `expect_column_values_to_be_of_type` compares with `isinstance`. The engine's
   `dialect_module` is set to a namespace of those type classes for the same reason
   (see `_type_namespace`, which also lets GE build regular expressions for DuckDB).

Connection: a DuckDB file takes one read-write process at a time, and within a process
DuckDB shares the open database only among connections with the same configuration.
duckdb-engine opens its connections with a configuration of its own, so connecting to
the warehouse path through it fails while the loader's connection is open. Instead,
every DBAPI connection of the engine is `connection.cursor()`: in DuckDB's Python API a
second connection to the same open database, with its own transaction and its own
pending result, so GE's transactions and rollbacks never touch the caller's. It reads
what the caller has committed. `require_no_open_transaction` rejects a caller with an
open transaction, whose uncommitted rows validation would otherwise miss.

Upgrading GE: change `SUPPORTED_GE_VERSION` and run tests/test_quality_ge_duckdb.py. If
its plain-engine tests start failing, GE has fixed a problem above and the matching
override can go.
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import duckdb
import great_expectations
import sqlalchemy
import sqlalchemy.dialects.postgresql
from duckdb_engine import ConnectionWrapper
from great_expectations.data_context import AbstractDataContext
from great_expectations.datasource.fluent import SQLDatasource
from great_expectations.execution_engine import SqlAlchemyExecutionEngine

# The GE minor version whose internals this module was written against.
SUPPORTED_GE_VERSION = "1.24"


def check_ge_version(installed: str) -> None:
    """Raise ImportError unless `installed` is a release of SUPPORTED_GE_VERSION."""
    if installed != SUPPORTED_GE_VERSION and not installed.startswith(SUPPORTED_GE_VERSION + "."):
        raise ImportError(
            f"orchestration.quality.ge_duckdb supports great-expectations {SUPPORTED_GE_VERSION}.x "
            f"only, but {installed} is installed. Install great-expectations=="
            f"{SUPPORTED_GE_VERSION}.* (see pyproject.toml), or review the adapter in "
            "orchestration/quality/ge_duckdb.py against the new version and update "
            "SUPPORTED_GE_VERSION."
        )


check_ge_version(great_expectations.__version__)

# A URL only selects the dialect: connections come from the creator, never from the URL.
_DIALECT_URL = "duckdb:///:memory:"


def engine_options(connection: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Return `create_engine` keyword arguments whose connections are cursors of `connection`.

    NullPool closes each cursor when SQLAlchemy releases it. Closing a cursor leaves
    `connection` open.
    """

    def create_cursor() -> ConnectionWrapper:
        return ConnectionWrapper(open_quiet_cursor(connection))

    return {"creator": create_cursor, "poolclass": sqlalchemy.pool.NullPool}


def open_quiet_cursor(connection: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Return a cursor of `connection` that prints no progress bar.

    DuckDB draws a progress bar on the terminal for queries that run longer than its
    `progress_bar_time` (2000 ms by default in DuckDB 2.0). The setting is local to the
    cursor, so the caller's connection keeps its own.
    """
    cursor = connection.cursor()
    cursor.execute("set enable_progress_bar = false")
    return cursor


def create_sqlalchemy_engine(connection: duckdb.DuckDBPyConnection) -> sqlalchemy.Engine:
    """Build a SQLAlchemy engine on cursors of `connection` (see `engine_options`)."""
    return sqlalchemy.create_engine(_DIALECT_URL, **engine_options(connection))


def require_no_open_transaction(connection: duckdb.DuckDBPyConnection) -> None:
    """Raise RuntimeError when `connection` has a transaction open.

    DuckDB's Python API does not report an open transaction, and `begin()` inside one
    fails, so an empty begin/commit is the probe.
    """
    try:
        connection.begin()
    except duckdb.TransactionException as err:
        raise RuntimeError(
            "Validation reads the warehouse through its own DuckDB cursor, which cannot see "
            "rows of a transaction that is still open on the connection. Commit or roll back "
            "that transaction before validating."
        ) from err
    connection.commit()


# DuckDB catalog type names whose SQLAlchemy class has another name. Every other type
# maps to the class in `sqlalchemy.types` with the same upper-case name.
_TYPE_ALIASES = {
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMP",
    "TIME WITH TIME ZONE": "TIME",
    "HUGEINT": "NUMERIC",
    "UBIGINT": "NUMERIC",
    "UINTEGER": "BIGINT",
    "USMALLINT": "INTEGER",
    "UTINYINT": "SMALLINT",
    "TINYINT": "SMALLINT",
}
_TYPE_PATTERN = re.compile(r"^(?P<name>[A-Z][A-Z ]*?)\s*(?:\((?P<arguments>[0-9, ]+)\))?$")


def sqlalchemy_type(duckdb_type: str) -> sqlalchemy.types.TypeEngine:
    """Return the SQLAlchemy type for a DuckDB catalog type name such as 'DECIMAL(18,2)'.

    Types without a SQLAlchemy class of the same name (lists, structs, maps) become
    NullType, which no `expect_column_values_to_be_of_type` matches.
    """
    match = _TYPE_PATTERN.match(duckdb_type.strip().upper())
    if match is None:
        return sqlalchemy.types.NullType()
    name = _TYPE_ALIASES.get(match["name"], match["name"])
    type_class = getattr(sqlalchemy.types, name, None)
    if not (isinstance(type_class, type) and issubclass(type_class, sqlalchemy.types.TypeEngine)):
        return sqlalchemy.types.NullType()
    if match["arguments"] and issubclass(type_class, sqlalchemy.types.Numeric):
        precision, scale = (int(part) for part in match["arguments"].split(","))
        return type_class(precision, scale)
    if match["name"] == "TIMESTAMP WITH TIME ZONE":
        return sqlalchemy.types.TIMESTAMP(timezone=True)
    return type_class()


def _type_namespace() -> types.ModuleType:
    """Return the object GE 1.24 reads as `dialect_module`: type classes and a dialect class.

    GE looks an expected type name up as an attribute of it (`VARCHAR`, `DECIMAL`). It picks
    the SQL of `expect_column_values_to_match_regex` by `issubclass(dialect_module.dialect,
    sqlalchemy.dialects.postgresql.dialect)`, which duckdb-engine's dialect fails because
    it derives from the psycopg2 dialect, not from SQLAlchemy 2.1's default psycopg one.
    The PostgreSQL form, `column ~ 'pattern'`, is what DuckDB runs as a regular-expression
    search (DuckDB 2.0), so the namespace names the PostgreSQL dialect class.
    """
    namespace = types.ModuleType("salesaudit_duckdb_types")
    for name in dir(sqlalchemy.types):
        value = getattr(sqlalchemy.types, name)
        if name.isupper() and isinstance(value, type):
            setattr(namespace, name, value)
    namespace.dialect = sqlalchemy.dialects.postgresql.dialect
    return namespace


class DuckDBCatalogInspector:
    """The part of SQLAlchemy's Inspector that GE 1.24 uses, read from DuckDB's catalog."""

    def __init__(self, engine: sqlalchemy.Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect

    def get_columns(
        self, table_name: str, schema: str | None = None, **_: Any
    ) -> list[dict[str, Any]]:
        query = sqlalchemy.text(
            "select column_name, data_type, is_nullable from duckdb_columns() "
            "where schema_name = coalesce(:schema, current_schema()) and table_name = :table "
            "order by column_index"
        )
        with self.engine.connect() as connection:
            rows = connection.execute(
                query, {"schema": schema, "table": str(table_name)}
            ).fetchall()
        if not rows:
            raise sqlalchemy.exc.NoSuchTableError(
                f"{schema}.{table_name}" if schema else table_name
            )
        return [
            {
                "name": name,
                "type": sqlalchemy_type(data_type),
                "nullable": nullable,
                "default": None,
            }
            for name, data_type, nullable in rows
        ]

    def get_pk_constraint(self, table_name: str, schema: str | None = None, **_: Any) -> dict:
        # Raw tables have no primary key: duplicate keys are loaded, then superseded.
        return {"constrained_columns": [], "name": None}

    def get_schema_names(self, **_: Any) -> list[str]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                sqlalchemy.text("select distinct schema_name from duckdb_schemas()")
            ).fetchall()
        return [name for (name,) in rows]


class DuckDBExecutionEngine(SqlAlchemyExecutionEngine):
    """GE's SQL execution engine with the two DuckDB fixes of this module's docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dialect_module = _type_namespace()
        self._catalog_inspector = DuckDBCatalogInspector(self.engine)

    @contextmanager
    def get_connection(self) -> Iterator[sqlalchemy.Connection]:
        # Problem 1: one connection for the engine's lifetime, never closed between queries.
        if self._connection is None or self._connection.closed:
            self._connection = self.engine.connect()
        yield self._connection

    def get_inspector(self) -> DuckDBCatalogInspector:  # type: ignore[override]
        return self._catalog_inspector

    def close(self) -> None:
        if self._connection is not None and not self._connection.closed:
            self._connection.close()
        self._connection = None
        self.engine.dispose()


class SharedDuckDBDatasource(SQLDatasource):
    """A GE SQL data source that validates with DuckDBExecutionEngine.

    Create it with `add_shared_duckdb_datasource`, which binds it to a caller's connection.
    """

    type: Literal["salesaudit_duckdb"] = "salesaudit_duckdb"

    @property
    def execution_engine_type(self) -> type[SqlAlchemyExecutionEngine]:
        return DuckDBExecutionEngine


def add_shared_duckdb_datasource(
    context: AbstractDataContext, name: str, connection: duckdb.DuckDBPyConnection
) -> SharedDuckDBDatasource:
    """Add a data source to `context` that reads through cursors of `connection`."""
    return context.data_sources.add_salesaudit_duckdb(
        name=name, connection_string=_DIALECT_URL, kwargs=engine_options(connection)
    )
