"""The team KPI summary: value formatting and the text and markdown tables."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from orchestration.report.team_kpis import TeamSummary, format_value, render_markdown, render_text


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (None, "percent", "-"),
        (0.2456, "percent", "24.6%"),
        (Decimal("1234567.49"), "amount", "1,234,567"),
        (12.345, "hours", "12.3"),
        (4238, "count", "4,238"),
        ("Seoul SMB", "text", "Seoul SMB"),
    ],
)
def test_format_value(value, kind, expected):
    assert format_value(value, kind) == expected


def _summary() -> TeamSummary:
    return TeamSummary(
        month=date(2025, 12, 1),
        currency="KRW",
        headings=("team", "reps"),
        rows=(("Seoul SMB", "9"), ("all", "56")),
    )


def test_render_text_aligns_columns():
    lines = render_text(_summary()).splitlines()
    assert lines[0] == "Team KPIs for 2025-12 (amounts in KRW)"
    assert lines[1] == "team       reps"
    assert lines[4] == "all          56"


def test_render_markdown_table():
    markdown = render_markdown(_summary())
    assert "| team | reps |" in markdown
    assert "|---|---:|" in markdown
    assert "| all | 56 |" in markdown


def test_render_empty_summary():
    empty = TeamSummary(month=None, currency=None, headings=("team",), rows=())
    assert "empty" in render_text(empty)
    assert "empty" in render_markdown(empty)
