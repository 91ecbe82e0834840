"""Daily exchange rates to KRW, as a bank's reference-rate feed publishes them.

Rates exist for weekdays only, starting some weeks before the period, so a deal closed on
a weekend or holiday must use the latest earlier rate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.ingest.sample.period import Period, is_weekday
from orchestration.ingest.sample.writer import CalendarDate, ColumnFormat

# (currency, KRW per unit the walk reverts to, decimals published, daily volatility).
FX_SERIES: tuple[tuple[str, float, int, float], ...] = (
    ("USD", 1350.0, 2, 0.004),
    ("JPY", 9.1, 4, 0.005),
)
FX_LEAD_DAYS = 45
# Share of the gap to the centre the rate closes each day, keeping the walk near it.
MEAN_REVERSION = 0.03

FX_FORMATS: dict[str, ColumnFormat] = {"rate_date": CalendarDate()}


def fx_rates_frame(rng: np.random.Generator, period: Period) -> pd.DataFrame:
    days = np.arange(period.start_day - FX_LEAD_DAYS, period.end_day)
    days = days[is_weekday(days)]
    frames = []
    for currency, centre, decimals, volatility in FX_SERIES:
        shocks = rng.normal(0.0, volatility * centre, len(days))
        rates = np.empty(len(days))
        rate = centre * rng.uniform(0.98, 1.02)
        # A mean-reverting walk is a recurrence, so it loops over days (about 260 a year).
        for index, shock in enumerate(shocks):
            rate += MEAN_REVERSION * (centre - rate) + shock
            rates[index] = rate
        frames.append(
            pd.DataFrame(
                {
                    "currency": currency,
                    "rate_date": days,
                    "rate_to_reporting_currency": np.round(rates, decimals),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
