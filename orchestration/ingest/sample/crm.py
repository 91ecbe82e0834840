"""Accounts and contacts of the sample CRM.

Accounts belong to reps. Contacts belong to an account or are loose leads, and they carry
the fit fields that lead scoring reads. When a rep leaves, the CRM hands their records to their
manager, so exported owners are current reps while activity history keeps the original
owner.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from orchestration.ingest.sample import names
from orchestration.ingest.sample.company import Company
from orchestration.ingest.sample.period import SECONDS_PER_DAY, utc_seconds
from orchestration.ingest.sample.writer import (
    ColumnFormat,
    Decimal,
    UtcTimestamp,
    category_dtype,
    labels,
)

ACCOUNTS_AT_SCALE_1 = 1_500
CONTACTS_AT_SCALE_1 = 8_000
# Share of contacts attached to an account. The rest are loose leads.
ACCOUNT_CONTACT_SHARE = 0.8
# Share of contacts created before the period, spread over the two years before it.
EARLIER_CONTACT_SHARE = 0.3
SUBSCRIBED_SHARE = 0.75
UNSUBSCRIBED_SHARE_OF_SUBSCRIBED = 0.12
# Share of contacts whose mail app prefetches images (Apple Mail Privacy Protection), which
# makes machine opens about 15 % of all opens.
MAIL_PRIVACY_PROXY_SHARE = 0.09

LEAD_SOURCES = (
    ("web", 0.25),
    ("outbound", 0.18),
    ("paid_search", 0.12),
    ("event", 0.12),
    ("webinar", 0.10),
    ("referral", 0.10),
    ("content_download", 0.07),
    ("partner", 0.06),
)
COMPANY_SIZE_BANDS = ("1-10", "11-50", "51-200", "201-1000", "1000+")
COMPANY_SIZE_UPPER_BOUNDS = np.array([10, 50, 200, 1000])
# Stages of contacts that were never the primary contact of a deal.
UNCONVERTED_LIFECYCLE_STAGES = (("lead", 0.55), ("mql", 0.25), ("sql", 0.08), ("other", 0.12))


def choose(
    rng: np.random.Generator, weighted: tuple[tuple[str, float], ...], size: int
) -> np.ndarray:
    values = np.asarray([value for value, _ in weighted], dtype=object)
    probabilities = np.asarray([weight for _, weight in weighted], dtype=float)
    return values[rng.choice(len(values), size=size, p=probabilities / probabilities.sum())]


def current_owner(company: Company, original_owner: np.ndarray) -> np.ndarray:
    """Return the owner after hand-overs: a departed rep's records go to their manager."""
    departed = company.left_day[original_owner] >= 0
    return np.where(departed, company.rep_manager[original_owner], original_owner)


