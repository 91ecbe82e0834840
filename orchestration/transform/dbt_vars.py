"""The vars every dbt invocation receives, built from one AuditSettings object."""

from __future__ import annotations

import json
import re
from datetime import date

from orchestration.settings import AuditSettings

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
WINDOW_START_VARIABLE = "SALESAUDIT_AUDIT_PERIOD_START"
WINDOW_END_VARIABLE = "SALESAUDIT_AUDIT_PERIOD_END"


def parse_month(text: str) -> date:
    """Parse 'YYYY-MM' (or 'YYYY-MM-01') into the first day of that month."""
    candidate = text.strip()[:7]
    match = MONTH_PATTERN.match(candidate)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"Invalid month {text!r}: use YYYY-MM, for example 2017-01.")
    return date(int(match.group(1)), int(match.group(2)), 1)


def audit_vars(audit_settings: AuditSettings) -> dict[str, object]:
    """Return the dbt vars that carry the business settings; they change only with them."""
    return {
        "reporting_timezone": audit_settings.reporting_timezone,
        "reporting_currency": audit_settings.reporting_currency,
        "fiscal_year_start_month": audit_settings.fiscal_year_start_month,
        "conversion_window_days": audit_settings.conversion_window_days,
        "proposal_stage": audit_settings.proposal_stage,
    }


def window_environment(
    period_start: date | None = None, period_end: date | None = None
) -> dict[str, str]:
    """Return the environment that gives dbt the window `period_start` <= month < `period_end`.

    Both bounds are first days of months in the reporting time zone. The end is excluded,
    so a row at 00:00 on the first day of the next month belongs to the next month. A
    missing bound is passed as '' and dbt derives it from the data. The window travels in
    the environment rather than in --vars because changed vars make dbt parse the whole
    project again (macros/audit_window.sql).
    """
    if period_start and period_end and period_start >= period_end:
        raise ValueError(
            f"The audit window is empty: it starts at {period_start:%Y-%m} and ends before "
            f"{period_end:%Y-%m}. Give an end month after the start month."
        )
    return {
        WINDOW_START_VARIABLE: period_start.isoformat() if period_start else "",
        WINDOW_END_VARIABLE: period_end.isoformat() if period_end else "",
    }


def vars_argument(dbt_vars: dict[str, object]) -> str:
    return json.dumps(dbt_vars, sort_keys=True)
