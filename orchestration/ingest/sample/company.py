"""Teams, reps and monthly quotas of the sample company, a Korean B2B software seller.

Each rep also gets hidden propensities (selling-time share, activity volume, deal volume,
win skill, quota stretch) that the other generators read, so per-rep KPIs differ the way
they do in a real sales floor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from orchestration.ingest.sample import names
from orchestration.ingest.sample.period import (
    Period,
    shift_to_weekday,
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

# Rounded centres of the FX random walks. Quotas and deal amounts in other currencies are
# converted with them, so both stay in line.
APPROXIMATE_KRW_PER_UNIT = {"KRW": 1.0, "USD": 1350.0, "JPY": 9.1}

# Day numbers far outside any generated period stand for "no hire date" and "still employed".
EMPLOYED_SINCE_EVER = -100_000
EMPLOYED_FOREVER = 1_000_000


@dataclass(frozen=True)
class TeamTemplate:
    name: str
    region: str
    quota_currency: str
    # (currency, probability) for deal amounts.
    deal_currencies: tuple[tuple[str, float], ...]
    # Median deal amount in KRW. Amounts are lognormal around it.
    median_deal_krw: float
    has_korean_reps: bool
    # (ISO 3166 country code, probability) of the team's accounts.
    countries: tuple[tuple[str, float], ...]


KOREA = (("KR", 1.0),)

# The first two come first so that even the smallest scale has a Seoul team and a USD team.
TEAM_TEMPLATES: tuple[TeamTemplate, ...] = (
    TeamTemplate(
        "Seoul Enterprise", "Seoul", "KRW", (("KRW", 0.95), ("USD", 0.05)), 60e6, True, KOREA
    ),
    TeamTemplate("US Expansion", "US", "USD", (("USD", 1.0),), 30e6, False, (("US", 1.0),)),
    TeamTemplate("Busan Regional", "Busan", "KRW", (("KRW", 1.0),), 15e6, True, KOREA),
    TeamTemplate(
        "APAC Partners",
        "APAC",
        "KRW",
        (("JPY", 0.6), ("USD", 0.4)),
        25e6,
        True,
        (("JP", 0.5), ("SG", 0.2), ("TW", 0.15), ("AU", 0.15)),
    ),
    TeamTemplate("Seoul Mid-Market", "Seoul", "KRW", (("KRW", 1.0),), 25e6, True, KOREA),
    TeamTemplate("Seoul SMB", "Seoul", "KRW", (("KRW", 1.0),), 8e6, True, KOREA),
)

REPS_AT_SCALE_1 = 60
TEAMS_AT_SCALE_1 = 6
MIN_REPS = 8
MIN_TEAMS = 2
# Shares of non-manager reps hired, or leaving, in the middle of a month of the period.
HIRED_IN_PERIOD_SHARE = 0.08
LEFT_IN_PERIOD_SHARE = 0.07
# Share of long-standing reps whose hire date the CRM does not have.
UNKNOWN_HIRE_DATE_SHARE = 0.05
# Share of rep-months with no quota row, as when a quota upload misses a rep.
MISSING_QUOTA_SHARE = 0.03


@dataclass(frozen=True, eq=False)
class Company:
    """Teams and reps as arrays with one element per rep. Index i always means rep i."""

    period: Period
    teams: tuple[str, ...]
    team_templates: tuple[TeamTemplate, ...]
    rep_team: np.ndarray
    rep_ids: np.ndarray
    rep_id_dtype: pd.CategoricalDtype
    rep_names: np.ndarray
    rep_emails: np.ndarray
    rep_manager: np.ndarray  # rep index of the manager, -1 for the head of sales
    is_manager: np.ndarray
    hired_day: np.ndarray  # day number, -1 when the CRM has no hire date
    left_day: np.ndarray  # day number, -1 while employed
    first_day: np.ndarray  # first employed day, EMPLOYED_SINCE_EVER when unknown
    last_day: np.ndarray  # last employed day, EMPLOYED_FOREVER while employed
    selling_share: np.ndarray  # target share of logged hours spent selling
    activity_factor: np.ndarray
    deal_factor: np.ndarray
    win_skill: np.ndarray
    quota_factor: np.ndarray
    updated_at: np.ndarray

    @property
    def rep_count(self) -> int:
        return len(self.rep_ids)

    def template_of_rep(self, attribute: str) -> np.ndarray:
        values = [getattr(template, attribute) for template in self.team_templates]
        return np.asarray(values, dtype=object)[self.rep_team]

    def employed_days_in(self, first: int, end: int) -> np.ndarray:
        """Return the number of employed days of each rep in day numbers [first, end)."""
        lo = np.maximum(self.first_day, first)
        hi = np.minimum(self.last_day + 1, end)
        return np.maximum(hi - lo, 0)


def team_names(count: int) -> tuple[tuple[str, ...], tuple[TeamTemplate, ...]]:
    """Return `count` team names and templates. Beyond six, names repeat with a number."""
    chosen = [TEAM_TEMPLATES[index % len(TEAM_TEMPLATES)] for index in range(count)]
    team_labels = []
    for index, template in enumerate(chosen):
        round_number = index // len(TEAM_TEMPLATES) + 1
        team_labels.append(
            template.name if round_number == 1 else f"{template.name} {round_number}"
        )
    return tuple(team_labels), tuple(chosen)


def rep_and_team_counts(scale: float) -> tuple[int, int]:
    reps = max(MIN_REPS, round(REPS_AT_SCALE_1 * scale))
    teams = max(MIN_TEAMS, round(TEAMS_AT_SCALE_1 * scale))
    # At least four reps per team, so every team has a manager and a few sellers.
    return reps, max(MIN_TEAMS, min(teams, reps // 4))


def build_company(rng: np.random.Generator, period: Period, scale: float) -> Company:
    rep_count, team_count = rep_and_team_counts(scale)
    teams, templates = team_names(team_count)
    rep_team = (np.arange(rep_count) * team_count) // rep_count
    is_manager = np.zeros(rep_count, dtype=bool)
    team_manager = np.searchsorted(rep_team, np.arange(team_count))
    is_manager[team_manager] = True
    # Team managers report to the first team's manager, the head of sales.
    head = team_manager[0]
    rep_manager = team_manager[rep_team].copy()
    rep_manager[team_manager] = head
    rep_manager[head] = -1

    hired_day, left_day, first_day, last_day = _employment(rng, period, is_manager)

    rep_templates = [templates[team] for team in rep_team]
    korean = np.array([template.has_korean_reps for template in rep_templates])
    first, last, first_roman, last_roman = names.people(rng, korean)
    rep_names = np.where(korean, last + first, first + " " + last)
    emails = names.email_addresses(
        rng, first_roman, last_roman, np.arange(1, rep_count + 1), domains=("example.com",)
    )
    rep_ids = names.sequence_ids("005", 5_000_000_000, rep_count)

    # The CRM user record last changed during the period, at the latest on hiring, or on the
    # evening a leaver was deactivated.
    updated_at = utc_seconds(
        np.maximum(rng.integers(period.start_day, period.end_day, rep_count), first_day),
        rng.integers(9 * 3600, 19 * 3600, rep_count),
    )
    leavers = left_day >= 0
    updated_at[leavers] = utc_seconds(left_day[leavers], np.full(int(leavers.sum()), 19 * 3600))

    return Company(
        period=period,
        teams=teams,
        team_templates=templates,
        rep_team=rep_team,
        rep_ids=rep_ids,
        rep_id_dtype=category_dtype(rep_ids),
        rep_names=rep_names,
        rep_emails=emails,
        rep_manager=rep_manager,
        is_manager=is_manager,
        hired_day=hired_day,
        left_day=left_day,
        first_day=first_day,
        last_day=last_day,
        selling_share=rng.uniform(0.30, 0.45, rep_count),
        activity_factor=rng.uniform(0.75, 1.25, rep_count),
        deal_factor=rng.uniform(0.7, 1.3, rep_count),
        win_skill=rng.uniform(0.8, 1.2, rep_count),
        quota_factor=rng.uniform(0.8, 1.25, rep_count),
        updated_at=updated_at,
    )


def _employment(
    rng: np.random.Generator, period: Period, is_manager: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Draw hire and leave days: most reps hired years ago, a few joining or leaving mid-month."""
    rep_count = len(is_manager)
    month_starts = period.month_start_days
    sellers = rng.permutation(np.flatnonzero(~is_manager))
    hire_count = max(1, round(HIRED_IN_PERIOD_SHARE * rep_count))
    leave_count = max(1, round(LEFT_IN_PERIOD_SHARE * rep_count))
    new_hires = sellers[:hire_count]
    leavers = sellers[hire_count : hire_count + leave_count]

    hired_day = period.start_day - rng.integers(30, 6 * 365, rep_count)
    unknown = rng.random(rep_count) < UNKNOWN_HIRE_DATE_SHARE
    # Mid-month: the 5th to the 20th of a month after the first (the first month if only one).
    hire_months = rng.integers(min(1, period.months - 1), period.months, len(new_hires))
    hired_day[new_hires] = month_starts[hire_months] + rng.integers(4, 20, len(new_hires))
    unknown[new_hires] = False
    hired_day = shift_to_weekday(hired_day, +1)

    left_day = np.full(rep_count, -1, dtype=np.int64)
    leave_months = rng.integers(0, max(1, period.months - 1), len(leavers))
    left_day[leavers] = shift_to_weekday(
        month_starts[leave_months] + rng.integers(9, 25, len(leavers)), -1
    )

    first_day = np.where(unknown, EMPLOYED_SINCE_EVER, hired_day)
    last_day = np.where(left_day >= 0, left_day, EMPLOYED_FOREVER)
    hired_day = np.where(unknown, -1, hired_day)
    return hired_day, left_day, first_day, last_day


