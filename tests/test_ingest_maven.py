"""The Maven CRM export loads through examples/maven_crm/mapping.yml with the expected counts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest

from orchestration.ingest.load import load_dataset
from orchestration.ingest.mapping import plan_sources, read_reporting_defaults
from orchestration.settings import project_dir

MAVEN_DIR = project_dir() / "examples" / "maven_crm"


@pytest.fixture(scope="module")
def maven(tmp_path_factory: pytest.TempPathFactory):
    database = tmp_path_factory.mktemp("maven") / "warehouse.duckdb"
    sources = plan_sources(MAVEN_DIR / "data", MAVEN_DIR / "mapping.yml")
    connection = duckdb.connect(str(database))
    results = {name: load_dataset(connection, source) for name, source in sources.items()}
    yield connection, results
    connection.close()


def scalar(connection: duckdb.DuckDBPyConnection, query: str):
    return connection.execute(query).fetchone()[0]


def test_maven_row_counts(maven):
    _, results = maven
    assert results["deals"].rows_loaded == 8800
    assert results["reps"].rows_loaded == 35
    assert results["accounts"].rows_loaded == 85


def test_maven_won_and_lost(maven):
    connection, _ = maven
    assert scalar(connection, "select count(*) from raw.deals where is_won") == 4238
    lost = "select count(*) from raw.deals where is_closed and not is_won"
    assert scalar(connection, lost) == 2473
    assert scalar(connection, "select count(*) from raw.deals where not is_closed") == 2089


def test_maven_stages_lower_case(maven):
    connection, _ = maven
    stages = connection.execute("select distinct stage from raw.deals order by 1").fetchall()
    assert stages == [("engaging",), ("lost",), ("prospecting",), ("won",)]


def test_maven_empty_close_value_null(maven):
    connection, _ = maven
    assert scalar(connection, "select count(*) from raw.deals where amount is null") == 2089
    open_with_amount = "select count(*) from raw.deals where not is_closed and amount is not null"
    assert scalar(connection, open_with_amount) == 0


def test_maven_deal_columns(maven):
    connection, _ = maven
    row = connection.execute(
        "select owner_rep_id, account_id, amount, currency, created_at, close_date "
        "from raw.deals where deal_id = '1C1I7A6R'"
    ).fetchone()
    # engage_date 2016-10-20 is midnight in America/New_York (UTC-4 in October).
    assert row == (
        "Moses Frase",
        "Cancity",
        Decimal("1054.00"),
        "USD",
        datetime(2016, 10, 20, 4, 0),
        date(2017, 3, 1),
    )


def test_maven_reps_from_agents(maven):
    connection, _ = maven
    row = connection.execute(
        "select rep_id, rep_name, manager_id, team, region from raw.reps "
        "where rep_id = 'Anna Snelling'"
    ).fetchone()
    assert row == (
        "Anna Snelling",
        "Anna Snelling",
        "Dustin Brinkmann",
        "Dustin Brinkmann",
        "Central",
    )


def test_maven_revenue_in_units(maven):
    connection, _ = maven
    revenue = "select annual_revenue from raw.accounts where account_id = 'Acme Corporation'"
    assert scalar(connection, revenue) == Decimal("1100040000.00")


def test_maven_absent_datasets_empty(maven):
    connection, results = maven
    for name in ("activities", "quotas", "email_events"):
        assert results[name].is_missing
        assert scalar(connection, f"select count(*) from raw.{name}") == 0


def test_maven_no_column_warnings(maven):
    _, results = maven
    assert [result.warnings for result in results.values() if not result.is_missing] == [
        (),
        (),
        (),
    ]


def test_maven_reporting_defaults():
    defaults = read_reporting_defaults(MAVEN_DIR / "mapping.yml")
    assert defaults["currency"] == "USD"
    assert defaults["timezone"] == "America/New_York"