def group_index(keys: np.ndarray, key_count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (members in key order, first position per key, count per key) for a key array."""
    order = np.argsort(keys, kind="stable")
    counts = np.bincount(keys[keys >= 0], minlength=key_count)
    starts = np.cumsum(counts) - counts
    # Rows whose key is -1 sort first and are skipped.
    skipped = int(np.count_nonzero(keys < 0))
    return order[skipped:], starts, counts


def pick_member(
    rng: np.random.Generator,
    group: tuple[np.ndarray, np.ndarray, np.ndarray],
    keys: np.ndarray,
) -> np.ndarray:
    """Return a random member of each key's group, or -1 where the key is -1 or its group empty."""
    members, starts, counts = group
    safe_keys = np.maximum(keys, 0)
    size = np.where(keys >= 0, counts[safe_keys], 0)
    offset = np.floor(rng.random(len(keys)) * size).astype(np.int64)
    position = np.minimum(starts[safe_keys] + offset, max(len(members) - 1, 0))
    chosen = members[position] if len(members) else np.full(len(keys), -1)
    return np.where(size > 0, chosen, -1)


@dataclass(frozen=True, eq=False)
class Accounts:
    ids: np.ndarray
    id_dtype: pd.CategoricalDtype
    original_owner: np.ndarray
    owner: np.ndarray
    name: np.ndarray
    country: np.ndarray
    industry: np.ndarray
    employees: np.ndarray  # -1 when unknown
    annual_revenue: np.ndarray  # KRW, NaN when unknown
    updated_at: np.ndarray

    @property
    def count(self) -> int:
        return len(self.ids)


def build_accounts(rng: np.random.Generator, company: Company, scale: float) -> Accounts:
    count = max(company.rep_count * 2, round(ACCOUNTS_AT_SCALE_1 * scale))
    period = company.period
    # Every rep owns at least one account. The rest follow each rep's deal volume.
    weights = company.deal_factor / company.deal_factor.sum()
    original_owner = np.concatenate(
        [
            np.arange(company.rep_count),
            rng.choice(company.rep_count, count - company.rep_count, p=weights),
        ]
    )
    country = np.empty(count, dtype=object)
    for team, template in enumerate(company.team_templates):
        in_team = np.flatnonzero(company.rep_team[original_owner] == team)
        country[in_team] = choose(rng, template.countries, len(in_team))
    korean = country == "KR"

    korean_name = np.where(rng.random(count) < 0.4, "(주)", "") + (
        names.pick(rng, names.KOREAN_COMPANY_STEMS, count)
        + names.pick(rng, names.KOREAN_COMPANY_SUFFIXES, count)
    )
    english_name = (
        names.pick(rng, names.ENGLISH_COMPANY_STEMS, count)
        + " "
        + names.pick(rng, names.ENGLISH_COMPANY_SUFFIXES, count)
    )
    employees = np.maximum(np.round(rng.lognormal(5.0, 1.5, count)), 3).astype(np.int64)
    revenue = np.round(employees * rng.uniform(1e8, 4e8, count) / 1e6) * 1e6
    employees[rng.random(count) < 0.04] = -1
    revenue[(employees < 0) | (rng.random(count) < 0.05)] = np.nan
    ids = names.sequence_ids("001", 2_000_000_000, count)
    return Accounts(
        ids=ids,
        id_dtype=category_dtype(ids),
        original_owner=original_owner,
        owner=current_owner(company, original_owner),
        name=np.where(korean, korean_name, english_name),
        country=country,
        industry=names.pick(rng, names.INDUSTRIES, count),
        employees=employees,
        annual_revenue=revenue,
        updated_at=utc_seconds(
            rng.integers(period.start_day, period.end_day, count),
            rng.integers(8 * 3600, 20 * 3600, count),
        ),
    )


ACCOUNT_FORMATS: dict[str, ColumnFormat] = {
    "annual_revenue": Decimal(2),
    "updated_at": UtcTimestamp(),
}


def accounts_frame(company: Company, accounts: Accounts) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": accounts.ids,
            "account_name": accounts.name,
            "industry": accounts.industry,
            "employees": pd.array(
                np.where(accounts.employees >= 0, accounts.employees, None), dtype="Int64"
            ),
            "annual_revenue": accounts.annual_revenue,
            "country": accounts.country,
            "owner_rep_id": labels(accounts.owner, company.rep_id_dtype),
            "updated_at": accounts.updated_at,
        }
    )


@dataclass(eq=False)
class Contacts:
    """Contact columns. `settle_contacts` fixes `created_at` and `lifecycle_stage` later."""

    ids: np.ndarray
    id_dtype: pd.CategoricalDtype
    emails: np.ndarray
    first_name: np.ndarray
    last_name: np.ndarray
    account: np.ndarray  # account index, -1 for a loose lead
    original_owner: np.ndarray
    owner: np.ndarray
    lead_source: np.ndarray
    created_at: np.ndarray
    subscribed_at: np.ndarray  # -1 when never subscribed
    unsubscribed_at: np.ndarray  # -1 when still subscribed or never subscribed
    budget: np.ndarray
    company_size: np.ndarray
    job_title: np.ndarray
    industry: np.ndarray
    lifecycle_stage: np.ndarray
    # Relative volume of page views and opens this contact produces (lognormal, mean 1.6).
    engagement: np.ndarray
    # True for people whose mail app prefetches images, as Apple Mail Privacy Protection does.
    uses_mail_privacy_proxy: np.ndarray

    @property
    def count(self) -> int:
        return len(self.ids)


