"""China's calendar as forecast inputs and chart markers.

* Statutory holidays and make-up workdays (调休) from ``chinese_calendar`` (State Council
  schedules, updated yearly). Dates past its coverage fall back to the ``holidays`` package
  (holidays estimated from the lunar calendar, no make-up workdays) and then to plain weekends,
  each time with a :class:`CalendarCoverageWarning` naming the dates.
* E-commerce festivals with their pre-sale windows (:data:`FESTIVALS`): 3·8 (女王节),
  618, Double 11 (双11) and Double 12 (双12).
* Client promotions from the config: ``[{name, start, end}, ...]``.

The festival windows follow the platforms' usual schedule (Tmall/JD pre-sale for 618 from about
20 May and for Double 11 from about 20 October); a client whose platform ran different dates in
a year should list them as promotions.
"""
from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from ..errors import ConfigError

__all__ = [
    "CalendarCoverageWarning",
    "Festival",
    "FESTIVALS",
    "calendar_features",
    "festival_markers",
    "holiday_flags",
    "parse_promotions",
    "FEATURE_NAMES",
]


class CalendarCoverageWarning(UserWarning):
    """Some dates lie past the official holiday schedule the installed packages know."""


@dataclass(frozen=True)
class Festival:
    """An e-commerce festival: optional pre-sale window, main window, peak day (month, day)."""

    key: str
    name_zh: str
    name_en: str
    main: tuple[tuple[int, int], tuple[int, int]]
    peak: tuple[int, int]
    presale: tuple[tuple[int, int], tuple[int, int]] | None = None

    def windows(self, year: int) -> dict[str, tuple[dt.date, dt.date]]:
        out = {"main": (dt.date(year, *self.main[0]), dt.date(year, *self.main[1]))}
        if self.presale:
            out["presale"] = (dt.date(year, *self.presale[0]), dt.date(year, *self.presale[1]))
        return out


FESTIVALS: tuple[Festival, ...] = (
    Festival("women_day", "3·8 女王节", "3·8 Women's Day", ((3, 1), (3, 8)), (3, 8)),
    Festival("f618", "618", "618", ((6, 1), (6, 18)), (6, 18), presale=((5, 20), (5, 31))),
    Festival("double11", "双11", "Double 11", ((11, 1), (11, 11)), (11, 11), presale=((10, 20), (10, 31))),
    Festival("double12", "双12", "Double 12", ((12, 8), (12, 12)), (12, 12)),
)

FEATURE_NAMES: tuple[str, ...] = (
    *(f"dow_{i}" for i in range(7)),
    "offday",  # statutory holiday, or weekend that is not a make-up workday
    "holiday",
    "makeup_workday",
    "spring_festival",  # 10 days before to 7 days after Chinese New Year (logistics pause)
    *(f"fest_{f.key}" for f in FESTIVALS),
    "presale",
    "festival_main",
    "festival_peak",
    "festival_phase",  # 0..1 position inside the festival window (pre-sale + main)
    "promotion",
)


def _cc_years() -> tuple[int, int]:
    import chinese_calendar as cc

    years = [d.year for d in cc.constants.holidays]
    return min(years), max(years)


def holiday_flags(dates: Sequence[dt.date] | pd.DatetimeIndex, *, warn: bool = True) -> pd.DataFrame:
    """Holiday, make-up workday and off-day flags for each date.

    Returns
    -------
    DataFrame indexed by the dates with int columns ``holiday``, ``makeup_workday``, ``offday``
    and a string column ``source`` (``chinese_calendar`` | ``holidays`` | ``weekend_only``).

    Warns
    -----
    CalendarCoverageWarning
        For dates past ``chinese_calendar``'s coverage (the message gives the range and the fix).
    """
    idx = pd.DatetimeIndex(pd.to_datetime(dates)).normalize()
    days = [d.date() for d in idx]
    hol = np.zeros(len(days), dtype=int)
    mk = np.zeros(len(days), dtype=int)
    src = np.array(["weekend_only"] * len(days), dtype=object)
    lo, hi = _cc_years()
    import chinese_calendar as cc

    outside = []
    for i, d in enumerate(days):
        if lo <= d.year <= hi:
            hol[i] = int(d in cc.constants.holidays)
            mk[i] = int(d in cc.constants.workdays)
            src[i] = "chinese_calendar"
        else:
            outside.append(i)
    if outside:
        years = sorted({days[i].year for i in outside})
        try:
            import holidays as hpkg

            cn = hpkg.country_holidays("CN", years=years)
            extra = set(getattr(cn, "weekend_workdays", ()) or ())
            for i in outside:
                hol[i] = int(days[i] in cn)
                mk[i] = int(days[i] in extra)
                src[i] = "holidays"
            how = "the `holidays` package's estimate (no make-up workdays unless it lists them)"
        except (ImportError, NotImplementedError, KeyError):  # pragma: no cover - holidays is a declared dependency
            how = "weekends only"
        if warn:
            first, last = days[outside[0]], days[outside[-1]]
            warnings.warn(
                f"chinese_calendar covers {lo}-{hi}; {len(outside)} date(s) from {first} to {last} use {how}. "
                "Update the chinese-calendar package when the State Council publishes the schedule.",
                CalendarCoverageWarning,
                stacklevel=2,
            )
    weekend = idx.day_of_week.to_numpy() >= 5
    off = ((hol == 1) | (weekend & (mk == 0))).astype(int)
    return pd.DataFrame({"holiday": hol, "makeup_workday": mk, "offday": off, "source": src}, index=idx)


