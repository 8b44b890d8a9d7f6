"""Baseline regressors: trend, weekday, yearly Fourier terms and China's calendar.

The calendar columns come from :func:`mopkit.forecast.calendar.calendar_features` (statutory
holidays and make-up workdays, Spring Festival, 3·8 / 618 / Double 11 / Double 12 windows).
Yearly seasonality uses Fourier pairs (Harvey 1990; as in Prophet, Taylor & Letham 2018).
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..forecast.calendar import FESTIVALS, CalendarCoverageWarning, calendar_features

CALENDAR_COLUMNS = ("holiday", "makeup_workday", "spring_festival", "presale", "festival_main", "festival_peak",
                    *(f"fest_{f.key}" for f in FESTIVALS))


def baseline_design(dates, *, yearly_order: int = 3, promotions=None) -> pd.DataFrame:
    """Design matrix of the baseline: ``intercept, trend, dow_1..dow_6, sin/cos_k, calendar flags``.

    ``trend`` runs 0..1 over the dates. Columns that never vary (e.g. no festival in a short
    window) are dropped. Dates past the official holiday schedule fall back as the forecast
    calendar does (its coverage warning is turned into a note by the caller, not silenced).
    """
    idx = pd.DatetimeIndex(pd.to_datetime(dates)).normalize()
    n = len(idx)
    out = pd.DataFrame(index=idx)
    out["intercept"] = 1.0
    out["trend"] = np.arange(n) / max(n - 1, 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CalendarCoverageWarning)
        cal = calendar_features(idx, promotions=promotions)
    out.attrs["calendar_notes"] = [str(w.message) for w in caught if issubclass(w.category, CalendarCoverageWarning)]
    for i in range(1, 7):
        out[f"dow_{i}"] = cal[f"dow_{i}"].to_numpy()
    doy = 2 * np.pi * idx.day_of_year.to_numpy() / 365.25
    if n >= 365:  # a yearly cycle is only estimable from a year of data
        for k in range(1, yearly_order + 1):
            out[f"sin_{k}"] = np.sin(k * doy)
            out[f"cos_{k}"] = np.cos(k * doy)
    for c in CALENDAR_COLUMNS + (("promotion",) if promotions else ()):
        out[c] = cal[c].to_numpy()
    keep = [c for c in out.columns if c == "intercept" or out[c].std() > 0]
    res = out[keep]
    res.attrs = out.attrs
    return res
