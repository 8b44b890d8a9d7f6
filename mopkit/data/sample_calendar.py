"""Calendar of the sample merchant: daily and hourly purchase intensity, and the time warp.

The sample merchant's purchases follow a BG/NBD process in *operational time* (Fader, Hardie &
Lee 2005, "Counting your customers the easy way", Marketing Science 24(2)). Operational time is
mapped to calendar time through the inverse of the cumulative intensity
``Lambda(t) = integral of m(day) * h(hour)``, where ``m`` is a daily multiplier (weekday factor
times festival factors, normalised to mean 1 over the window) and ``h`` an hour-of-day profile
(mean 1 over 24 hours). Because the mean of ``m`` is 1, one operational day is one calendar day on
average, so the BG/NBD parameters stay (approximately) recoverable in calendar days while the data
show a weekly pattern, festival peaks and a Spring Festival dip.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

#: Weekday factors, Monday..Sunday (sum 7, mean 1).
WEEKDAY_FACTORS = (0.90, 0.93, 0.95, 0.97, 1.03, 1.12, 1.10)

#: Hour-of-day profile before normalisation (evening peak, lunch bump, night trough).
_HOUR_RAW = (0.35, 0.20, 0.12, 0.08, 0.07, 0.10, 0.25, 0.50, 0.80, 1.00, 1.10, 1.20,
             1.30, 1.10, 1.00, 1.00, 1.05, 1.10, 1.20, 1.40, 1.80, 2.10, 1.90, 1.00)

#: Lunar New Year's Day (Spring Festival) by year.
SPRING_FESTIVAL = {2022: "2022-02-01", 2023: "2023-01-22", 2024: "2024-02-10", 2025: "2025-01-29",
                   2026: "2026-02-17", 2027: "2027-02-06"}

#: Festival windows as (name, start "MM-DD", end "MM-DD", multiplicative factor); inclusive.
FESTIVAL_TEMPLATE = (
    ("3.8 女王节 预热", "03-01", "03-07", 1.30),
    ("3.8 女王节", "03-08", "03-08", 1.80),
    ("618 预售", "06-01", "06-15", 1.35),
    ("618 冲刺", "06-16", "06-17", 1.60),
    ("618", "06-18", "06-18", 2.60),
    ("双11 预售", "10-20", "11-09", 1.30),
    ("双11 冲刺", "11-10", "11-10", 1.60),
    ("双11", "11-11", "11-11", 3.20),
    ("双12 预热", "12-10", "12-11", 1.30),
    ("双12", "12-12", "12-12", 1.90),
)
#: Spring Festival dip: days before/after Lunar New Year's Day and its factor.
SPRING_DIP = (-5, 7, 0.55)


def hour_factors() -> np.ndarray:
    """The 24 hour-of-day factors (mean 1)."""
    h = np.asarray(_HOUR_RAW, dtype=float)
    return h / h.mean()


def festival_windows(start: str, end: str) -> list[dict]:
    """Festival and Spring Festival windows that touch ``[start, end]``.

    Returns a list of ``{"name", "start", "end", "factor"}`` with ISO dates.
    """
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    out = []
    for year in range(s.year, e.year + 1):
        for name, a, b, f in FESTIVAL_TEMPLATE:
            out.append({"name": f"{year} {name}", "start": f"{year}-{a}", "end": f"{year}-{b}", "factor": f})
        if year in SPRING_FESTIVAL:
            d = pd.Timestamp(SPRING_FESTIVAL[year])
            lo, hi, f = SPRING_DIP
            out.append({"name": f"{year} 春节", "start": (d + pd.Timedelta(days=lo)).date().isoformat(),
                        "end": (d + pd.Timedelta(days=hi)).date().isoformat(), "factor": f})
    return [w for w in out if pd.Timestamp(w["end"]) >= s and pd.Timestamp(w["start"]) <= e]


def daily_multipliers(start: str, end: str) -> tuple[pd.DatetimeIndex, np.ndarray, dict]:
    """Daily intensity multipliers over ``[start, end]`` normalised to mean 1.

    Returns
    -------
    days : DatetimeIndex of every day in the window.
    mult : float array, ``weekday_factor * product(festival factors) / normaliser``.
    info : JSON-able description (weekday factors, windows, normaliser).
    """
    days = pd.date_range(start, end, freq="D")
    wk = np.asarray(WEEKDAY_FACTORS)[days.day_of_week]
    fest = np.ones(len(days))
    windows = festival_windows(start, end)
    for w in windows:
        mask = (days >= pd.Timestamp(w["start"])) & (days <= pd.Timestamp(w["end"]))
        fest[mask] *= w["factor"]
    raw = wk * fest
    norm = float(raw.mean())
    info = {
        "weekday_factors": dict(zip(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], WEEKDAY_FACTORS)),
        "festival_windows": windows,
        "normaliser": norm,
        "hour_factors": [round(float(x), 6) for x in hour_factors()],
        "formula": "daily multiplier = weekday_factor * product(factor of every window containing the day) / normaliser; "
                   "hourly intensity = daily multiplier * hour_factor[hour]",
    }
    return days, raw / norm, info


class TimeWarp:
    """Map between calendar time and operational time (both in days since ``start``).

    The intensity is piecewise constant per hour: ``m[day] * h[hour]``.
    """

    def __init__(self, mult: np.ndarray):
        rate = (np.asarray(mult)[:, None] * hour_factors()[None, :]).ravel()  # per hour, [D*24]
        self.rate = rate
        self.cum = np.concatenate([[0.0], np.cumsum(rate / 24.0)])  # operational days at hour edges
        self.total = float(self.cum[-1])

    def to_calendar(self, u: np.ndarray) -> np.ndarray:
        """Operational days -> calendar days since start (float)."""
        u = np.clip(np.asarray(u, dtype=float), 0.0, self.total)
        k = np.clip(np.searchsorted(self.cum, u, side="right") - 1, 0, len(self.rate) - 1)
        return (k + (u - self.cum[k]) * 24.0 / self.rate[k]) / 24.0

    def to_operational(self, t: np.ndarray) -> np.ndarray:
        """Calendar days since start -> operational days."""
        hours = np.clip(np.asarray(t, dtype=float) * 24.0, 0.0, len(self.rate))
        k = np.clip(np.floor(hours).astype(int), 0, len(self.rate) - 1)
        return self.cum[k] + (hours - k) * self.rate[k] / 24.0


def to_timestamps(start: str, days: np.ndarray) -> pd.DatetimeIndex:
    """Calendar days since ``start`` -> timestamps rounded down to the second."""
    secs = np.floor(np.asarray(days, dtype=float) * 86400.0).astype("int64")
    return pd.Timestamp(start) + pd.to_timedelta(secs, unit="s")


def window_days(start: str, end: str) -> int:
    """Number of days in the inclusive window."""
    return (dt.date.fromisoformat(str(end)[:10]) - dt.date.fromisoformat(str(start)[:10])).days + 1
