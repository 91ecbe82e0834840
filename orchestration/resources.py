"""Dagster resources shared by every domain: the warehouse and the audit settings."""

from __future__ import annotations

import dagster as dg
from pydantic import Field

from orchestration.settings import AuditSettings
from orchestration.warehouse import WarehouseResource

__all__ = ["AuditSettingsResource", "WarehouseResource", "default_resources"]


class AuditSettingsResource(dg.ConfigurableResource):
    """Reporting time zone, currency and fiscal year; empty fields use SALESAUDIT_* variables."""

    reporting_timezone: str = Field(
        default="", description="IANA time zone whose calendar months are the audit periods."
    )
    reporting_currency: str = Field(
        default="", description="ISO 4217 code that amounts are converted to."
    )
    fiscal_year_start_month: int = Field(
        default=0, description="First month of the fiscal year, 1 to 12; 0 uses the environment."
    )

    def resolve(self) -> AuditSettings:
        return AuditSettings.from_env(
            reporting_timezone=self.reporting_timezone or None,
            reporting_currency=self.reporting_currency.upper() or None,
            fiscal_year_start_month=self.fiscal_year_start_month or None,
        )


def default_resources() -> dict[str, dg.ConfigurableResource]:
    return {
        "warehouse": WarehouseResource(),
        "audit_settings": AuditSettingsResource(),
    }
