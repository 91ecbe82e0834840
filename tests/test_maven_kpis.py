"""kpi_performance_monthly on the Maven CRM export equals an independent recomputation.

The expected figures are computed here with the csv module straight from the export.
A deal belongs to the month of its close date. Win rate ignores open deals and is null
without closed deals. Average deal size divides the won amount by the won deals with an
amount above zero. This export has no quotas.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.conftest import MAVEN_DIR

CENT = Decimal("0.01")
MONTHS = [date(2017, month, 1) for month in range(1, 13)]


def _expected_rows() -> dict[tuple[str, date], dict[str, object]]:
    with open(MAVEN_DIR / "data" / "sales_teams.csv", newline="", encoding="utf-8") as handle:
        agents = [row["sales_agent"] for row in csv.DictReader(handle)]
    counts: dict[tuple[str, date], dict[str, object]] = defaultdict(
        lambda: {"won": 0, "lost": 0, "zero": 0, "amount": Decimal(0), "positive": 0}
    )
    with open(MAVEN_DIR / "data" / "sales_pipeline.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["deal_stage"] not in ("Won", "Lost") or not row["close_date"]:
                continue
            closed_on = date.fromisoformat(row["close_date"])
            bucket = counts[(row["sales_agent"], closed_on.replace(day=1))]
            if row["deal_stage"] == "Lost":
                bucket["lost"] += 1
                continue
            bucket["won"] += 1
            amount = Decimal(row["close_value"] or "0")
            if amount > 0:
                bucket["amount"] += amount
                bucket["positive"] += 1
            else:
                bucket["zero"] += 1

    expected = {}
    for agent in agents:
        for month in MONTHS:
            bucket = counts[(agent, month)]
            closed = bucket["won"] + bucket["lost"]
            expected[(agent, month)] = {
                "deals_won": bucket["won"],
                "deals_lost": bucket["lost"],
                "deals_won_zero_amount": bucket["zero"],
                "win_rate": bucket["won"] / closed if closed else None,
                "won_amount": bucket["amount"],
                "avg_deal_size": (
                    bucket["amount"] / bucket["positive"] if bucket["positive"] else None
                ),
            }
    return expected


@pytest.fixture(scope="module")
def performance_rows(maven_audit):
    with maven_audit.connect() as connection:
        records = connection.execute(
            "select rep_id, month, deals_won, deals_lost, deals_won_zero_amount, win_rate, "
            "won_amount, avg_deal_size, quota_amount, quota_attainment, met_quota "
            "from marts.kpi_performance_monthly"
        ).fetchall()
    columns = (
        "deals_won deals_lost deals_won_zero_amount win_rate won_amount avg_deal_size "
        "quota_amount quota_attainment met_quota"
    ).split()
    return {
        (record[0], record[1]): dict(zip(columns, record[2:], strict=True)) for record in records
    }


def test_maven_year_totals(performance_rows):
    assert sum(row["deals_won"] for row in performance_rows.values()) == 4238
    assert sum(row["deals_lost"] for row in performance_rows.values()) == 2473


def test_maven_every_rep_month_present(performance_rows):
    assert set(performance_rows) == set(_expected_rows())


def test_maven_rows_match_recomputation(performance_rows):
    mismatches = []
    for key, expected in _expected_rows().items():
        actual = performance_rows[key]
        for column in ("deals_won", "deals_lost", "deals_won_zero_amount"):
            if actual[column] != expected[column]:
                mismatches.append((key, column, actual[column], expected[column]))
        if actual["won_amount"] is None or Decimal(actual["won_amount"]) != expected["won_amount"]:
            mismatches.append((key, "won_amount", actual["won_amount"], expected["won_amount"]))
        want, got = expected["win_rate"], actual["win_rate"]
        if (want is None) != (got is None) or (want is not None and abs(got - want) > 1e-12):
            mismatches.append((key, "win_rate", got, want))
        # avg_deal_size is decimal(18, 2), rounded half up to the cent.
        want, got = expected["avg_deal_size"], actual["avg_deal_size"]
        if want is not None:
            want = want.quantize(CENT, rounding=ROUND_HALF_UP)
        if want != got:
            mismatches.append((key, "avg_deal_size", got, want))
    assert mismatches == []


def test_maven_quota_columns_empty(performance_rows):
    for column in ("quota_amount", "quota_attainment", "met_quota"):
        assert all(row[column] is None for row in performance_rows.values()), column


def test_maven_activity_marts_empty_with_warning(maven_audit):
    with maven_audit.connect() as connection:
        audit_rows = connection.execute("select count(*) from marts.fct_activity_audit").fetchone()
    warnings = maven_audit.log_messages()
    assert audit_rows[0] == 0
    activity_warnings = [message for message in warnings if "'activities' not mapped" in message]
    assert len(activity_warnings) == 1
    assert "fct_activity_audit" in activity_warnings[0]
    assert any("marts.fct_activity_audit is empty" in message for message in warnings)