def parse_promotions(promotions: Iterable[Any] | None) -> list[tuple[str, dt.date, dt.date]]:
    """Validate client promotions ``[{name, start, end}, ...]`` (e.g. from the config).

    Raises
    ------
    ConfigError
        An entry lacks a name/start/end, a date does not parse, or start is after end.
    """
    out = []
    for i, p in enumerate(promotions or []):
        if not isinstance(p, dict) or not {"name", "start", "end"} <= set(p):
            raise ConfigError(
                f"promotion #{i + 1} must have name, start and end",
                column="notebooks.forecast.promotions",
                examples=[repr(p)],
                fix="write e.g. {name: 会员日, start: 2025-08-08, end: 2025-08-10}",
            )
        try:
            s, e = pd.Timestamp(p["start"]).date(), pd.Timestamp(p["end"]).date()
        except (ValueError, TypeError):
            raise ConfigError(
                f"promotion {p['name']!r} has a date that does not parse",
                column="notebooks.forecast.promotions",
                examples=[repr(p)],
                fix="write dates as YYYY-MM-DD",
            ) from None
        if s > e:
            raise ConfigError(
                f"promotion {p['name']!r} starts after it ends",
                column="notebooks.forecast.promotions",
                examples=[repr(p)],
                fix="swap start and end",
            )
        out.append((str(p["name"]), s, e))
    return out


def _cny(year: int) -> dt.date | None:
    import holidays as hpkg

    for d, name in sorted(hpkg.country_holidays("CN", years=year).items()):
        if name.startswith("Chinese New Year (Spring Festival)"):
            return d
    return None


def calendar_features(
    dates: Sequence[dt.date] | pd.DatetimeIndex,
    *,
    promotions: Iterable[Any] | None = None,
    warn: bool = True,
) -> pd.DataFrame:
    """Model covariates for each date (known in advance, so usable over the forecast horizon).

    Returns
    -------
    DataFrame indexed by date with the float columns :data:`FEATURE_NAMES` (0/1 flags, and
    ``festival_phase`` in 0..1).

    Warns
    -----
    CalendarCoverageWarning
        See :func:`holiday_flags`.
    """
    idx = pd.DatetimeIndex(pd.to_datetime(dates)).normalize()
    out = pd.DataFrame(0.0, index=idx, columns=list(FEATURE_NAMES))
    dow = idx.day_of_week.to_numpy()
    for i in range(7):
        out[f"dow_{i}"] = (dow == i).astype(float)
    hf = holiday_flags(idx, warn=warn)
    for c in ("holiday", "makeup_workday", "offday"):
        out[c] = hf[c].to_numpy(dtype=float)
    if len(idx) == 0:
        return out
    years = range(idx.min().year - 1, idx.max().year + 2)
    for y in years:
        cny = _cny(y)
        if cny is not None:
            m = (idx >= pd.Timestamp(cny) - pd.Timedelta(days=10)) & (idx <= pd.Timestamp(cny) + pd.Timedelta(days=7))
            out.loc[m, "spring_festival"] = 1.0
        for f in FESTIVALS:
            w = f.windows(y)
            start = w.get("presale", w["main"])[0]
            end = w["main"][1]
            in_all = (idx >= pd.Timestamp(start)) & (idx <= pd.Timestamp(end))
            if not in_all.any():
                continue
            out.loc[in_all, f"fest_{f.key}"] = 1.0
            span = max((end - start).days, 1)
            out.loc[in_all, "festival_phase"] = (idx[in_all] - pd.Timestamp(start)).days / span
            if "presale" in w:
                ps = (idx >= pd.Timestamp(w["presale"][0])) & (idx <= pd.Timestamp(w["presale"][1]))
                out.loc[ps, "presale"] = 1.0
            mm = (idx >= pd.Timestamp(w["main"][0])) & (idx <= pd.Timestamp(w["main"][1]))
            out.loc[mm, "festival_main"] = 1.0
            out.loc[idx == pd.Timestamp(dt.date(y, *f.peak)), "festival_peak"] = 1.0
    for _, s, e in parse_promotions(promotions):
        out.loc[(idx >= pd.Timestamp(s)) & (idx <= pd.Timestamp(e)), "promotion"] = 1.0
    return out


def festival_markers(
    start, end, *, promotions: Iterable[Any] | None = None, lang: str = "zh"
) -> pd.DataFrame:
    """Festival and promotion windows overlapping ``[start, end]`` for chart markers.

    Returns
    -------
    DataFrame with columns ``name``, ``kind`` (festival | promotion), ``start``, ``end``
    (pre-sale included) and ``peak`` (NaT for promotions), sorted by start.
    """
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    rows = []
    for y in range(s.year, e.year + 1):
        for f in FESTIVALS:
            w = f.windows(y)
            ws, we = pd.Timestamp(w.get("presale", w["main"])[0]), pd.Timestamp(w["main"][1])
            if we >= s and ws <= e:
                rows.append((f.name_zh if lang == "zh" else f.name_en, "festival", ws, we, pd.Timestamp(dt.date(y, *f.peak))))
    for name, ps, pe in parse_promotions(promotions):
        if pd.Timestamp(pe) >= s and pd.Timestamp(ps) <= e:
            rows.append((name, "promotion", pd.Timestamp(ps), pd.Timestamp(pe), pd.NaT))
    df = pd.DataFrame(rows, columns=["name", "kind", "start", "end", "peak"])
    return df.sort_values("start", ignore_index=True)
