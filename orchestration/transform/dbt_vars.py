"""The vars every dbt invocation receives, built from one AuditSettings object."""

from __future__ import annotations

import json
import re
from datetime import date

from orchestration.settings import AuditSettings

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str) -> date:
    """Parse 'YYYY-MM' (or 'YYYY-MM-01') into the first day of that month."""
    candidate = text.strip()[:7]
    match = MONTH_PATTERN.match(candidate)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"Invalid month {text!r}: use YYYY-MM, for example 2017-01.")
    return date(int(match.group(1)), int(match.group(2)), 1)


def audit_vars(
    audit_settings: AuditSettings,
    start_month: date | None = None,
    end_month: date | None = None,
) -> dict[str, object]:
    """Return dbt vars for an audit from `start_month` to `end_month`, both inclusive.

    A missing bound is passed as '' and dbt derives it from the data.
    """
    if start_month and end_month and start_month > end_month:
        raise ValueError(
            f"The audit range starts after it ends: {start_month:%Y-%m} > {end_month:%Y-%m}."
        )
    return {
        "reporting_timezone": audit_settings.reporting_timezone,
        "reporting_currency": audit_settings.reporting_currency,
        "fiscal_year_start_month": audit_settings.fiscal_year_start_month,
        "conversion_window_days": audit_settings.conversion_window_days,
        "proposal_stage": audit_settings.proposal_stage,
        "audit_start_month": start_month.isoformat() if start_month else "",
        "audit_end_month": end_month.isoformat() if end_month else "",
    }


def vars_argument(dbt_vars: dict[str, object]) -> str:
    return json.dumps(dbt_vars, sort_keys=True)
