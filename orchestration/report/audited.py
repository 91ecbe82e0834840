"""Audited months of a warehouse, and the fiscal quarters they complete.

Every audited month has a team 'all' row in `marts.kpi_team_monthly`, so that mart is
the record of what has been audited. A quarter can be built once its three months are.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import duckdb

from orchestration.periods import AuditCalendar, add_months, months_from


def audited_months_in(database: Path) -> set[date]:
    """Return the months with a team 'all' row in `database`; none when it has no marts."""
    if not database.exists():
        return set()
    with duckdb.connect(str(database), read_only=True) as connection:
        try:
            rows = connection.execute(
                "select distinct month from marts.kpi_team_monthly where team = 'all'"
            ).fetchall()
        except duckdb.CatalogException:
            return set()
    return {month for (month,) in rows}


def quarter_months(quarter_start: date) -> list[date]:
    return months_from(quarter_start, add_months(quarter_start, 3))


def complete_quarters(
    calendar: AuditCalendar, months: Iterable[date], audited: set[date]
) -> list[date]:
    """Return the fiscal quarters that `months` fall in and whose three months are audited."""
    quarters = sorted({calendar.quarter_start(month) for month in months})
    return [
        quarter
        for quarter in quarters
        if all(month in audited for month in quarter_months(quarter))
    ]
