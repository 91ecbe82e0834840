"""Audit periods in the business's terms: calendar months and fiscal quarters in one zone.

One `AuditCalendar` builds the Dagster partitions, the schedules' times and the dbt vars
of a run, so the partition a run belongs to and the months dbt rebuilds cannot disagree.
Partition keys are the period's first month, `YYYY-MM`: `2025-04` is April 2025 as a
month partition and, with an April fiscal year, FY2026-Q1 as a quarter partition.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date

import dagster as dg

from orchestration.settings import AuditSettings

PARTITION_KEY_FORMAT = "%Y-%m"
MONTH_KEY = re.compile(r"\d{4}-\d{2}")
DEFAULT_FIRST_AUDIT_MONTH = "2015-01"
DEFAULT_AUDIT_DAY = 3
DEFAULT_AUDIT_HOUR = 6


def month_start(text: str) -> date:
    """Parse 'YYYY-MM' into the first day of that month; raise ValueError naming the fix."""
    candidate = text.strip()[:7]
    if not MONTH_KEY.fullmatch(candidate) or not 1 <= int(candidate[5:]) <= 12:
        raise ValueError(f"Invalid month {text!r}: use YYYY-MM, for example 2025-01.")
    return date(int(candidate[:4]), int(candidate[5:]), 1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_from(first: date, end: date) -> list[date]:
    """List the first days of the months from `first` up to `end`, `end` excluded."""
    months = []
    month = first
    while month < end:
        months.append(month)
        month = add_months(month, 1)
    return months


def _int_env(name: str, default: int, low: int, high: int) -> int:
    configured = os.environ.get(name, "").strip()
    if not configured:
        return default
    try:
        value = int(configured)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ValueError(f"Invalid {name} {configured!r}: use a whole number from {low} to {high}.")
    return value


@dataclass(frozen=True)
class AuditCalendar:
    """The reporting zone and fiscal year from `settings`, plus when scheduled audits run.

    `first_month` is the first month partition. `audit_day` and `audit_hour` are the day of
    the month and the hour, in the reporting zone, at which the previous month is audited.
    A few days after month end leave time for late data.
    """

    settings: AuditSettings = field(default_factory=AuditSettings)
    first_month: date = field(default_factory=lambda: month_start(DEFAULT_FIRST_AUDIT_MONTH))
    audit_day: int = DEFAULT_AUDIT_DAY
    audit_hour: int = DEFAULT_AUDIT_HOUR

    def __post_init__(self) -> None:
        if not 1 <= self.audit_day <= 28:
            raise ValueError(
                f"Invalid audit day {self.audit_day}: use 1 to 28, so that every month has it."
            )
        if not 0 <= self.audit_hour <= 23:
            raise ValueError(f"Invalid audit hour {self.audit_hour}: use 0 to 23.")

    @classmethod
    def from_env(cls, settings: AuditSettings | None = None) -> AuditCalendar:
        """Read SALESAUDIT_FIRST_AUDIT_MONTH, SALESAUDIT_AUDIT_DAY and SALESAUDIT_AUDIT_HOUR."""
        first = os.environ.get("SALESAUDIT_FIRST_AUDIT_MONTH", "").strip()
        try:
            first_month = month_start(first or DEFAULT_FIRST_AUDIT_MONTH)
        except ValueError as err:
            raise ValueError(f"SALESAUDIT_FIRST_AUDIT_MONTH: {err}") from err
        return cls(
            settings=settings or AuditSettings.from_env(),
            first_month=first_month,
            audit_day=_int_env("SALESAUDIT_AUDIT_DAY", DEFAULT_AUDIT_DAY, 1, 28),
            audit_hour=_int_env("SALESAUDIT_AUDIT_HOUR", DEFAULT_AUDIT_HOUR, 0, 23),
        )

    @property
    def timezone(self) -> str:
        return self.settings.reporting_timezone

    @property
    def quarter_start_months(self) -> tuple[int, ...]:
        """Calendar months (1-12) that begin a fiscal quarter, in calendar order."""
        start = self.settings.fiscal_year_start_month
        return tuple(sorted((start - 1 + 3 * step) % 12 + 1 for step in range(4)))

    def quarter_start(self, month: date) -> date:
        """Return the first month of the fiscal quarter that contains `month`."""
        offset = (month.month - self.settings.fiscal_year_start_month) % 3
        return add_months(date(month.year, month.month, 1), -offset)

    def quarter_label(self, quarter_start: date) -> str:
        """Name a fiscal quarter like the marts do: FY2025-Q1, the year being the one it ends in."""
        start_month = self.settings.fiscal_year_start_month
        index = (quarter_start.month - start_month) % 12
        fiscal_year = quarter_start.year + (
            1 if start_month != 1 and quarter_start.month >= start_month else 0
        )
        return f"FY{fiscal_year}-Q{index // 3 + 1}"

    def monthly_partitions(self) -> dg.TimeWindowPartitionsDefinition:
        """Calendar months in the reporting zone, up to the last complete month."""
        return dg.MonthlyPartitionsDefinition(
            start_date=self.first_month.strftime(PARTITION_KEY_FORMAT),
            fmt=PARTITION_KEY_FORMAT,
            timezone=self.timezone,
            end_offset=0,
        )

    def quarterly_partitions(self) -> dg.TimeWindowPartitionsDefinition:
        """Fiscal quarters in the reporting zone, up to the last complete quarter."""
        months = ",".join(str(month) for month in self.quarter_start_months)
        return dg.TimeWindowPartitionsDefinition(
            start=self.quarter_start(self.first_month).strftime(PARTITION_KEY_FORMAT),
            fmt=PARTITION_KEY_FORMAT,
            cron_schedule=f"0 0 1 {months} *",
            timezone=self.timezone,
            end_offset=0,
        )

    def monthly_audit_cron(self) -> str:
        return f"0 {self.audit_hour} {self.audit_day} * *"

    def quarterly_reaudit_cron(self) -> str:
        months = ",".join(str(month) for month in self.quarter_start_months)
        return f"0 {self.audit_hour} {self.audit_day} {months} *"


def window_months(window: dg.TimeWindow) -> tuple[date, date]:
    """Return a partition window as (first month, first month after it): half-open bounds."""
    return (
        date(window.start.year, window.start.month, 1),
        date(window.end.year, window.end.month, 1),
    )
