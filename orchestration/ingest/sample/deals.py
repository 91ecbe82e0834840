"""Deals and their stage history.

All deals move through the pipeline stages in one vectorised pass. A deal advances stage
by stage with its rep's win skill and spends an exponential time in each stage. The
period end cuts the simulation off, so a deal ends won, lost or still open. Stage
timestamps fall on Korea working hours and strictly increase.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from orchestration.ingest.sample import names
from orchestration.ingest.sample.company import APPROXIMATE_KRW_PER_UNIT, Company
from orchestration.ingest.sample.crm import (
    Accounts,
    Contacts,
    choose,
    group_index,
    pick_member,
)
from orchestration.ingest.sample.period import (
    SECONDS_PER_DAY,
    local_days,
    utc_seconds,
)
from orchestration.ingest.sample.writer import (
    CalendarDate,
    ColumnFormat,
    Decimal,
    UtcTimestamp,
    category_dtype,
    labels,
)

DEALS_AT_SCALE_1 = 10_000
OPEN_STAGES = ("prospecting", "qualification", "proposal", "negotiation")
STAGES = (*OPEN_STAGES, "closed_won", "closed_lost")
WON, LOST = 4, 5
# Chance to advance from each open stage to the next, before the rep's skill.
ADVANCE_PROBABILITY = np.array([0.72, 0.70, 0.78])
WIN_PROBABILITY_FROM_NEGOTIATION = 0.6
# Mean days spent in each open stage before advancing or closing.
MEAN_STAGE_DAYS = np.array([10.0, 14.0, 18.0, 12.0])
# Deals may start this many days before the period, so the first months have a pipeline.
PIPELINE_LEAD_DAYS = 90
ZERO_AMOUNT_WON_SHARE = 0.02
MISSING_AMOUNT_WON_SHARE = 0.02
MISSING_AMOUNT_OTHER_SHARE = 0.04
# Share of closed deals moved to 00:00-09:00 Korea time on the 1st of the next month, which
# is still the previous month in UTC.
EARLY_FIRST_OF_MONTH_SHARE = 0.01
MIN_EARLY_FIRST_OF_MONTH = 3


@dataclass(frozen=True, eq=False)
class Deals:
    """Deal columns with one element per deal, in creation order. Times are UTC epoch seconds."""

    ids: np.ndarray
    id_dtype: pd.CategoricalDtype
    owner: np.ndarray
    account: np.ndarray
    contact: np.ndarray  # -1 without a primary contact
    stage: np.ndarray  # index into STAGES
    created_at: np.ndarray
    closed_at: np.ndarray  # -1 while open
    stage_entered_at: np.ndarray  # (deals, 4) entry time per open stage, -1 when not entered
    amount: np.ndarray  # in `currency`, NaN when missing
    currency: np.ndarray
    updated_at: np.ndarray

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def is_closed(self) -> np.ndarray:
        return self.stage >= WON

    @property
    def is_won(self) -> np.ndarray:
        return self.stage == WON


def _working_hours(rng: np.random.Generator, instants: np.ndarray) -> np.ndarray:
    """Move each instant to a random time between 09:00 and 18:30 Korea time on its day."""
    return utc_seconds(
        local_days(instants), rng.integers(9 * 3600, 18 * 3600 + 1800, instants.shape)
    )


def build_deals(
    rng: np.random.Generator,
    company: Company,
    accounts: Accounts,
    contacts: Contacts,
    scale: float,
) -> Deals:
    period = company.period
    target = max(50, round(DEALS_AT_SCALE_1 * scale))
    # Deals that closed before the period are dropped, so draw a margin more.
    drawn = int(target * 1.2) + 10

    window_first = np.maximum(company.first_day, period.start_day - PIPELINE_LEAD_DAYS)
    window_end = np.minimum(company.last_day + 1, period.end_day)
    window_days = np.maximum(window_end - window_first, 0)
    weight = window_days * company.deal_factor * np.where(company.is_manager, 0.5, 1.0)
    owner = rng.choice(company.rep_count, drawn, p=weight / weight.sum())
    created_day = window_first[owner] + np.floor(rng.random(drawn) * window_days[owner]).astype(
        np.int64
    )
    created_at = utc_seconds(created_day, rng.integers(9 * 3600, 18 * 3600 + 1800, drawn))

    skill = company.win_skill[owner]
    reached, is_won, entered_at, close_at = _simulate_pipeline(rng, created_at, skill)
    keep = np.flatnonzero(close_at >= period.start_utc)[:target]
    keep = keep[np.argsort(created_at[keep], kind="stable")]
    owner, created_at = owner[keep], created_at[keep]
    reached, is_won, entered_at, close_at = (
        reached[keep],
        is_won[keep],
        entered_at[keep],
        close_at[keep],
    )
    count = len(keep)

    is_closed = close_at < period.end_utc
    close_at = _move_some_closes_to_early_first_of_month(rng, company, close_at, is_closed, is_won)
    entered = (np.arange(4)[None, :] <= reached[:, None]) & (entered_at < period.end_utc)
    stage = np.where(is_closed, np.where(is_won, WON, LOST), entered.sum(axis=1) - 1)
    stage_entered_at = np.where(entered, entered_at, -1)
    closed_at = np.where(is_closed, close_at, -1)

    owner = _hand_over_departed_owners(company, owner, closed_at)
    account = pick_member(rng, group_index(accounts.original_owner, company.rep_count), owner)
    contact = pick_member(rng, group_index(contacts.account, accounts.count), account)
    contact[rng.random(count) < 0.08] = -1

    amount, currency = _amounts(rng, company, owner, stage)
    last_change = np.maximum(stage_entered_at.max(axis=1), closed_at)
    updated_at = np.minimum(
        last_change + rng.integers(60, 3 * SECONDS_PER_DAY, count), period.end_utc - 1
    )
    ids = names.sequence_ids("006", 6_000_000_000, count)
    return Deals(
        ids=ids,
        id_dtype=category_dtype(ids),
        owner=owner,
        account=account,
        contact=contact,
        stage=stage,
        created_at=created_at,
        closed_at=closed_at,
        stage_entered_at=stage_entered_at,
        amount=amount,
        currency=currency,
        updated_at=np.maximum(updated_at, last_change),
    )


def _simulate_pipeline(
    rng: np.random.Generator, created_at: np.ndarray, skill: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the last open stage each deal reaches, whether it wins, stage entry and close times.

    Times ignore the period end, which the caller applies.
    """
    count = len(created_at)
    advance = ADVANCE_PROBABILITY[None, :] * skill[:, None] ** 0.25
    advances = np.cumprod(rng.random((count, 3)) < np.minimum(advance, 0.95), axis=1)
    reached = advances.sum(axis=1)
    win_probability = np.minimum(WIN_PROBABILITY_FROM_NEGOTIATION * skill**0.5, 0.95)
    is_won = (reached == 3) & (rng.random(count) < win_probability)

    days_in_stage = rng.exponential(MEAN_STAGE_DAYS[None, :], (count, 4)) + 1.0
    times = np.empty((count, 5), dtype=np.int64)
    times[:, 0] = created_at
    for column in range(1, 5):
        raw = times[:, column - 1] + (days_in_stage[:, column - 1] * SECONDS_PER_DAY).astype(
            np.int64
        )
        # Snapping to working hours must not reorder stages: keep at least 10 minutes apart.
        times[:, column] = np.maximum(_working_hours(rng, raw), times[:, column - 1] + 600)
    close_at = times[np.arange(count), reached + 1]
    return reached, is_won, times[:, :4], close_at


