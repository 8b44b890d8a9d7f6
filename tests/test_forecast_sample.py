"""On the sample merchant the LSTM must beat seasonal naive: the weekday factors and festival
multipliers planted in ``truth["calendar"]`` are learnable from the calendar covariates."""
import numpy as np
import pandas as pd
import pytest

from mopkit.data.sample import generate_sample_merchant
from mopkit.forecast import backtest, calendar_features, daily_series, make_forecaster


@pytest.fixture(scope="module")
def sample_series():
    s = generate_sample_merchant(seed=2024)
    return s, daily_series(s.tables["orders"], "orders")


def test_series_shows_the_planted_weekday_pattern(sample_series):
    s, sr = sample_series
    f = sr.frame
    assert sr.n_filled == 0 and len(f) == 731  # two full years, every day has orders
    # planted factors (sample_calendar.WEEKDAY_FACTORS): Saturday is busier than Monday
    dow = f.groupby(pd.DatetimeIndex(f["date"]).day_of_week)["y"].mean()
    assert dow[5] > dow[0]


def test_lstm_beats_seasonal_naive_on_backtest_wape(sample_series):
    _, sr = sample_series
    y = sr.frame["y"].to_numpy()
    dates = pd.DatetimeIndex(sr.frame["date"])
    x = calendar_features(dates).to_numpy()
    models = {
        "seasonal_naive": lambda: make_forecaster("seasonal_naive"),
        "lstm": lambda: make_forecaster("lstm", horizon=14, epochs=40, seed=0),
    }
    # lean but honest: 2 rolling-origin folds of 14 days (the last four weeks, which include Double 12)
    bt = backtest(y, x, dates, models, horizon=14, folds=2)
    lb = bt.leaderboard.set_index("model")["wape"]
    assert bt.winner == "lstm"
    assert lb["lstm"] < 0.85 * lb["seasonal_naive"], lb.to_dict()
    assert np.isfinite(lb).all()
