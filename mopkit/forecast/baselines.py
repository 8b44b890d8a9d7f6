"""The simple rules a merchant would use anyway, with the forecaster interface.

Every forecaster (these and :class:`mopkit.forecast.lstm.LSTMForecaster`) has

``fit(y, x=None) -> self``       y: history ``[T]``, x: its calendar covariates ``[T, F]``
``predict(x_future=None, horizon=None) -> ndarray [H]``  x_future: covariates of the next H days

Baselines ignore the covariates. Look one up by name with :func:`make_forecaster`.

References
----------
Hyndman, R. J. & Athanasopoulos, G. (2021). Forecasting: Principles and Practice, 3rd ed.,
sections 5.2 (simple methods) and 8 (exponential smoothing). OTexts.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..errors import ModelError, NotFittedError
from ..registry import lookup

__all__ = ["SeasonalNaive", "MovingAverage", "ETS", "BASELINES", "make_forecaster"]


def _horizon(x_future, horizon) -> int:
    if horizon is not None:
        return int(horizon)
    if x_future is None:
        raise ValueError("give x_future or horizon")
    return int(np.asarray(x_future).shape[0])


class _Base:
    name = "base"

    def _check(self):
        if not hasattr(self, "y_"):
            raise NotFittedError(f"{self.name} is not fitted", fix="call fit(y) first")


class SeasonalNaive(_Base):
    """Repeat the last season: ``ŷ_{T+h} = y_{T+h-m·k}`` with ``m = season`` (7: same weekday last week)."""

    name = "seasonal_naive"

    def __init__(self, season: int = 7):
        self.season = season

    def fit(self, y, x=None) -> "SeasonalNaive":
        y = np.asarray(y, dtype=float)
        if y.size < self.season:
            raise ModelError(f"seasonal naive needs at least {self.season} days, got {y.size}")
        self.y_ = y[-self.season :]
        return self

    def predict(self, x_future=None, horizon=None) -> np.ndarray:
        self._check()
        h = _horizon(x_future, horizon)
        return self.y_[np.arange(h) % self.season]


class MovingAverage(_Base):
    """Flat forecast at the mean of the last ``window`` days (28 = four full weeks)."""

    name = "moving_average"

    def __init__(self, window: int = 28):
        self.window = window

    def fit(self, y, x=None) -> "MovingAverage":
        y = np.asarray(y, dtype=float)
        if y.size == 0:
            raise ModelError("moving average needs at least one day")
        self.y_ = y
        self.level_ = float(y[-self.window :].mean())
        return self

    def predict(self, x_future=None, horizon=None) -> np.ndarray:
        self._check()
        return np.full(_horizon(x_future, horizon), self.level_)


class ETS(_Base):
    """Holt-Winters exponential smoothing on ``log1p(y)``: damped additive trend, weekly seasonality.

    Fitted with statsmodels' ``ExponentialSmoothing`` (maximum likelihood); the log makes the
    weekly pattern multiplicative and keeps forecasts non-negative. Falls back to no seasonality
    when the history is shorter than two weeks.
    """

    name = "ets"

    def __init__(self, season: int = 7, damped: bool = True):
        self.season = season
        self.damped = damped

    def fit(self, y, x=None) -> "ETS":
        from statsmodels.tsa.holtwinters import ExponentialSmoothing

        y = np.asarray(y, dtype=float)
        if y.size < 4:
            raise ModelError(f"ETS needs at least 4 days, got {y.size}")
        z = np.log1p(y)
        seasonal = "add" if y.size >= 2 * self.season + 2 else None
        if np.ptp(z) == 0:  # constant series: the likelihood is flat, the forecast is the constant
            self.y_, self.const_ = y, float(y[-1])
            return self
        self.const_ = None
        with warnings.catch_warnings():  # local: statsmodels warns on every hard optimisation
            warnings.simplefilter("ignore")
            self.model_ = ExponentialSmoothing(
                z,
                trend="add",
                damped_trend=self.damped,
                seasonal=seasonal,
                seasonal_periods=self.season if seasonal else None,
                initialization_method="estimated",
            ).fit()
        self.y_ = y
        return self

    def predict(self, x_future=None, horizon=None) -> np.ndarray:
        self._check()
        h = _horizon(x_future, horizon)
        if self.const_ is not None:
            return np.full(h, self.const_)
        return np.maximum(np.expm1(self._forecast_log1p(h)), 0.0)

    def _forecast_log1p(self, h: int) -> np.ndarray:
        """The Holt-Winters forecast from the fitted states, by the published equations
        (Hyndman & Athanasopoulos, FPP3 section 8.3): ``l_T + (φ + … + φ^h)·b_T + s_{T+h-m(k+1)}``.

        statsmodels (<= 0.15.0) forecasts steps that are multiples of the season with the
        seasonal factor of one cycle earlier instead of the last one (statsmodels issue #9538,
        fixed by PR #10230, not released yet), so the seasonal forecast is computed here; the
        test against the equations fails if either side changes.
        """
        r = self.model_
        if r.model.seasonal is None:
            return np.asarray(r.forecast(h), dtype=float)
        m = self.season
        phi = float(r.params["damping_trend"]) if self.damped else 1.0
        steps = np.arange(1, h + 1)
        damp = np.cumsum(phi ** steps)
        season = np.asarray(r.season, dtype=float)[-m:]
        return float(np.asarray(r.level)[-1]) + damp * float(np.asarray(r.trend)[-1]) + season[(steps - 1) % m]


BASELINES = {"seasonal_naive": SeasonalNaive, "moving_average": MovingAverage, "ets": ETS}


def make_forecaster(name: str, **params):
    """Build a forecaster by name: a baseline or ``"lstm"`` (imports torch only then).

    Raises
    ------
    UnknownNameError
        Unknown name; the message lists the valid names.
    """
    if name == "lstm":
        from .lstm import LSTMForecaster

        return LSTMForecaster(**params)
    return lookup({**BASELINES, "lstm": None}, name, what="forecaster")(**params)
