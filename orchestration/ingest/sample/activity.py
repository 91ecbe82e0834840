"""Logged activities and self-reported time entries.

Each activity type has a base frequency and a duration range. A rep's selling types are
re-weighted so that their expected share of logged hours equals the rep's
`selling_share` (30-45 %). Activities start in Korea working hours on weekdays of the
rep's employment and are generated one month at a time to bound memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from orchestration.ingest.datasets import ACTIVITY_TYPES
from orchestration.ingest.sample.company import Company
from orchestration.ingest.sample.crm import Contacts, group_index, pick_member
from orchestration.ingest.sample.deals import Deals
from orchestration.ingest.sample.period import is_weekday, utc_seconds
from orchestration.ingest.sample.writer import (
    CalendarDate,
    ColumnFormat,
    Decimal,
    MixedOffsetTimestamp,
    PrefixedId,
    category_dtype,
    labels,
)

SELLING_TYPES = frozenset(
    {"call", "email", "meeting", "demo", "proposal", "social_touch", "lead_qualification"}
)
SOURCE_SYSTEMS = ("salesforce", "calendar", "dialer")
SALESFORCE, CALENDAR, DIALER = 0, 1, 2


@dataclass(frozen=True)
class ActivityProfile:
    activity_type: str
    # Relative frequency in a rep's day before the selling-share re-weighting.
    weight: float
    min_minutes: float
    max_minutes: float
    source: int
    # Share of activities that name a contact, and a deal.
    contact_share: float
    deal_share: float


ACTIVITY_PROFILES: tuple[ActivityProfile, ...] = (
    ActivityProfile("call", 4.0, 5, 30, DIALER, 0.9, 0.4),
    ActivityProfile("email", 4.0, 3, 15, SALESFORCE, 0.95, 0.3),
    ActivityProfile("meeting", 0.8, 30, 90, CALENDAR, 0.7, 0.5),
    ActivityProfile("demo", 0.3, 30, 90, CALENDAR, 0.85, 0.8),
    ActivityProfile("proposal", 0.25, 30, 120, SALESFORCE, 0.7, 0.9),
    ActivityProfile("social_touch", 1.2, 5, 20, SALESFORCE, 0.8, 0.0),
    ActivityProfile("lead_research", 0.8, 10, 45, SALESFORCE, 0.5, 0.0),
    ActivityProfile("account_research", 0.5, 15, 60, SALESFORCE, 0.0, 0.0),
    ActivityProfile("lead_qualification", 0.6, 15, 45, SALESFORCE, 0.9, 0.2),
    ActivityProfile("content_creation", 0.3, 30, 120, SALESFORCE, 0.0, 0.0),
    ActivityProfile("content_search", 0.7, 5, 30, SALESFORCE, 0.0, 0.0),
    ActivityProfile("crm_update", 2.0, 5, 20, SALESFORCE, 0.0, 0.0),
    ActivityProfile("reporting", 0.4, 15, 60, SALESFORCE, 0.0, 0.0),
    ActivityProfile("internal_meeting", 0.7, 30, 60, CALENDAR, 0.0, 0.0),
    ActivityProfile("admin", 0.8, 10, 45, SALESFORCE, 0.0, 0.0),
    ActivityProfile("training", 0.15, 30, 120, CALENDAR, 0.0, 0.0),
    ActivityProfile("travel", 0.15, 60, 240, CALENDAR, 0.0, 0.0),
    ActivityProfile("other", 0.3, 5, 30, SALESFORCE, 0.0, 0.0),
)
assert tuple(profile.activity_type for profile in ACTIVITY_PROFILES) == ACTIVITY_TYPES

ACTIVITIES_PER_WORKDAY = 17.5
# Share of dialer calls that the rep logs by hand in the CRM instead.
HAND_LOGGED_CALL_SHARE = 0.2
WORKDAY_START_SECONDS = 9 * 3600
WORKDAY_END_SECONDS = 18 * 3600

_WEIGHT = np.array([profile.weight for profile in ACTIVITY_PROFILES])
_MIN_MINUTES = np.array([profile.min_minutes for profile in ACTIVITY_PROFILES], dtype=float)
_MAX_MINUTES = np.array([profile.max_minutes for profile in ACTIVITY_PROFILES], dtype=float)
_SOURCE = np.array([profile.source for profile in ACTIVITY_PROFILES])
_CONTACT_SHARE = np.array([profile.contact_share for profile in ACTIVITY_PROFILES])
_DEAL_SHARE = np.array([profile.deal_share for profile in ACTIVITY_PROFILES])
_IS_SELLING = np.array([profile.activity_type in SELLING_TYPES for profile in ACTIVITY_PROFILES])


def type_probabilities(selling_share: np.ndarray) -> np.ndarray:
    """Return per-rep activity type probabilities, shape (reps, types).

    Selling weights are scaled by share / selling hours and the others by
    (1 - share) / other hours, so the expected share of hours spent selling equals the
    target share.
    """
    mean_minutes = (_MIN_MINUTES + _MAX_MINUTES) / 2
    hours = _WEIGHT * mean_minutes
    selling_hours = hours[_IS_SELLING].sum()
    other_hours = hours[~_IS_SELLING].sum()
    share = selling_share[:, None]
    weights = _WEIGHT[None, :] * np.where(
        _IS_SELLING[None, :], share / selling_hours, (1 - share) / other_hours
    )
    return weights / weights.sum(axis=1, keepdims=True)


def expected_hour_shares(selling_share: np.ndarray) -> np.ndarray:
    """Return per-rep expected share of hours per activity type, shape (reps, types)."""
    hours = type_probabilities(selling_share) * ((_MIN_MINUTES + _MAX_MINUTES) / 2)[None, :]
    return hours / hours.sum(axis=1, keepdims=True)


ACTIVITY_TYPE_DTYPE = category_dtype(ACTIVITY_TYPES)
SOURCE_SYSTEM_DTYPE = category_dtype(SOURCE_SYSTEMS)

# Task ids like Salesforce's: key prefix 00T, then digits. Calendar entries keep the
# calendar's Korea-time offset, while CRM and dialer times are in UTC.
ACTIVITY_FORMATS: dict[str, ColumnFormat] = {
    "activity_id": PrefixedId("00T"),
    "started_at": MixedOffsetTimestamp("started_at_is_korea_time"),
    "duration_minutes": Decimal(2),
}


def _draw_types(rng: np.random.Generator, probabilities: np.ndarray, rep: np.ndarray) -> np.ndarray:
    """Draw one type per activity from its rep's distribution by inverse CDF on one flat array."""
    type_count = probabilities.shape[1]
    cumulative = np.cumsum(probabilities, axis=1)
    cumulative[:, -1] = 1.0
    flat = (cumulative + np.arange(len(probabilities))[:, None]).ravel()
    position = np.searchsorted(flat, rep + rng.random(len(rep)), side="right")
    return np.minimum(position - rep * type_count, type_count - 1)