REP_FORMATS: dict[str, ColumnFormat] = {
    "hired_on": CalendarDate(),
    "left_on": CalendarDate(),
    "updated_at": UtcTimestamp(),
}


def reps_frame(company: Company) -> pd.DataFrame:
    teams = np.asarray(company.teams, dtype=object)[company.rep_team]
    return pd.DataFrame(
        {
            "rep_id": company.rep_ids,
            "rep_name": company.rep_names,
            "email": company.rep_emails,
            "team": teams,
            "manager_id": labels(company.rep_manager, company.rep_id_dtype),
            "region": company.template_of_rep("region"),
            "hired_on": pd.array(
                np.where(company.hired_day >= 0, company.hired_day, None), dtype="Int64"
            ),
            "left_on": pd.array(
                np.where(company.left_day >= 0, company.left_day, None), dtype="Int64"
            ),
            "updated_at": company.updated_at,
        }
    )


QUOTA_FORMATS: dict[str, ColumnFormat] = {
    "month": CalendarDate(),
    "quota_amount": Decimal(2),
}

# Quota rises towards the year end, when most B2B budgets are spent (index 0 = January).
SEASONAL_QUOTA_FACTOR = np.array([0.9, 0.9, 1.0, 1.0, 1.0, 1.05, 0.95, 0.95, 1.0, 1.05, 1.1, 1.15])


