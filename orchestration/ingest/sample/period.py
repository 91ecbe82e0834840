"""The generated period in Korea time: month boundaries, day numbers and working days.

Internally every date is a day number (days since 1970-01-01 in Korea time) and every
instant is UTC epoch seconds, so numpy can work on whole columns at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np

REPORTING_TIMEZONE = "Asia/Seoul"
REPORTING_CURRENCY = "KRW"

# Asia/Seoul has been UTC+9 without daylight saving time since 1988, so a fixed offset
# converts between Korea time and UTC for every date this generator writes.
KST_OFFSET_SECONDS = 9 * 3600
SECONDS_PER_DAY = 86_400
EPOCH = date(1970, 1, 1)

_MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


def day_number(day: date) -> int:
    return (day - EPOCH).days


def date_of(number: int) -> date:
    return date.fromordinal(EPOCH.toordinal() + int(number))


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def is_weekday(days: np.ndarray) -> np.ndarray:
    """Return True for Monday to Friday. Day 0, 1970-01-01, was a Thursday."""
    return (days + 3) % 7 < 5


def shift_to_weekday(days: np.ndarray, direction: int) -> np.ndarray:
    """Move Saturdays and Sundays to the next (+1) or previous (-1) weekday."""
    shifted = np.array(days, dtype=np.int64)
    for _ in range(2):
        shifted[~is_weekday(shifted)] += direction
    return shifted


def utc_seconds(days: np.ndarray, local_seconds_of_day: np.ndarray) -> np.ndarray:
    """Convert Korea-time day numbers and seconds after local midnight to UTC epoch seconds."""
    return days.astype(np.int64) * SECONDS_PER_DAY + local_seconds_of_day - KST_OFFSET_SECONDS


def local_days(instants: np.ndarray) -> np.ndarray:
    """Return the Korea-time day number of UTC epoch seconds."""
    return (instants + KST_OFFSET_SECONDS) // SECONDS_PER_DAY


@dataclass(frozen=True)
class Period:
    """Whole calendar months in Korea time, from `first_month` for `months` months."""

    first_month: date
    months: int

    @classmethod
    def parse(cls, start_month: str, months: int) -> Period:
        match = _MONTH_PATTERN.match(start_month)
        if match is None or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(
                f"Invalid start month {start_month!r}: use YYYY-MM, for example '2025-01'."
            )
        if months < 1:
            raise ValueError(f"Invalid month count {months}: generate at least 1 month.")
        return cls(date(int(match.group(1)), int(match.group(2)), 1), months)

    @property
    def last_month(self) -> date:
        return add_months(self.first_month, self.months - 1)

    @property
    def month_start_days(self) -> np.ndarray:
        """Day numbers of each month's first day, plus the day after the period (months + 1)."""
        return np.array(
            [day_number(add_months(self.first_month, index)) for index in range(self.months + 1)],
            dtype=np.int64,
        )

    @property
    def start_day(self) -> int:
        return day_number(self.first_month)

    @property
    def end_day(self) -> int:
        """The day after the last day of the period (exclusive bound)."""
        return day_number(add_months(self.first_month, self.months))

    @property
    def start_utc(self) -> int:
        return self.start_day * SECONDS_PER_DAY - KST_OFFSET_SECONDS

    @property
    def end_utc(self) -> int:
        """Midnight Korea time after the last day, in UTC epoch seconds (exclusive bound)."""
        return self.end_day * SECONDS_PER_DAY - KST_OFFSET_SECONDS

    def month_index(self, days: np.ndarray) -> np.ndarray:
        """Return the 0-based month of each day number, -1 before the period, `months` after."""
        return np.searchsorted(self.month_start_days, days, side="right") - 1
