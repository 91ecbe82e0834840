"""Quarter-over-quarter changes of the team KPIs, from `marts.kpi_period_comparison`."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from orchestration.report.team_kpis import format_value

# (KPI in kpi_period_comparison, heading, kind) for the quarter table.
CHANGE_KPIS: tuple[tuple[str, str, str], ...] = (
    ("win_rate", "win rate", "percent"),
    ("won_amount", "won amount", "amount"),
    ("quota_attainment", "quota attainment", "percent"),
    ("pct_reps_meeting_quota", "reps at quota", "percent"),
    ("selling_time_pct", "selling time", "percent"),
    ("calls_made", "calls", "count"),
    ("crm_update_hours", "CRM hours", "hours"),
)
ARROWS = {"up": "▲", "down": "▼", "flat": "="}


@dataclass(frozen=True)
class QuarterChanges:
    quarter: str | None
    previous_quarter: str | None
    # (team, heading, previous, current, change), already formatted.
    rows: tuple[tuple[str, str, str, str, str], ...]


def _change_text(change: float | None, direction: str | None, kind: str) -> str:
    if change is None:
        return "-"
    if kind == "percent":
        amount = f"{change * 100:+.1f} pt"
    elif kind == "amount":
        amount = f"{change:+,.0f}"
    elif kind == "hours":
        amount = f"{change:+,.1f}"
    else:
        amount = f"{change:+,.0f}"
    return f"{ARROWS.get(direction or '', '')} {amount}".strip()


def latest_quarter_changes(connection: duckdb.DuckDBPyConnection) -> QuarterChanges:
    """Read the latest quarter's team rows, team 'all' last."""
    latest = connection.execute(
        "select max(period_start) from marts.kpi_period_comparison "
        "where scope = 'team' and period_type = 'quarter'"
    ).fetchone()[0]
    if latest is None:
        return QuarterChanges(quarter=None, previous_quarter=None, rows=())
    kinds = {kpi: (heading, kind) for kpi, heading, kind in CHANGE_KPIS}

    records = connection.execute(
        "select c.scope_id, c.kpi, c.period_label, p.period_label, c.previous_value, c.value, "
        "c.change, c.direction "
        "from marts.kpi_period_comparison as c "
        "left join (select distinct period_start, period_label from marts.kpi_period_comparison "
        "  where period_type = 'quarter') as p on p.period_start = c.previous_period_start "
        "where c.scope = 'team' and c.period_type = 'quarter' and c.period_start = ? "
        "and c.kpi in (select unnest(?)) "
        "order by c.scope_id = 'all', c.scope_id",
        [latest, list(kinds)],
    ).fetchall()

    order = {kpi: position for position, (kpi, _, _) in enumerate(CHANGE_KPIS)}
    records.sort(key=lambda record: (record[0] == "all", record[0], order[record[1]]))
    rows = []
    for team, kpi, _, _, previous, current, change, direction in records:
        heading, kind = kinds[kpi]
        rows.append(
            (
                team,
                heading,
                format_value(previous, kind),
                format_value(current, kind),
                _change_text(change, direction, kind),
            )
        )

    quarter = records[0][2] if records else None
    previous_quarter = next((record[3] for record in records if record[3]), None)
    return QuarterChanges(quarter=quarter, previous_quarter=previous_quarter, rows=tuple(rows))


def render_changes_text(changes: QuarterChanges) -> str:
    """Render the changes as an aligned plain-text table for the terminal."""
    if changes.quarter is None:
        return "No fiscal quarter has been audited yet: kpi_period_comparison has no quarter rows."
    previous = changes.previous_quarter or "previous quarter"
    headings = ("team", "KPI", previous, changes.quarter, "change")
    widths = [
        max(len(headings[index]), *(len(row[index]) for row in changes.rows))
        for index in range(len(headings))
    ]
    lines = [f"Team KPIs, {changes.quarter} against {previous}"]
    lines.append("  ".join(text.ljust(width) for text, width in zip(headings, widths, strict=True)))
    lines.append("  ".join("-" * width for width in widths))
    for row in changes.rows:
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        cells += [text.rjust(width) for text, width in zip(row[2:], widths[2:], strict=True)]
        lines.append("  ".join(cells))
    return "\n".join(lines)
