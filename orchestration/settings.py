"""Environment decisions in one place: paths, reporting time zone, currency, fiscal year.

Values are resolved when a function is called, never at import time, so tests and the
CLI can set environment variables before a run. `.env.example` lists every variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PACKAGE_DIR = Path(__file__).resolve().parent


def project_dir() -> Path:
    """Return the repository root: SALESAUDIT_PROJECT_DIR, else the folder above the package."""
    configured = os.environ.get("SALESAUDIT_PROJECT_DIR")
    return Path(configured).resolve() if configured else PACKAGE_DIR.parent


def dbt_project_dir() -> Path:
    return project_dir() / "dbt_project"


def data_dir() -> Path:
    """Return the folder for the warehouse, landing data and run artifacts (SALESAUDIT_DATA_DIR)."""
    configured = os.environ.get("SALESAUDIT_DATA_DIR")
    return Path(configured).resolve() if configured else project_dir() / "data"


def warehouse_path() -> Path:
    """Return the DuckDB warehouse file (SALESAUDIT_WAREHOUSE, default data/warehouse.duckdb)."""
    configured = os.environ.get("SALESAUDIT_WAREHOUSE")
    return Path(configured).resolve() if configured else data_dir() / "warehouse.duckdb"


def landing_dir() -> Path:
    """Return the landing folder the Dagster UI ingests from (SALESAUDIT_LANDING_DIR)."""
    configured = os.environ.get("SALESAUDIT_LANDING_DIR")
    return Path(configured).resolve() if configured else data_dir() / "landing"


# Share of a dataset's rows that may be quarantined before the quality gate blocks the models.
DEFAULT_MAX_QUARANTINE_SHARE = 0.05


def max_quarantine_share() -> float:
    """Return SALESAUDIT_MAX_QUARANTINE_SHARE (0 to 1), default 0.05."""
    configured = os.environ.get("SALESAUDIT_MAX_QUARANTINE_SHARE")
    if configured is None or configured.strip() == "":
        return DEFAULT_MAX_QUARANTINE_SHARE
    try:
        value = float(configured)
    except ValueError as err:
        raise ValueError(
            f"Invalid SALESAUDIT_MAX_QUARANTINE_SHARE {configured!r}: use a number from 0 to 1, "
            "for example 0.05 for 5 %."
        ) from err
    if not 0 <= value <= 1:
        raise ValueError(
            f"Invalid SALESAUDIT_MAX_QUARANTINE_SHARE {configured!r}: use a number from 0 to 1."
        )
    return value


@dataclass(frozen=True)
class AuditSettings:
    """Business settings that decide periods and money. One object feeds Dagster and dbt vars."""

    reporting_timezone: str = "Asia/Seoul"
    reporting_currency: str = "KRW"
    fiscal_year_start_month: int = 1
    # A lead counts as converted when it becomes an opportunity or customer within this window.
    conversion_window_days: int = 90
    # Deals entering this stage count as a proposal sent, once per deal.
    proposal_stage: str = "proposal"

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.reporting_timezone)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(
                f"Invalid reporting time zone {self.reporting_timezone!r}: use an IANA name "
                "such as 'Asia/Seoul' or 'America/New_York'. Set it with --timezone, "
                "reporting.timezone in a mapping file, or SALESAUDIT_REPORTING_TIMEZONE."
            ) from err
        if not (len(self.reporting_currency) == 3 and self.reporting_currency.isalpha()):
            raise ValueError(
                f"Invalid reporting currency {self.reporting_currency!r}: use a three-letter "
                "ISO 4217 code such as 'KRW' or 'USD'. Set it with --currency, "
                "reporting.currency in a mapping file, or SALESAUDIT_REPORTING_CURRENCY."
            )
        if not 1 <= self.fiscal_year_start_month <= 12:
            raise ValueError(
                f"Invalid fiscal year start month {self.fiscal_year_start_month}: use 1 to 12. "
                "Set it with --fiscal-year-start, reporting.fiscal_year_start_month in a "
                "mapping file, or SALESAUDIT_FISCAL_YEAR_START_MONTH."
            )

    @classmethod
    def from_env(cls, **overrides: object) -> AuditSettings:
        """Build settings from SALESAUDIT_* variables; keyword overrides that are not None win."""
        defaults = cls()
        values: dict[str, object] = {
            "reporting_timezone": os.environ.get(
                "SALESAUDIT_REPORTING_TIMEZONE", defaults.reporting_timezone
            ),
            "reporting_currency": os.environ.get(
                "SALESAUDIT_REPORTING_CURRENCY", defaults.reporting_currency
            ).upper(),
            "fiscal_year_start_month": int(
                os.environ.get(
                    "SALESAUDIT_FISCAL_YEAR_START_MONTH", defaults.fiscal_year_start_month
                )
            ),
            "conversion_window_days": int(
                os.environ.get("SALESAUDIT_CONVERSION_WINDOW_DAYS", defaults.conversion_window_days)
            ),
            "proposal_stage": os.environ.get("SALESAUDIT_PROPOSAL_STAGE", defaults.proposal_stage),
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)  # type: ignore[arg-type]
