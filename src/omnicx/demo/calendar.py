"""The retail calendar: daily seasonality per channel and category, UK time, time sampling."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from omnicx.demo.vocab import CATEGORIES

DAY = 86_400
_EPOCH = dt.date(1970, 1, 1)

# Monday .. Sunday
_WEEKLY_STORE = np.array([0.80, 0.80, 0.85, 0.95, 1.10, 1.55, 1.00])
_WEEKLY_ONLINE = np.array([1.10, 1.00, 1.00, 0.98, 0.90, 0.90, 1.15])
# Local hour of day; stores open 9-20 (Sunday 10-16).
_HOURS_WEB = np.array(
    [0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.0, 1.3, 1.3, 1.4, 1.5]
    + [1.8, 1.6, 1.4, 1.3, 1.4, 1.6, 1.9, 2.3, 2.6, 2.4, 1.6, 0.8]
)
_HOURS_APP = np.array(
    [0.4, 0.2, 0.1, 0.1, 0.1, 0.3, 0.8, 1.4, 1.2, 1.0, 1.0, 1.1]
    + [1.5, 1.3, 1.1, 1.1, 1.3, 1.6, 2.0, 2.4, 2.8, 2.7, 1.9, 1.0]
)
_HOURS_STORE = np.array(
    [0.0] * 9 + [0.5, 0.8, 1.0, 1.4, 1.5, 1.3, 1.2, 1.2, 1.4, 1.3, 0.8] + [0.0] * 4
)
_HOURS_STORE_SUNDAY = np.array([0.0] * 10 + [0.8, 1.2, 1.4, 1.4, 1.3, 1.0] + [0.0] * 8)
HOURS = {"web": _HOURS_WEB, "app": _HOURS_APP, "store": _HOURS_STORE}


def black_friday(year: int) -> dt.date:
    """The fourth Friday of November."""
    first = dt.date(year, 11, 1)
    return first + dt.timedelta(days=(4 - first.weekday()) % 7 + 21)


def _last_sunday(year: int, month: int) -> dt.date:
    last = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() + 1) % 7)


def _bump(doy: np.ndarray, centre: float, width: float) -> np.ndarray:
    distance = np.abs(doy - centre)
    distance = np.minimum(distance, 365.25 - distance)  # the year wraps around
    return np.exp(-0.5 * (distance / width) ** 2)


@dataclass(frozen=True)
class Calendar:
    """Per-day factors for the simulated period (index 0 is the start date)."""

    start: dt.date
    days: int
    t0: int  # epoch seconds of the start date, 00:00 UTC
    epoch_day0: int  # days since 1970-01-01 of the start date
    weekday: np.ndarray  # 0 = Monday
    online: np.ndarray  # demand factor per day, mean 1 over the period
    store: np.ndarray  # store traffic factor per day, mean 1 over the period (0 = closed)
    category: np.ndarray  # (categories, days) relative category demand
    utc_offset: np.ndarray  # seconds; 3600 during British Summer Time
    peak: np.ndarray  # bool: the Black Friday to Christmas rush

    @property
    def n_weeks(self) -> int:
        return (self.days + 6) // 7

    @property
    def end(self) -> int:
        return self.t0 + self.days * DAY

    def week_category(self) -> np.ndarray:
        """Mean category factor per week, shape (categories, weeks)."""
        weeks = np.arange(self.days) // 7
        sums = np.zeros((self.category.shape[0], self.n_weeks))
        np.add.at(sums.T, weeks, self.category.T)
        return sums / np.bincount(weeks, minlength=self.n_weeks)

    def cumulative(self, factor: np.ndarray) -> np.ndarray:
        """Cumulative factor at each day boundary (length days + 1), for rates and sampling."""
        return np.concatenate([[0.0], np.cumsum(factor)])

    def day_of(self, seconds: np.ndarray) -> np.ndarray:
        """Day index (UTC) of epoch seconds."""
        return (np.asarray(seconds) - self.t0) // DAY

    def sample_times(
        self,
        rng: np.random.Generator,
        channel: str,
        lo_day: np.ndarray,
        hi_day: np.ndarray,
    ) -> np.ndarray:
        """One time per row in [lo_day, hi_day), following the channel's day and hour profile."""
        factor = self.store if channel == "store" else self.online
        cum = self.cumulative(factor)
        lo = cum[np.clip(lo_day, 0, self.days)]
        hi = cum[np.clip(hi_day, 0, self.days)]
        u = lo + rng.random(len(lo)) * (hi - lo)
        day = np.clip(np.searchsorted(cum, u, side="right") - 1, 0, self.days - 1)
        return self.times_on_days(rng, channel, day)

    def times_on_days(self, rng: np.random.Generator, channel: str, day: np.ndarray) -> np.ndarray:
        """A local time of day from the channel's hour profile, on the given days, as UTC."""
        hours = HOURS[channel]
        hour = _sample(rng, hours, len(day))
        if channel == "store":
            sunday = self.weekday[day] == 6
            hour[sunday] = _sample(rng, _HOURS_STORE_SUNDAY, int(sunday.sum()))
        local = hour * 3600 + rng.integers(0, 3600, len(day))
        utc = self.t0 + day.astype(np.int64) * DAY + local - self.utc_offset[day]
        return np.clip(utc, self.t0, self.end - 1)  # summer time shifts the first hour early