def activity_chunks(
    rng: np.random.Generator, company: Company, contacts: Contacts, deals: Deals
) -> Iterator[pd.DataFrame]:
    """Yield one frame of activities per month, sorted by start time."""
    period = company.period
    probabilities = type_probabilities(company.selling_share)
    rep_contacts = group_index(contacts.original_owner, company.rep_count)
    rep_deals = group_index(deals.owner, company.rep_count)
    month_starts = period.month_start_days
    next_number = 1
    for month in range(period.months):
        days = np.arange(month_starts[month], month_starts[month + 1])
        workdays = days[is_weekday(days)]
        first = np.searchsorted(workdays, company.first_day, side="left")
        end = np.searchsorted(workdays, company.last_day, side="right")
        employed_workdays = np.maximum(end - first, 0)
        expected = ACTIVITIES_PER_WORKDAY * company.activity_factor * employed_workdays
        rep = np.repeat(np.arange(company.rep_count), rng.poisson(expected))
        count = len(rep)
        if count == 0:
            continue
        day = workdays[
            first[rep] + np.floor(rng.random(count) * employed_workdays[rep]).astype(np.int64)
        ]
        activity_type = _draw_types(rng, probabilities, rep)

        source = _SOURCE[activity_type].copy()
        source[(source == DIALER) & (rng.random(count) < HAND_LOGGED_CALL_SHARE)] = SALESFORCE
        minutes = _MIN_MINUTES[activity_type] + rng.random(count) * (
            _MAX_MINUTES[activity_type] - _MIN_MINUTES[activity_type]
        )
        # Dialers log seconds, while people and calendars log whole minutes.
        minutes = np.where(source == DIALER, np.round(minutes * 60) / 60, np.round(minutes))
        latest_start = np.maximum(WORKDAY_END_SECONDS - WORKDAY_START_SECONDS - minutes * 60, 0)
        offset = np.floor(rng.random(count) * latest_start).astype(np.int64)
        grid = np.select([source == CALENDAR, source == SALESFORCE], [1800, 60], 1)
        started_at = utc_seconds(day, WORKDAY_START_SECONDS + offset // grid * grid)

        contact, deal = _related_records(
            rng, rep_contacts, rep_deals, contacts, deals, rep, activity_type, started_at
        )
        order = np.argsort(started_at, kind="stable")
        numbers = np.arange(next_number, next_number + count)
        next_number += count
        yield pd.DataFrame(
            {
                "activity_id": numbers,
                "rep_id": labels(rep[order], company.rep_id_dtype),
                "activity_type": labels(activity_type[order], ACTIVITY_TYPE_DTYPE),
                "started_at": started_at[order],
                "started_at_is_korea_time": source[order] == CALENDAR,
                "duration_minutes": minutes[order],
                "contact_id": labels(contact[order], contacts.id_dtype),
                "deal_id": labels(deal[order], deals.id_dtype),
                "source_system": labels(source[order], SOURCE_SYSTEM_DTYPE),
            }
        )


# A rep works on recent deals: an activity names one of the rep's last 8 deals created
# before it. At about 14 new deals per rep-month, most of them are still open.
RECENT_DEAL_LOOKBACK = 8


def _recent_deal(
    rng: np.random.Generator,
    rep_deals: tuple[np.ndarray, np.ndarray, np.ndarray],
    deals: Deals,
    rep: np.ndarray,
    started_at: np.ndarray,
) -> np.ndarray:
    """Return one of the rep's last deals created before each start, or -1 when none.

    Group members are ordered by owner, then by creation time, because deal indexes
    follow creation time. One search over (owner, created_at) keys therefore finds the
    deals of every activity at once.
    """
    members, starts, _ = rep_deals
    if len(members) == 0:
        return np.full(len(rep), -1)
    origin = min(int(deals.created_at.min()), int(started_at.min()))
    span = np.int64(1) << 36  # about 2,000 years of seconds, wider than any time range here
    member_keys = deals.owner[members].astype(np.int64) * span + (
        deals.created_at[members] - origin
    )
    activity_keys = rep.astype(np.int64) * span + (started_at - origin)
    position = np.searchsorted(member_keys, activity_keys, side="right")
    available = np.clip(position - starts[rep], 0, RECENT_DEAL_LOOKBACK)
    back = np.floor(rng.random(len(rep)) * available).astype(np.int64)
    chosen = members[np.clip(position - 1 - back, 0, len(members) - 1)]
    return np.where(available > 0, chosen, -1)


def _related_records(
    rng: np.random.Generator,
    rep_contacts: tuple[np.ndarray, np.ndarray, np.ndarray],
    rep_deals: tuple[np.ndarray, np.ndarray, np.ndarray],
    contacts: Contacts,
    deals: Deals,
    rep: np.ndarray,
    activity_type: np.ndarray,
    started_at: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Return contact and deal indexes for customer-facing activities, -1 elsewhere.

    A deal is kept only when it was open at the activity's start, and a contact only when
    the CRM already had it then. A deal's primary contact is preferred as the contact.
    """
    count = len(rep)
    wants_deal = rng.random(count) < _DEAL_SHARE[activity_type]
    deal = np.where(wants_deal, _recent_deal(rng, rep_deals, deals, rep, started_at), -1)
    known = deal >= 0
    safe_deal = np.maximum(deal, 0)
    closed_at = deals.closed_at[safe_deal]
    open_then = (deals.created_at[safe_deal] <= started_at) & (
        (closed_at < 0) | (closed_at >= started_at)
    )
    deal = np.where(known & open_then, deal, -1)

    wants_contact = rng.random(count) < _CONTACT_SHARE[activity_type]
    contact = np.where(wants_contact, pick_member(rng, rep_contacts, rep), -1)
    deal_contact = np.where(deal >= 0, deals.contact[np.maximum(deal, 0)], -1)
    contact = np.where(wants_contact & (deal_contact >= 0), deal_contact, contact)
    existed = contacts.created_at[np.maximum(contact, 0)] <= started_at
    return np.where((contact >= 0) & existed, contact, -1), deal


# Share of reps who answer the monthly time survey, and of months they answer in.
SURVEY_REP_SHARE = 0.3
SURVEY_RESPONSE_SHARE = 0.8
# Share of surveyed reps whose survey runs from the 15th to the 14th of the next month.
MID_MONTH_SURVEY_SHARE = 0.2
SURVEY_HOURS_PER_WORKDAY = 8.0
TIME_ENTRY_FORMATS: dict[str, ColumnFormat] = {
    "period_start": CalendarDate(),
    "period_end": CalendarDate(),
    "hours": Decimal(2),
}


def survey_periods(
    company: Company, mid_month: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (rep, first day, last day) of every survey period a surveyed rep worked fully.

    `mid_month` is 1 for reps whose periods run from the 15th to the 14th, 0 for calendar
    months and -1 for reps not surveyed.
    """
    month_starts = company.period.month_start_days
    cadences = (
        (np.flatnonzero(mid_month == 0), month_starts[:-1], month_starts[1:] - 1),
        (np.flatnonzero(mid_month == 1), month_starts[:-2] + 14, month_starts[1:-1] + 13),
    )
    reps, firsts, lasts = (
        [np.zeros(0, dtype=np.int64)],
        [np.zeros(0, dtype=np.int64)],
        [np.zeros(0, dtype=np.int64)],
    )
    for cadence_reps, first_days, last_days in cadences:
        rep, period_index = np.meshgrid(cadence_reps, np.arange(len(first_days)), indexing="ij")
        reps.append(rep.ravel())
        firsts.append(first_days[period_index.ravel()])
        lasts.append(last_days[period_index.ravel()])
    rep = np.concatenate(reps)
    first = np.concatenate(firsts)
    last = np.concatenate(lasts)
    worked = (company.first_day[rep] <= first) & (company.last_day[rep] >= last)
    return rep[worked], first[worked], last[worked]


def time_entries_frame(rng: np.random.Generator, company: Company) -> pd.DataFrame:
    """Return monthly survey answers: hours per rep, survey period and activity type.

    Reported hours follow the rep's own activity mix with survey noise, in half hours.
    Types a rep spent under half an hour on are left out, as on a survey form.
    """
    surveyed = rng.random(company.rep_count) < SURVEY_REP_SHARE
    mid_month = rng.random(company.rep_count) < MID_MONTH_SURVEY_SHARE
    # Even the smallest company has both cadences: two surveyed reps employed all period,
    # one of them mid-month. Every team manager is employed all period, so two exist.
    period = company.period
    steady = np.flatnonzero(
        (company.first_day <= period.start_day) & (company.last_day >= period.end_day)
    )
    guaranteed = rng.choice(steady, 2, replace=False)
    surveyed[guaranteed] = True
    mid_month[guaranteed] = [False, True]
    cadence = np.where(surveyed, mid_month.astype(np.int64), -1)
    rep, first, last = survey_periods(company, cadence)
    answered = rng.random(len(rep)) < SURVEY_RESPONSE_SHARE
    rep, first, last = rep[answered], first[answered], last[answered]

    # Day numbers are days since 1970-01-01, which is what datetime64[D] stores.
    workdays = np.busday_count(first.astype("datetime64[D]"), (last + 1).astype("datetime64[D]"))
    total_hours = workdays * SURVEY_HOURS_PER_WORKDAY * rng.uniform(0.95, 1.15, len(rep))
    noise = rng.gamma(20.0, 1 / 20.0, (len(rep), len(ACTIVITY_TYPES)))
    shares = expected_hour_shares(company.selling_share)[rep] * noise
    shares /= np.maximum(shares.sum(axis=1, keepdims=True), 1e-12)
    hours = np.round(total_hours[:, None] * shares * 2) / 2

    entry, activity_type = np.nonzero(hours >= 0.5)
    return pd.DataFrame(
        {
            "rep_id": labels(rep[entry], company.rep_id_dtype),
            "period_start": first[entry],
            "period_end": last[entry],
            "activity_type": labels(activity_type, ACTIVITY_TYPE_DTYPE),
            "hours": hours[entry, activity_type],
            "source": "monthly_survey",
        }
    )