def build_contacts(
    rng: np.random.Generator, company: Company, accounts: Accounts, scale: float
) -> Contacts:
    period = company.period
    count = max(40, round(CONTACTS_AT_SCALE_1 * scale))
    has_account = rng.random(count) < ACCOUNT_CONTACT_SHARE
    account = np.where(has_account, rng.integers(0, accounts.count, count), -1)
    lead_owner = rng.choice(
        company.rep_count, count, p=company.deal_factor / company.deal_factor.sum()
    )
    original_owner = np.where(
        has_account, accounts.original_owner[np.maximum(account, 0)], lead_owner
    )
    korean = np.where(
        has_account, accounts.country[np.maximum(account, 0)] == "KR", rng.random(count) < 0.75
    )
    first, last, first_roman, last_roman = names.people(rng, korean)
    emails = names.email_addresses(rng, first_roman, last_roman, np.arange(1000, 1000 + count))

    earlier = rng.random(count) < EARLIER_CONTACT_SHARE
    created_day = np.where(
        earlier,
        period.start_day - rng.integers(1, 730, count),
        rng.integers(period.start_day, period.end_day, count),
    )
    created_at = utc_seconds(created_day, rng.integers(7 * 3600, 23 * 3600, count))
    subscribed_at, unsubscribed_at = _subscriptions(rng, created_at, period.end_utc)

    employees = np.where(has_account, accounts.employees[np.maximum(account, 0)], -1)
    size_band = np.searchsorted(COMPANY_SIZE_UPPER_BOUNDS, employees, side="left")
    random_band = rng.integers(0, len(COMPANY_SIZE_BANDS), count)
    size_band = np.where(employees > 0, size_band, random_band)
    company_size = np.asarray(COMPANY_SIZE_BANDS, dtype=object)[size_band]
    company_size[rng.random(count) < 0.1] = None
    budget = np.round(rng.lognormal(np.log(50e6), 1.0, count) / 1e6) * 1e6
    budget[rng.random(count) < 0.35] = np.nan
    job_title = names.pick(rng, names.JOB_TITLES, count)
    job_title[rng.random(count) < 0.08] = None
    industry = np.where(
        has_account,
        accounts.industry[np.maximum(account, 0)],
        names.pick(rng, names.INDUSTRIES, count),
    )
    industry[rng.random(count) < 0.1] = None

    ids = names.sequence_ids("003", 3_000_000_000, count)
    return Contacts(
        ids=ids,
        id_dtype=category_dtype(ids),
        emails=emails,
        first_name=first,
        last_name=last,
        account=account,
        original_owner=original_owner,
        owner=current_owner(company, original_owner),
        lead_source=choose(rng, LEAD_SOURCES, count),
        created_at=created_at,
        subscribed_at=subscribed_at,
        unsubscribed_at=unsubscribed_at,
        budget=budget,
        company_size=company_size,
        job_title=job_title,
        industry=industry,
        lifecycle_stage=np.full(count, "lead", dtype=object),
        engagement=rng.lognormal(0.0, 1.0, count),
        uses_mail_privacy_proxy=_exact_share(rng, count, MAIL_PRIVACY_PROXY_SHARE),
    )


def _exact_share(rng: np.random.Generator, count: int, share: float) -> np.ndarray:
    """Return a mask with exactly round(share * count) random elements set."""
    mask = np.zeros(count, dtype=bool)
    mask[rng.permutation(count)[: round(share * count)]] = True
    return mask


def _subscriptions(
    rng: np.random.Generator, created_at: np.ndarray, end_utc: int
) -> tuple[np.ndarray, np.ndarray]:
    count = len(created_at)
    subscribed_at = created_at + rng.integers(0, 20 * SECONDS_PER_DAY, count)
    subscribed = (rng.random(count) < SUBSCRIBED_SHARE) & (subscribed_at < end_utc)
    subscribed_at = np.where(subscribed, subscribed_at, -1)
    unsubscribed_at = subscribed_at + rng.integers(
        7 * SECONDS_PER_DAY, 300 * SECONDS_PER_DAY, count
    )
    unsubscribed = (
        subscribed
        & (rng.random(count) < UNSUBSCRIBED_SHARE_OF_SUBSCRIBED)
        & (unsubscribed_at < end_utc)
    )
    return subscribed_at, np.where(unsubscribed, unsubscribed_at, -1)