def _sample(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    cum = np.cumsum(weights) / weights.sum()
    return np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(weights) - 1)


def build_calendar(start: dt.date, days: int) -> Calendar:
    """Seasonality of the period: weekly rhythm, winter peak, Black Friday, Christmas, sales."""
    dates = [start + dt.timedelta(days=i) for i in range(days)]
    weekday = np.array([d.weekday() for d in dates])
    doy = np.array([d.timetuple().tm_yday for d in dates], dtype=np.float64)
    online = _WEEKLY_ONLINE[weekday] * (1 + 0.08 * np.cos(2 * np.pi * (doy - 355) / 365.25))
    store = _WEEKLY_STORE[weekday] * (1 + 0.06 * np.cos(2 * np.pi * (doy - 355) / 365.25))
    online *= 1 - 0.1 * _bump(doy, 205, 25)  # summer holidays
    store *= 1 - 0.05 * _bump(doy, 205, 25)
    peak = np.zeros(days, dtype=bool)
    for year in sorted({d.year for d in dates}):
        events = _events(year)
        for i, d in enumerate(dates):
            if d in events:
                online[i] *= events[d][0]
                store[i] *= events[d][1]
        bf = black_friday(year)
        peak |= np.array([bf - dt.timedelta(days=7) <= d <= dt.date(year, 12, 24) for d in dates])
    category = np.ones((len(CATEGORIES), days))
    for c, (*_, bumps) in enumerate(CATEGORIES):
        for centre, width, amplitude in bumps:
            category[c] += amplitude * _bump(doy, centre, width)
    bst = np.zeros(days, dtype=np.int64)
    for year in sorted({d.year for d in dates}):
        on, off = _last_sunday(year, 3), _last_sunday(year, 10)
        bst += np.array([3600 if on <= d < off else 0 for d in dates], dtype=np.int64)
    return Calendar(
        start=start,
        days=days,
        t0=(start - _EPOCH).days * DAY,
        epoch_day0=(start - _EPOCH).days,
        weekday=weekday,
        online=online / online.mean(),
        store=store / store.mean(),
        category=category,
        utc_offset=bst,
        peak=peak,
    )


def _events(year: int) -> dict[dt.date, tuple[float, float]]:
    """Dated multipliers (online, store) for the retail events of one year."""
    bf = black_friday(year)
    d = dt.date
    events: dict[dt.date, tuple[float, float]] = {}
    for i in range(4):  # the week before Black Friday warms up
        events[bf - dt.timedelta(days=4 - i)] = (1.3, 1.1)
    events[bf] = (3.2, 2.2)
    events[bf + dt.timedelta(days=1)] = (1.8, 1.6)
    events[bf + dt.timedelta(days=2)] = (1.6, 1.3)
    events[bf + dt.timedelta(days=3)] = (2.6, 1.1)  # Cyber Monday
    for day in range(1, 24):  # Christmas shopping builds up; last posting date ~18th
        ramp = (day - 1) / 22
        online = 1 + 0.5 * ramp if day <= 18 else 0.9
        events[d(year, 12, day)] = (online, 1 + 0.7 * ramp)
    events[d(year, 12, 24)] = (0.6, 1.4)
    events[d(year, 12, 25)] = (0.5, 0.0)  # stores closed
    events[d(year, 12, 26)] = (2.2, 2.0)  # Boxing Day sales
    for day in range(27, 32):
        events[d(year, 12, day)] = (1.3, 1.3)
    events[d(year, 1, 1)] = (1.4, 0.3)
    for day in range(2, 15):  # January sales fade out
        boost = 1 + 0.35 * (15 - day) / 13
        events[d(year, 1, day)] = (boost, boost)
    for day in range(15, 32):
        events[d(year, 1, day)] = (0.85, 0.85)
    return events
