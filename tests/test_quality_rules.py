"""Suites in expectations/ and the row rules derived from them, run on real DuckDB files.

`BASE_ROWS` contains one valid row per dataset, and `BAD_ROWS` one change per row rule that
breaks that rule and no other. tests/test_quality_validate.py reuses both.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.datasets import DATASETS, RAW_LINEAGE_COLUMNS, dataset, raw_table_ddl
from orchestration.quality.build_suites import SQL_TYPE_NAMES, suite_json
from orchestration.quality.rules import (
    RowRule,
    failing_condition_sql,
    row_rules,
    runnable_row_rules,
    sql_literal,
)
from orchestration.quality.suites import (
    KEY_LEVEL,
    ROW_LEVEL,
    TABLE_LEVEL,
    expectations_dir,
    load_suite,
    read_suite_json,
    suite_path,
)

SOURCE_FILE = "landing.csv"

BASE_ROWS: dict[str, dict[str, object]] = {
    "reps": {"rep_id": "r1", "rep_name": "Kim Minji", "hired_on": "2023-01-02"},
    "quotas": {"rep_id": "r1", "month": "2024-01-01", "quota_amount": "1000", "currency": "KRW"},
    "accounts": {"account_id": "acc1", "employees": "10", "annual_revenue": "100"},
    "contacts": {"contact_id": "c1", "budget": "10"},
    "deals": {
        "deal_id": "d1",
        "account_id": "acc1",
        "contact_id": "c1",
        "owner_rep_id": "r1",
        "stage": "won",
        "is_closed": True,
        "is_won": True,
        "amount": "10",
        "currency": "USD",
        "closed_at": "2024-01-05 10:00",
    },
    "deal_stage_history": {"deal_id": "d1", "stage": "won", "entered_at": "2024-01-05 10:00"},
    "activities": {
        "activity_id": "a1",
        "rep_id": "r1",
        "activity_type": "call",
        "started_at": "2024-01-01 09:00",
        "duration_minutes": "30",
        "contact_id": "c1",
        "deal_id": "d1",
    },
    "time_entries": {
        "rep_id": "r1",
        "period_start": "2024-01-01",
        "period_end": "2024-01-31",
        "activity_type": "call",
        "hours": "10",
        "source": "monthly_survey",
    },
    "email_events": {
        "event_id": "e1",
        "event_type": "open",
        "occurred_at": "2024-01-01 09:00",
        "contact_id": "c1",
    },
    "web_events": {
        "event_id": "w1",
        "event_type": "page_view",
        "occurred_at": "2024-01-01 09:00",
        "contact_id": "c1",
    },
    "form_submissions": {
        "submission_id": "s1",
        "form_id": "f1",
        "submitted_at": "2024-01-01 09:00",
    },
    "campaigns": {
        "campaign_id": "m1",
        "cost": "10",
        "currency": "USD",
        "started_on": "2024-01-01",
        "ended_on": "2024-01-31",
    },
    "fx_rates": {
        "currency": "USD",
        "rate_date": "2024-01-01",
        "rate_to_reporting_currency": "1300",
    },
}

# The key column that makes each added row's key unique, and its value for row n.
UNIQUE_KEY = {
    "reps": ("rep_id", lambda n: f"r{n}"),
    "quotas": ("month", lambda n: f"2024-{n:02d}-01"),
    "accounts": ("account_id", lambda n: f"acc{n}"),
    "contacts": ("contact_id", lambda n: f"c{n}"),
    "deals": ("deal_id", lambda n: f"d{n}"),
    "deal_stage_history": ("stage", lambda n: f"stage{n}"),
    "activities": ("activity_id", lambda n: f"a{n}"),
    "time_entries": ("source", lambda n: f"source{n}"),
    "email_events": ("event_id", lambda n: f"e{n}"),
    "web_events": ("event_id", lambda n: f"w{n}"),
    "form_submissions": ("submission_id", lambda n: f"s{n}"),
    "campaigns": ("campaign_id", lambda n: f"m{n}"),
    "fx_rates": ("rate_date", lambda n: f"2024-01-{n:02d}"),
}

FAR_FUTURE = "2999-01-01 00:00"


def required_null(column: str) -> dict[str, object]:
    return {column: None}


# One change to the base row per row rule, breaking that rule only.
BAD_ROWS: dict[str, dict[str, object]] = {
    **{
        f"{ds.name}.{column}.not_null": required_null(column)
        for ds in DATASETS
        for column in ds.required_columns
    },
    "activities.activity_type.accepted_values": {"activity_type": "Call"},
    "time_entries.activity_type.accepted_values": {"activity_type": "lunch"},
    "email_events.event_type.accepted_values": {"event_type": "opened"},
    "web_events.event_type.accepted_values": {"event_type": "pageview"},
    "activities.duration_minutes.between": {"duration_minutes": "1441"},
    "deals.amount.not_negative": {"amount": "-0.01"},
    "quotas.quota_amount.positive": {"quota_amount": "0"},
    "accounts.employees.not_negative": {"employees": "-1"},
    "accounts.annual_revenue.not_negative": {"annual_revenue": "-5"},
    "contacts.budget.not_negative": {"budget": "-5"},
    "campaigns.cost.not_negative": {"cost": "-5"},
    "fx_rates.rate_to_reporting_currency.positive": {"rate_to_reporting_currency": "0"},
    "quotas.currency.currency_code": {"currency": "krw"},
    "deals.currency.currency_code": {"currency": "US"},
    "campaigns.currency.currency_code": {"currency": "USDX"},
    "fx_rates.currency.currency_code": {"currency": "U$D"},
    "deals.is_won.requires_closed": {"is_closed": False},
    "deals.closed_at.not_future": {"closed_at": FAR_FUTURE},
    "reps.left_on.not_before_hired_on": {"hired_on": "2024-02-01", "left_on": "2024-01-31"},
    "campaigns.ended_on.not_before_started_on": {"ended_on": "2023-12-31"},
    "time_entries.period_end.not_before_period_start": {"period_end": "2023-12-31"},
    "time_entries.hours.within_period": {"hours": "744.01"},
    "activities.rep_id.references_reps": {"rep_id": "ghost"},
    "activities.contact_id.references_contacts": {"contact_id": "c404"},
    "activities.deal_id.references_deals": {"deal_id": "d404"},
    "deals.owner_rep_id.references_reps": {"owner_rep_id": "ghost"},
    "deals.account_id.references_accounts": {"account_id": "acc404"},
    "deals.contact_id.references_contacts": {"contact_id": "c404"},
    "quotas.rep_id.references_reps": {"rep_id": "ghost"},
    "time_entries.rep_id.references_reps": {"rep_id": "ghost"},
    "email_events.contact_id.references_contacts": {"contact_id": "c404"},
    "web_events.contact_id.references_contacts": {"contact_id": "c404"},
    "deal_stage_history.deal_id.references_deals": {"deal_id": "d404"},
}
for _ds in DATASETS:
    for _column in _ds.columns:
        if _column.type == "timestamp" and (_ds.name, _column.name) != ("deals", "closed_at"):
            BAD_ROWS[f"{_ds.name}.{_column.name}.not_future"] = {_column.name: FAR_FUTURE}


def in_twelve_hours() -> str:
    return (datetime.now(UTC) + timedelta(hours=12)).strftime("%Y-%m-%d %H:%M:%S")


# Rows at the edge of a rule that must pass it: (rule, change to the base row).
GOOD_EDGES = [
    ("activities.duration_minutes.between", {"duration_minutes": "1440"}),
    ("activities.duration_minutes.between", {"duration_minutes": "0"}),
    ("deals.amount.not_negative", {"amount": "0"}),
    ("quotas.quota_amount.positive", {"quota_amount": "0.01"}),
    ("deals.currency.currency_code", {"currency": "KRW"}),
    ("activities.started_at.not_future", {"started_at": in_twelve_hours}),
    ("deals.closed_at.not_future", {"is_closed": False, "is_won": False, "closed_at": FAR_FUTURE}),
    ("deals.is_won.requires_closed", {"is_closed": True, "is_won": False}),
    ("reps.left_on.not_before_hired_on", {"hired_on": "2024-02-01", "left_on": "2024-02-01"}),
    ("time_entries.hours.within_period", {"hours": "744"}),
    ("activities.contact_id.references_contacts", {"contact_id": None}),
    ("activities.deal_id.references_deals", {"deal_id": None}),
    ("deals.account_id.references_accounts", {"account_id": None}),
    ("email_events.contact_id.references_contacts", {"contact_id": None}),
    ("activities.activity_type.accepted_values", {"activity_type": "social_touch"}),
]


def insert_rows(connection: duckdb.DuckDBPyConnection, name: str, rows: list[dict]) -> None:
    """Append rows to raw.<name>, numbering them after the rows already there."""
    ds = dataset(name)
    first = connection.execute(f'select count(*) from raw."{name}"').fetchone()[0] + 1
    placeholders = ", ".join("?" for _ in (*ds.columns, *RAW_LINEAGE_COLUMNS))
    for number, row in enumerate(rows, start=first):
        values = [row.get(column.name) for column in ds.columns] + [SOURCE_FILE, number]
        connection.execute(f'insert into raw."{name}" values ({placeholders})', values)


def resolve(changes: dict[str, object]) -> dict[str, object]:
    return {name: value() if callable(value) else value for name, value in changes.items()}


def varied_row(name: str, number: int, changes: dict[str, object]) -> dict[str, object]:
    """Return the base row with a unique key for record `number`, then the changes."""
    column, value = UNIQUE_KEY[name]
    return {**BASE_ROWS[name], column: value(number), **resolve(changes)}


def create_world(database: Path) -> duckdb.DuckDBPyConnection:
    """Create every raw table with its base row as record 1."""
    connection = duckdb.connect(str(database))
    connection.execute("create schema raw")
    for ds in DATASETS:
        connection.execute(raw_table_ddl(ds))
        insert_rows(connection, ds.name, [BASE_ROWS[ds.name]])
    return connection


def failing_records(connection: duckdb.DuckDBPyConnection, rule: RowRule) -> list[int]:
    rows = connection.execute(f"{rule.failing_rows_sql} order by _record_number").fetchall()
    return [record for _, record in rows]


def rule_named(name: str) -> RowRule:
    dataset_name = name.split(".")[0]
    return next(rule for rule in row_rules(dataset_name) if rule.name == name)


@pytest.fixture(scope="module")
def world_file(tmp_path_factory: pytest.TempPathFactory):
    connection = create_world(tmp_path_factory.mktemp("world") / "warehouse.duckdb")
    yield connection
    connection.close()


@pytest.fixture
def world(world_file: duckdb.DuckDBPyConnection):
    # Each test's changes are rolled back, so every test starts from the base rows.
    world_file.begin()
    yield world_file
    world_file.rollback()


ALL_ROW_RULES = [rule for ds in DATASETS for rule in row_rules(ds.name)]


@pytest.mark.parametrize("ds", DATASETS, ids=lambda ds: ds.name)
def test_committed_suite_current(ds):
    assert suite_path(ds.name).read_text(encoding="utf-8") == suite_json(ds)


def test_suite_files_one_per_dataset():
    names = sorted(path.stem for path in expectations_dir().glob("*.json"))
    assert names == sorted(ds.name for ds in DATASETS)


@pytest.mark.parametrize("ds", DATASETS, ids=lambda ds: ds.name)
def test_suite_named_after_dataset(ds):
    assert load_suite(ds.name).name == ds.name


@pytest.mark.parametrize("ds", DATASETS, ids=lambda ds: ds.name)
def test_suite_rules_unique_and_prefixed(ds):
    rules = [e["meta"]["rule"] for e in read_suite_json(ds.name)["expectations"]]
    assert len(rules) == len(set(rules))
    assert all(rule.startswith(f"{ds.name}.") for rule in rules)


@pytest.mark.parametrize("ds", DATASETS, ids=lambda ds: ds.name)
def test_suite_reasons_are_sentences(ds):
    for expectation in read_suite_json(ds.name)["expectations"]:
        assert expectation["meta"]["reason"].endswith("."), expectation["meta"]["rule"]


@pytest.mark.parametrize("ds", DATASETS, ids=lambda ds: ds.name)
def test_suite_columns_match_contract(ds):
    expectations = read_suite_json(ds.name)["expectations"]
    column_set = next(
        e["kwargs"]["column_set"]
        for e in expectations
        if e["type"] == "expect_table_columns_to_match_set"
    )
    assert column_set == [*ds.column_names, "_source_file", "_record_number"]


@pytest.mark.parametrize("ds", DATASETS, ids=lambda ds: ds.name)
def test_suite_types_match_contract(ds):
    types = {
        e["kwargs"]["column"]: e["kwargs"]["type_"]
        for e in read_suite_json(ds.name)["expectations"]
        if e["type"] == "expect_column_values_to_be_of_type"
    }
    assert types == {column.name: SQL_TYPE_NAMES[column.type] for column in ds.columns}


@pytest.mark.parametrize("ds", DATASETS, ids=lambda ds: ds.name)
def test_suite_key_check_not_a_row_rule(ds):
    levels = {
        e["meta"]["rule"]: e["meta"]["level"] for e in read_suite_json(ds.name)["expectations"]
    }
    assert levels[f"{ds.name}.key.unique"] == KEY_LEVEL
    assert f"{ds.name}.key.unique" not in {rule.name for rule in row_rules(ds.name)}


def test_row_rules_only_row_level():
    levels = {
        e["meta"]["rule"]: e["meta"]["level"]
        for ds in DATASETS
        for e in read_suite_json(ds.name)["expectations"]
    }
    assert {levels[rule.name] for rule in ALL_ROW_RULES} == {ROW_LEVEL}
    assert TABLE_LEVEL in levels.values()


def test_every_row_rule_has_bad_row():
    assert sorted(rule.name for rule in ALL_ROW_RULES) == sorted(BAD_ROWS)


def test_row_rules_in_suite_order():
    names = [rule.name for rule in row_rules("activities")]
    assert names[:4] == [
        "activities.activity_id.not_null",
        "activities.rep_id.not_null",
        "activities.activity_type.not_null",
        "activities.started_at.not_null",
    ]


def test_reference_rule_names_dataset():
    assert rule_named("activities.rep_id.references_reps").referenced_dataset == "reps"


def test_base_rows_pass_every_rule(world):
    failures = {rule.name: failing_records(world, rule) for rule in ALL_ROW_RULES}
    assert {name: records for name, records in failures.items() if records} == {}


@pytest.mark.parametrize("rule", ALL_ROW_RULES, ids=lambda rule: rule.name)
def test_rule_catches_bad_row(world, rule):
    name = rule.name.split(".")[0]
    insert_rows(world, name, [varied_row(name, 2, BAD_ROWS[rule.name])])
    assert failing_records(world, rule) == [2]


@pytest.mark.parametrize(
    ("rule_name", "changes"),
    GOOD_EDGES,
    ids=[f"{name}-{i}" for i, (name, _) in enumerate(GOOD_EDGES)],
)
def test_rule_passes_edge_row(world, rule_name, changes):
    name = rule_name.split(".")[0]
    insert_rows(world, name, [varied_row(name, 2, changes)])
    assert failing_records(world, rule_named(rule_name)) == []


def test_reference_into_empty_dataset_passes(world):
    world.execute("delete from raw.contacts")
    insert_rows(world, "email_events", [varied_row("email_events", 2, {"contact_id": "c404"})])
    assert failing_records(world, rule_named("email_events.contact_id.references_contacts")) == []


def test_reference_into_empty_reps_fails(world):
    world.execute("delete from raw.reps")
    assert failing_records(world, rule_named("activities.rep_id.references_reps")) == [1]


def test_runnable_rules_skip_missing_reference(world):
    world.execute("drop table raw.contacts")
    names = {rule.name for rule in runnable_row_rules(world, "email_events")}
    assert "email_events.contact_id.references_contacts" not in names
    assert "email_events.event_type.accepted_values" in names


def test_rule_quotes_values():
    condition = failing_condition_sql(
        "expect_column_values_to_be_in_set", {"column": "stage", "value_set": ["it's"]}
    )
    assert condition == "\"stage\" is not null and \"stage\" not in ('it''s')"


def test_rule_strict_bounds():
    condition = failing_condition_sql(
        "expect_column_values_to_be_between",
        {"column": "x", "min_value": 0, "max_value": 1, "strict_min": True, "strict_max": True},
    )
    assert condition == '"x" is not null and ("x" <= 0 or "x" >= 1)'


def test_rule_unknown_type_rejected():
    with pytest.raises(ValueError, match="No row rule translation"):
        failing_condition_sql("expect_column_values_to_be_increasing", {"column": "x"})


def test_rule_with_mostly_rejected(tmp_path, monkeypatch):
    suite = read_suite_json("fx_rates")
    for expectation in suite["expectations"]:
        if expectation["meta"]["level"] == ROW_LEVEL:
            expectation["kwargs"]["mostly"] = 0.9
    (tmp_path / "expectations").mkdir()
    (tmp_path / "expectations" / "fx_rates.json").write_text(json.dumps(suite))
    monkeypatch.setenv("SALESAUDIT_PROJECT_DIR", str(tmp_path))
    with pytest.raises(ValueError, match="mostly"):
        row_rules("fx_rates")


def test_sql_literal_rejects_object():
    with pytest.raises(ValueError, match="No SQL literal"):
        sql_literal(object())


def test_suite_missing_file_named(tmp_path, monkeypatch):
    monkeypatch.setenv("SALESAUDIT_PROJECT_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="build_suites"):
        read_suite_json("reps")


def test_suite_unknown_dataset():
    with pytest.raises(KeyError, match="Unknown dataset"):
        read_suite_json("orders")
