"""Generate every landing dataset of a deterministic sample company.

The same seed, scale, start month and month count give byte-identical files: all
randomness comes from one seeded numpy generator, split into one stream per concept, and
nothing reads the clock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.ingest.datasets import DATASETS
from orchestration.ingest.sample import activity, company, crm, deals, engagement, fx, web
from orchestration.ingest.sample.period import REPORTING_CURRENCY, REPORTING_TIMEZONE, Period
from orchestration.ingest.sample.writer import ColumnFormat, CsvWriter, UtcTimestamp

logger = logging.getLogger(__name__)

# One random stream per concept. Appending a name keeps the existing streams unchanged.
STREAMS = (
    "company",
    "accounts",
    "contacts",
    "deals",
    "settle_contacts",
    "quotas",
    "activities",
    "time_entries",
    "campaigns",
    "email_events",
    "form_submissions",
    "web_events",
    "fx_rates",
    "contacts_frame",
)


@dataclass(frozen=True)
class GenerationSummary:
    out_dir: Path
    seed: int
    scale: float
    first_month: date
    last_month: date
    row_counts: dict[str, int] = field(default_factory=dict)
    reporting_timezone: str = REPORTING_TIMEZONE
    reporting_currency: str = REPORTING_CURRENCY


def random_streams(seed: int) -> dict[str, np.random.Generator]:
    root = np.random.default_rng(seed)
    return dict(zip(STREAMS, root.spawn(len(STREAMS)), strict=True))


TableSource = tuple[Callable[[], Iterable[pd.DataFrame]], Mapping[str, ColumnFormat]]


def generate_company(
    out_dir: Path,
    seed: int = 7,
    scale: float = 1.0,
    start_month: str = "2025-01",
    months: int = 12,
    progress: Callable[[str], None] | None = None,
) -> GenerationSummary:
    """Write `<out_dir>/<dataset>.csv` for every landing dataset and return what was written.

    `scale` 1 is a company of 60 reps with about 250,000 activities and 500,000 e-mail
    events. Sizes grow linearly with it, with a floor of 8 reps in 2 teams. Existing files
    of the same names are replaced. `progress` receives one line per dataset.
    """
    if not scale > 0:
        raise ValueError(f"Invalid scale {scale}: use a positive number such as 0.1, 1 or 20.")
    period = Period.parse(start_month, months)
    out_dir = Path(out_dir)
    tables = _table_sources(random_streams(seed), period, scale)
    missing = [dataset.name for dataset in DATASETS if dataset.name not in tables]
    if missing:
        raise RuntimeError(f"The sample generator has no table for datasets {missing}.")

    row_counts: dict[str, int] = {}
    with CsvWriter(out_dir) as writer:
        for dataset in DATASETS:
            chunks, formats = tables[dataset.name]
            rows = writer.write(dataset, chunks(), {**_UPDATED_AT, **formats})
            row_counts[dataset.name] = rows
            line = f"{dataset.name}: {rows:,} rows"
            logger.info("Sample company %s", line)
            if progress is not None:
                progress(line)

    return GenerationSummary(
        out_dir=out_dir,
        seed=seed,
        scale=scale,
        first_month=period.first_month,
        last_month=period.last_month,
        row_counts=row_counts,
    )


# Timestamps of when the source last changed a row; datasets without one leave it empty.
_UPDATED_AT: dict[str, ColumnFormat] = {"updated_at": UtcTimestamp()}


def _table_sources(
    streams: dict[str, np.random.Generator], period: Period, scale: float
) -> dict[str, TableSource]:
    """Build the company and return, per dataset, a chunk factory and its column formats.

    Small tables are built here; the large ones (activities, e-mail and web events) are
    generated lazily, chunk by chunk, while the writer consumes them.
    """
    sales = company.build_company(streams["company"], period, scale)
    accounts = crm.build_accounts(streams["accounts"], sales, scale)
    contacts = crm.build_contacts(streams["contacts"], sales, accounts, scale)
    pipeline = deals.build_deals(streams["deals"], sales, accounts, contacts, scale)
    crm.settle_contacts(
        streams["settle_contacts"],
        contacts,
        pipeline.contact,
        pipeline.created_at,
        pipeline.is_closed,
        pipeline.is_won,
    )
    campaigns = engagement.build_campaigns(streams["campaigns"], period)
    forms = web.build_form_submissions(
        streams["form_submissions"], period, scale, accounts, contacts
    )
    won_per_rep_month = deals.monthly_won_krw_by_team(sales, pipeline)

    return {
        "reps": (lambda: [company.reps_frame(sales)], company.REP_FORMATS),
        "quotas": (
            lambda: [company.quotas_frame(sales, streams["quotas"], won_per_rep_month)],
            company.QUOTA_FORMATS,
        ),
        "accounts": (lambda: [crm.accounts_frame(sales, accounts)], crm.ACCOUNT_FORMATS),
        "contacts": (
            lambda: [crm.contacts_frame(streams["contacts_frame"], sales, accounts, contacts)],
            crm.CONTACT_FORMATS,
        ),
        "deals": (
            lambda: [deals.deals_frame(sales, accounts, contacts, pipeline)],
            deals.DEAL_FORMATS,
        ),
        "deal_stage_history": (
            lambda: [deals.stage_history_frame(pipeline)],
            deals.STAGE_HISTORY_FORMATS,
        ),
        "activities": (
            lambda: activity.activity_chunks(streams["activities"], sales, contacts, pipeline),
            activity.ACTIVITY_FORMATS,
        ),
        "time_entries": (
            lambda: [activity.time_entries_frame(streams["time_entries"], sales)],
            activity.TIME_ENTRY_FORMATS,
        ),
        "email_events": (
            lambda: engagement.email_event_chunks(
                streams["email_events"], period, campaigns, contacts
            ),
            engagement.EMAIL_EVENT_FORMATS,
        ),
        "web_events": (
            lambda: web.web_event_chunks(streams["web_events"], period, scale, contacts, forms),
            web.WEB_EVENT_FORMATS,
        ),
        "form_submissions": (lambda: [forms.frame], web.FORM_SUBMISSION_FORMATS),
        "campaigns": (lambda: [engagement.campaigns_frame(campaigns)], engagement.CAMPAIGN_FORMATS),
        "fx_rates": (lambda: [fx.fx_rates_frame(streams["fx_rates"], period)], fx.FX_FORMATS),
    }