def quotas_frame(
    company: Company, rng: np.random.Generator, monthly_won_krw_by_team: np.ndarray
) -> pd.DataFrame:
    """Return one quota row per rep and month the rep was employed, with a few gaps.

    `monthly_won_krw_by_team` is each team's average won amount per employed rep-month, so
    quotas sit near what reps close. About 40 % of rep-months meet quota (seed 7, scale 1).
    """
    period = company.period
    month_starts = period.month_start_days
    rep_index, month_index = np.meshgrid(
        np.arange(company.rep_count), np.arange(period.months), indexing="ij"
    )
    rep_index = rep_index.ravel()
    month_index = month_index.ravel()
    employed = (company.first_day[rep_index] < month_starts[month_index + 1]) & (
        company.last_day[rep_index] >= month_starts[month_index]
    )
    rep_index = rep_index[employed]
    month_index = month_index[employed]

    keep = rng.random(len(rep_index)) >= MISSING_QUOTA_SHARE
    keep[rng.integers(0, len(keep))] = False
    rep_index = rep_index[keep]
    month_index = month_index[keep]

    calendar_month = (period.first_month.month - 1 + month_index) % 12
    team = company.rep_team[rep_index]
    base_krw = np.maximum(monthly_won_krw_by_team[team], 5e6)
    target_krw = base_krw * company.quota_factor[rep_index] * SEASONAL_QUOTA_FACTOR[calendar_month]
    currency = company.template_of_rep("quota_currency")[rep_index]
    rate = pd.Series(currency).map(APPROXIMATE_KRW_PER_UNIT).to_numpy(dtype=float)
    # Quotas are round numbers: whole millions of won, whole thousands of dollars.
    step = np.where(currency == "KRW", 1e6, 1e3)
    amount = np.maximum(np.round(target_krw / rate / step), 1) * step
    return pd.DataFrame(
        {
            "rep_id": labels(rep_index, company.rep_id_dtype),
            "month": month_starts[month_index],
            "quota_amount": amount,
            "currency": currency,
        }
    )