def _move_some_closes_to_early_first_of_month(
    rng: np.random.Generator,
    company: Company,
    close_at: np.ndarray,
    is_closed: np.ndarray,
    is_won: np.ndarray,
) -> np.ndarray:
    """Move a few closes to 00:00-09:00 Korea time on the next 1st, still last month in UTC.

    Only closes before the last month move, so they stay inside the period, and moving a
    close later never puts it before a stage entry.
    """
    period = company.period
    month = period.month_index(local_days(close_at))
    candidates = np.flatnonzero(is_closed & (month >= 0) & (month < period.months - 1))
    target_count = max(
        MIN_EARLY_FIRST_OF_MONTH, round(EARLY_FIRST_OF_MONTH_SHARE * is_closed.sum())
    )
    won_candidates = rng.permutation(candidates[is_won[candidates]])[: (target_count + 1) // 2]
    lost_candidates = rng.permutation(candidates[~is_won[candidates]])[
        : target_count - len(won_candidates)
    ]
    chosen = np.concatenate([won_candidates, lost_candidates]).astype(np.int64)
    moved = close_at.copy()
    next_month_start = period.month_start_days[month[chosen] + 1]
    moved[chosen] = utc_seconds(next_month_start, rng.integers(0, 9 * 3600, len(chosen)))
    return moved


def _hand_over_departed_owners(
    company: Company, owner: np.ndarray, closed_at: np.ndarray
) -> np.ndarray:
    """Give a departed rep's deals that were still open on their last day to their manager."""
    last_day = company.last_day[owner]
    open_after_leaving = (closed_at < 0) | (local_days(closed_at) > last_day)
    departed = company.left_day[owner] >= 0
    return np.where(departed & open_after_leaving, company.rep_manager[owner], owner)


def _amounts(
    rng: np.random.Generator, company: Company, owner: np.ndarray, stage: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    count = len(owner)
    team = company.rep_team[owner]
    currency = np.empty(count, dtype=object)
    median_krw = np.empty(count)
    for team_index, template in enumerate(company.team_templates):
        members = np.flatnonzero(team == team_index)
        currency[members] = choose(rng, template.deal_currencies, len(members))
        median_krw[members] = template.median_deal_krw
    amount_krw = rng.lognormal(np.log(median_krw), 0.7)
    rate = pd.Series(currency).map(APPROXIMATE_KRW_PER_UNIT).to_numpy(dtype=float)
    amount = amount_krw / rate
    # Won in steps of 10,000, yen in steps of 1,000, dollars mostly in hundreds.
    step = np.select([currency == "KRW", currency == "JPY"], [1e4, 1e3], 1.0)
    step = np.where((currency == "USD") & (rng.random(count) < 0.6), 100.0, step)
    amount = np.round(amount / step) * step
    if (currency == "USD").any():
        cents = rng.integers(0, 100, count) / 100
        amount = np.where((currency == "USD") & (step == 1.0), amount + cents, amount)

    draw = rng.random(count)
    won = stage == WON
    amount = np.where(won & (draw < ZERO_AMOUNT_WON_SHARE), 0.0, amount)
    missing_won = (
        won
        & (draw >= ZERO_AMOUNT_WON_SHARE)
        & (draw < ZERO_AMOUNT_WON_SHARE + MISSING_AMOUNT_WON_SHARE)
    )
    missing_other = ~won & (draw < MISSING_AMOUNT_OTHER_SHARE)
    amount = np.where(missing_won | missing_other, np.nan, amount)

    # Even a small company has a won deal with amount 0 and one without an amount.
    won_index = np.flatnonzero(won)
    won_amounts = amount[won_index]
    if len(won_index) >= 2 and not ((won_amounts == 0).any() and np.isnan(won_amounts).any()):
        amount[won_index[0]] = 0.0
        amount[won_index[-1]] = np.nan
    return amount, currency


def amounts_in_krw(deals: Deals) -> np.ndarray:
    """Return deal amounts converted at the approximate rates, NaN where the amount is missing."""
    rate = pd.Series(deals.currency).map(APPROXIMATE_KRW_PER_UNIT).to_numpy(dtype=float)
    return deals.amount * rate


def monthly_won_krw_by_team(company: Company, deals: Deals) -> np.ndarray:
    """Return each team's won amount in the period per employed rep-month, in KRW."""
    team_count = len(company.teams)
    won = deals.is_won & (deals.closed_at >= company.period.start_utc)
    won_krw = np.nan_to_num(amounts_in_krw(deals)[won])
    total = np.bincount(company.rep_team[deals.owner[won]], weights=won_krw, minlength=team_count)
    period = company.period
    rep_months = company.employed_days_in(period.start_day, period.end_day) / 30.4
    team_rep_months = np.bincount(company.rep_team, weights=rep_months, minlength=team_count)
    return total / np.maximum(team_rep_months, 1.0)


DEAL_FORMATS: dict[str, ColumnFormat] = {
    "amount": Decimal(2),
    "created_at": UtcTimestamp(),
    "closed_at": UtcTimestamp(),
    "close_date": CalendarDate(),
    "updated_at": UtcTimestamp(),
}


def deals_frame(
    company: Company, accounts: Accounts, contacts: Contacts, deals: Deals
) -> pd.DataFrame:
    closed = deals.closed_at >= 0
    stage_dtype = pd.CategoricalDtype(pd.Index(STAGES, dtype=object))
    return pd.DataFrame(
        {
            "deal_id": deals.ids,
            "account_id": labels(deals.account, accounts.id_dtype),
            "contact_id": labels(deals.contact, contacts.id_dtype),
            "owner_rep_id": labels(deals.owner, company.rep_id_dtype),
            "stage": labels(deals.stage, stage_dtype),
            "is_closed": deals.is_closed,
            "is_won": deals.is_won,
            "amount": deals.amount,
            "currency": deals.currency,
            "created_at": deals.created_at,
            "closed_at": pd.array(np.where(closed, deals.closed_at, None), dtype="Int64"),
            # The CRM's close date is the Korea-time calendar date of the close.
            "close_date": pd.array(
                np.where(closed, local_days(deals.closed_at), None), dtype="Int64"
            ),
            "updated_at": deals.updated_at,
        }
    )


STAGE_HISTORY_FORMATS: dict[str, ColumnFormat] = {"entered_at": UtcTimestamp()}


def stage_history_frame(deals: Deals) -> pd.DataFrame:
    """Return one row per stage a deal entered, in deal order then time order."""
    deal_index, stage_number = np.nonzero(deals.stage_entered_at >= 0)
    entered_at = deals.stage_entered_at[deal_index, stage_number]
    closed = np.flatnonzero(deals.closed_at >= 0)
    deal_index = np.concatenate([deal_index, closed])
    stage_number = np.concatenate([stage_number, deals.stage[closed]])
    entered_at = np.concatenate([entered_at, deals.closed_at[closed]])
    order = np.lexsort((entered_at, deal_index))
    stage_dtype = pd.CategoricalDtype(pd.Index(STAGES, dtype=object))
    return pd.DataFrame(
        {
            "deal_id": deals.ids[deal_index[order]],
            "stage": labels(stage_number[order], stage_dtype),
            "entered_at": entered_at[order],
        }
    )
