"""China calendar features against the State Council schedule, festivals, coverage warning."""
import warnings

import pandas as pd
import pytest

from mopkit.errors import ConfigError
from mopkit.forecast.calendar import CalendarCoverageWarning, calendar_features, festival_markers, holiday_flags


def test_national_day_2024_and_make_up_workdays():
    # State Council notice for 2024: 1-7 Oct off; Sun 29 Sep and Sat 12 Oct are working days
    f = holiday_flags(pd.date_range("2024-09-28", "2024-10-13"))
    assert f.loc["2024-10-01":"2024-10-07", "holiday"].eq(1).all()
    assert f.loc["2024-09-29", "makeup_workday"] == 1 and f.loc["2024-09-29", "offday"] == 0
    assert f.loc["2024-10-12", "makeup_workday"] == 1 and f.loc["2024-10-12", "offday"] == 0
    assert f.loc["2024-10-13", "offday"] == 1  # ordinary Sunday
    assert (f["source"] == "chinese_calendar").all()


def test_festival_flags_and_phase():
    f = calendar_features(pd.date_range("2025-10-15", "2025-12-15"))
    assert f.loc["2025-11-11", "festival_peak"] == 1 and f.loc["2025-11-11", "fest_double11"] == 1
    assert f.loc["2025-10-25", "presale"] == 1 and f.loc["2025-10-25", "festival_main"] == 0
    assert f.loc["2025-11-05", "festival_main"] == 1
    assert f.loc["2025-10-19", "fest_double11"] == 0
    assert f.loc["2025-10-20", "festival_phase"] == 0 and f.loc["2025-11-11", "festival_phase"] == 1
    assert f.loc["2025-12-12", "fest_double12"] == 1
    dow = f.filter(like="dow_")
    assert (dow.sum(axis=1) == 1).all() and f.loc["2025-11-11", "dow_1"] == 1  # 11.11.2025 is a Tuesday


def test_spring_festival_window_and_promotions():
    promos = [{"name": "会员日", "start": "2025-08-08", "end": "2025-08-10"}]
    f = calendar_features(pd.date_range("2025-01-01", "2025-08-31"), promotions=promos)
    assert f.loc["2025-01-29", "spring_festival"] == 1  # Lunar New Year 2025
    assert f.loc["2025-03-01", "spring_festival"] == 0
    assert f["promotion"].sum() == 3
    m = festival_markers("2025-07-01", "2025-12-31", promotions=promos, lang="en")
    assert list(m["name"]) == ["会员日", "Double 11", "Double 12"]


def test_bad_promotion_is_a_config_error():
    with pytest.raises(ConfigError, match="starts after it ends"):
        calendar_features(pd.date_range("2025-01-01", periods=3), promotions=[{"name": "x", "start": "2025-02-02", "end": "2025-02-01"}])
    with pytest.raises(ConfigError, match="name, start and end"):
        calendar_features(pd.date_range("2025-01-01", periods=3), promotions=[{"name": "x"}])


def test_dates_past_coverage_warn_and_fall_back():
    import chinese_calendar as cc

    last = max(d.year for d in cc.constants.holidays)
    days = pd.date_range(f"{last + 1}-01-01", periods=10)
    with pytest.warns(CalendarCoverageWarning, match="chinese_calendar covers"):
        f = holiday_flags(days)
    assert (f["source"] == "holidays").all()
    assert f.loc[f"{last + 1}-01-01", "holiday"] == 1  # New Year's Day, from the holidays package
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        holiday_flags(days, warn=False)  # the warning can be switched off by the caller
