"""Demand forecasting: daily series, China's calendar, baselines, a small LSTM, honest backtests.

torch is imported only by :mod:`mopkit.forecast.lstm` (lazily, when the LSTM is used).
"""
from .backtest import BacktestResult, ForecastResult, backtest, forecast_demand, rolling_origins
from .baselines import BASELINES, ETS, MovingAverage, SeasonalNaive, make_forecaster
from .calendar import CalendarCoverageWarning, calendar_features, festival_markers, holiday_flags
from .metrics import bias, mape, mase, score, wape
from .plots import plot_by_horizon, plot_forecast, plot_leaderboard
from .series import SeriesResult, check_series, daily_series, kpi_metric
from .text import findings, leaderboard_table, model_name
from .windows import LogLevelScaler, make_windows, training_origins

__all__ = [
    "BacktestResult", "ForecastResult", "backtest", "forecast_demand", "rolling_origins",
    "BASELINES", "ETS", "MovingAverage", "SeasonalNaive", "make_forecaster",
    "CalendarCoverageWarning", "calendar_features", "festival_markers", "holiday_flags",
    "bias", "mape", "mase", "score", "wape",
    "SeriesResult", "check_series", "daily_series", "kpi_metric",
    "findings", "leaderboard_table", "model_name", "plot_by_horizon", "plot_forecast", "plot_leaderboard",
    "LogLevelScaler", "make_windows", "training_origins",
]
