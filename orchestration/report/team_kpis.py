"""The team KPI summary: the latest month of `marts.kpi_team_monthly`, as text or markdown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb

# (column in kpi_team_monthly, heading, kind). Kinds decide the formatting only.
SUMMARY_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("team", "team", "text"),
    ("rep_count", "reps", "count"),
    ("deals_won", "won", "count"),
    ("deals_lost", "lost", "count"),
    ("win_rate", "win rate", "percent"),
    ("won_amount", "won amount", "amount"),
    ("avg_deal_size", "avg deal", "amount"),
    ("pct_reps_meeting_quota", "reps at quota", "percent"),
    ("selling_time_pct", "selling time", "percent"),
    ("calls_made", "calls", "count"),
    ("proposals_sent", "proposals", "count"),
    ("crm_update_hours", "CRM hours", "hours"),
)


@dataclass(frozen=True)
class TeamSummary:
    month: date | None
    currency: str | None
    headings: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def format_value(value: object, kind: str) -> str:
    """Format one KPI value for people: '-' for null, percentages with one decimal."""
    if value is None:
        return "-"
    if kind == "percent":
        return f"{float(value) * 100:.1f}%"
    if kind == "amount":
        return f"{Decimal(str(value)):,.0f}"
    if kind == "hours":
        return f"{float(value):,.1f}"
    if kind == "count":
        return f"{int(value):,}"
    return str(value)


def latest_team_summary(
    connection: duckdb.DuckDBPyConnection, up_to: date | None = None
) -> TeamSummary:
    """Read the rows of the latest month (up to `up_to`) of kpi_team_monthly, team 'all' last.

    A run that re-audits an earlier month passes that month, so its summary shows the month
    it audited rather than the newest month in the warehouse.
    """
    latest = connection.execute(
        "select max(month) from marts.kpi_team_monthly where ? is null or month <= ?",
        [up_to, up_to],
    ).fetchone()[0]
    headings = tuple(heading for _, heading, _ in SUMMARY_COLUMNS)
    if latest is None:
        return TeamSummary(month=None, currency=None, headings=headings, rows=())
    column_list = ", ".join(column for column, _, _ in SUMMARY_COLUMNS)
    records = connection.execute(
        f"select {column_list}, reporting_currency from marts.kpi_team_monthly "
        "where month = ? order by team = 'all', team",
        [latest],
    ).fetchall()
    rows = tuple(
        tuple(
            format_value(value, kind)
            for value, (_, _, kind) in zip(record[:-1], SUMMARY_COLUMNS, strict=True)
        )
        for record in records
    )
    currency = records[0][-1] if records else None
    return TeamSummary(month=latest, currency=currency, headings=headings, rows=rows)


def render_text(summary: TeamSummary) -> str:
    """Render the summary as an aligned plain-text table for a terminal."""
    if summary.month is None:
        return "marts.kpi_team_monthly is empty: no month had data to audit."
    widths = [
        max(len(heading), *(len(row[index]) for row in summary.rows))
        for index, heading in enumerate(summary.headings)
    ]

    def line(cells: tuple[str, ...]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest])

    title = f"Team KPIs for {summary.month:%Y-%m} (amounts in {summary.currency})"
    separator = "  ".join("-" * width for width in widths)
    return "\n".join(
        [title, line(summary.headings), separator, *(line(row) for row in summary.rows)]
    )


def render_markdown(summary: TeamSummary) -> str:
    """Render the summary as a markdown table for Dagster asset metadata."""
    if summary.month is None:
        return "_kpi_team_monthly is empty._"
    header = "| " + " | ".join(summary.headings) + " |"
    rule = "|" + "|".join(["---"] + ["---:"] * (len(summary.headings) - 1)) + "|"
    body = ["| " + " | ".join(row) + " |" for row in summary.rows]
    title = f"**{summary.month:%Y-%m}**, amounts in {summary.currency}"
    return "\n".join([title, "", header, rule, *body])
