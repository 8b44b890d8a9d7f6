"""Demand forecasting: daily series, China's calendar, baselines, a small LSTM, honest backtests.

torch is imported only by :mod:`mopkit.forecast.lstm` (lazily, when the LSTM is used).
"""
from .backtest import BacktestResult, ForecastResult, backtest, forecast_demand, rolling_origins
from .baselines import BASELINES, ETS, MovingAverage, SeasonalNaive, make_forecaster
from .calendar import CalendarCoverageWarning, calendar_features, festival_markers, holiday_flags
from .metrics import bias, mape, mase, score, wape
from .series import SeriesResult, check_series, daily_series
from .windows import LogLevelScaler, make_windows, training_origins

__all__ = [
    "BacktestResult", "ForecastResult", "backtest", "forecast_demand", "rolling_origins",
    "BASELINES", "ETS", "MovingAverage", "SeasonalNaive", "make_forecaster",
    "CalendarCoverageWarning", "calendar_features", "festival_markers", "holiday_flags",
    "bias", "mape", "mase", "score", "wape",
    "SeriesResult", "check_series", "daily_series",
    "LogLevelScaler", "make_windows", "training_origins",
]