def settle_contacts(
    rng: np.random.Generator,
    contacts: Contacts,
    deal_contact: np.ndarray,
    deal_created_at: np.ndarray,
    deal_is_closed: np.ndarray,
    deal_is_won: np.ndarray,
) -> None:
    """Move contacts' creation before their first deal and set lifecycle stages from deals.

    A contact is a customer once a deal with them as primary contact is won, an
    opportunity while such a deal is open, and an SQL when their deals were all lost.
    """
    with_contact = deal_contact >= 0
    contact = deal_contact[with_contact]
    first_deal = np.full(contacts.count, np.iinfo(np.int64).max)
    np.minimum.at(first_deal, contact, deal_created_at[with_contact])
    has_deal = first_deal < np.iinfo(np.int64).max
    lead_time = rng.integers(SECONDS_PER_DAY, 45 * SECONDS_PER_DAY, contacts.count)
    contacts.created_at = np.where(
        has_deal, np.minimum(contacts.created_at, first_deal - lead_time), contacts.created_at
    )
    # Moving creation earlier keeps subscriptions after it, except where a subscription
    # must now follow the new creation time.
    contacts.subscribed_at = np.where(
        (contacts.subscribed_at >= 0) & (contacts.subscribed_at < contacts.created_at),
        contacts.created_at,
        contacts.subscribed_at,
    )

    base = choose(rng, UNCONVERTED_LIFECYCLE_STAGES, contacts.count)
    won = np.zeros(contacts.count, dtype=bool)
    open_ = np.zeros(contacts.count, dtype=bool)
    won[contact[deal_is_won[with_contact]]] = True
    open_[contact[~deal_is_closed[with_contact]]] = True
    stage = np.where(has_deal, "sql", base)
    stage = np.where(open_, "opportunity", stage)
    contacts.lifecycle_stage = np.where(won, "customer", stage)


CONTACT_FORMATS: dict[str, ColumnFormat] = {
    "created_at": UtcTimestamp(),
    "subscribed_at": UtcTimestamp(),
    "unsubscribed_at": UtcTimestamp(),
    "budget": Decimal(2),
    "updated_at": UtcTimestamp(),
}


def _nullable_instant(values: np.ndarray) -> pd.arrays.IntegerArray:
    return pd.array(np.where(values >= 0, values, None), dtype="Int64")


def contacts_frame(
    rng: np.random.Generator, company: Company, accounts: Accounts, contacts: Contacts
) -> pd.DataFrame:
    period = company.period
    last_change = np.maximum.reduce(
        [contacts.created_at, contacts.subscribed_at, contacts.unsubscribed_at]
    )
    updated_at = np.minimum(
        last_change + rng.integers(0, 30 * SECONDS_PER_DAY, contacts.count), period.end_utc - 1
    )
    return pd.DataFrame(
        {
            "contact_id": contacts.ids,
            "email": contacts.emails,
            "first_name": contacts.first_name,
            "last_name": contacts.last_name,
            "account_id": labels(contacts.account, accounts.id_dtype),
            "owner_rep_id": labels(contacts.owner, company.rep_id_dtype),
            "lifecycle_stage": contacts.lifecycle_stage,
            "lead_source": contacts.lead_source,
            "created_at": contacts.created_at,
            "subscribed_at": _nullable_instant(contacts.subscribed_at),
            "unsubscribed_at": _nullable_instant(contacts.unsubscribed_at),
            "budget": contacts.budget,
            "company_size": contacts.company_size,
            "job_title": contacts.job_title,
            "industry": contacts.industry,
            "updated_at": np.maximum(updated_at, contacts.created_at),
        }
    )
