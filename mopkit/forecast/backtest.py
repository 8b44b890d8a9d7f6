"""Rolling-origin backtest, leaderboard, winner, conformal intervals and the forecast itself.

Rolling origin (Tashman 2000): fold k trains on every day before its origin and forecasts the
next ``horizon`` days; origins step back ``horizon`` days from the end, so the test windows do
not overlap and the last fold ends on the last day. Each model is refitted per fold.

Intervals: split-conformal on the winner's backtest residuals in ``log1p`` units
(``r = log1p(y) - log1p(ŷ)``), pooled over folds and horizon days; the half-width is the
``ceil((n+1)·level)/n`` empirical quantile of ``|r|`` (Vovk et al. 2005; Lei et al. 2018, JASA
113(523)). Its empirical coverage is measured by cross-conformal leave-one-fold-out: each fold's
days are checked against the half-width learnt on the other folds.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd

from ..errors import DataError, InsufficientDataError, MopkitError
from ..i18n import register, t
from .baselines import make_forecaster
from .calendar import calendar_features, festival_markers

register({
    "forecast.note.lstm_skipped": {
        "zh": "LSTM 未参与：第一个回测折只有 {days} 天训练数据（少于 {min} 天），预测来自基准模型",
        "en": "LSTM skipped: its first backtest fold would train on {days} days, under {min}; the forecast comes from the baselines",
    },
    "forecast.note.unbounded": {
        "zh": "回测天数不足以给出该置信水平的区间：区间无上下界；请增加回测折数",
        "en": "too few backtest days for the interval level: the band is unbounded; add folds",
    },
})
from .metrics import METRICS, score
from .series import SeriesResult, check_series

__all__ = [
    "rolling_origins",
    "backtest",
    "BacktestResult",
    "conformal_halfwidth",
    "apply_interval",
    "cross_conformal_coverage",
    "ForecastResult",
    "forecast_demand",
    "BASELINE_ORDER",
]

BASELINE_ORDER = ("seasonal_naive", "moving_average", "ets")
LSTM_MIN_DAYS = 120


def rolling_origins(n: int, horizon: int, folds: int, step: int | None = None) -> list[int]:
    """Fold origins (index of each fold's first test day), oldest first: ``n - horizon - step·k``."""
    step = step or horizon
    return [n - horizon - step * k for k in range(folds - 1, -1, -1)]


@dataclass
class BacktestResult:
    """predictions: model, fold, origin, step (1..H), date, actual, point.
    metrics: model, fold, origin, mape, wape, mase, bias.
    leaderboard: model, mape, wape, mase, bias (means over folds), coverage, rank; best first.
    by_horizon: model, step, wape (pooled over folds)."""

    predictions: pd.DataFrame
    metrics: pd.DataFrame
    leaderboard: pd.DataFrame
    by_horizon: pd.DataFrame
    winner: str
    level: float
    halfwidths: dict[str, float] = field(default_factory=dict)


def conformal_halfwidth(residuals: Iterable[float], level: float) -> float:
    """Split-conformal half-width: the ``ceil((n+1)·level)/n`` quantile of ``|residuals|``.

    Returns ``inf`` when there are too few residuals for the level (``(n+1)·level > n``).
    """
    r = np.abs(np.asarray(list(residuals), dtype=float))
    n = r.size
    if n == 0:
        return float("inf")
    k = math.ceil((n + 1) * level)
    if k > n:
        return float("inf")
    return float(np.sort(r)[k - 1])


def apply_interval(point, halfwidth: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds ``expm1(log1p(ŷ) ∓ q)`` (lower floored at 0)."""
    z = np.log1p(np.maximum(np.asarray(point, dtype=float), 0.0))
    return np.maximum(np.expm1(z - halfwidth), 0.0), np.expm1(z + halfwidth)


def _log_residuals(df: pd.DataFrame) -> np.ndarray:
    return np.log1p(df["actual"].to_numpy(float)) - np.log1p(np.maximum(df["point"].to_numpy(float), 0.0))


def cross_conformal_coverage(predictions: pd.DataFrame, level: float) -> float:
    """Leave-one-fold-out coverage of the conformal interval for one model's predictions."""
    folds = predictions["fold"].unique()
    if len(folds) < 2:
        return float("nan")
    hits = []
    for f in folds:
        cal, test = predictions[predictions["fold"] != f], predictions[predictions["fold"] == f]
        q = conformal_halfwidth(_log_residuals(cal), level)
        hits.append(np.abs(_log_residuals(test)) <= q)
    return float(np.concatenate(hits).mean())


def backtest(
    y,
    x,
    dates,
    models: dict[str, Callable[[], Any]],
    *,
    horizon: int = 14,
    folds: int = 3,
    level: float = 0.9,
    season: int = 7,
) -> BacktestResult:
    """Rolling-origin backtest of several forecasters.

    Parameters
    ----------
    y : series ``[T]``; x : covariates ``[T + horizon, F]`` or ``[T, F]``; dates : ``[T]``.
    models : name -> zero-argument factory returning an unfitted forecaster
        (``fit(y, x)``, ``predict(x_future)``); insertion order breaks WAPE ties (simplest first).

    Returns
    -------
    BacktestResult; the winner has the lowest mean WAPE over folds.

    Raises
    ------
    InsufficientDataError
        The series cannot hold ``folds`` test windows and a 4-week training part.
    """
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    dates = pd.DatetimeIndex(dates)
    origins = rolling_origins(len(y), horizon, folds)
    if origins[0] < 4 * season:
        raise InsufficientDataError(
            f"{len(y)} days cannot hold {folds} backtest folds of {horizon} days plus 4 weeks of training",
            fix="use fewer folds or a shorter horizon",
        )
    rows, mrows = [], []
    for name, factory in models.items():
        for k, t in enumerate(origins, start=1):
            model = factory().fit(y[:t], x[:t])
            point = np.asarray(model.predict(x[t : t + horizon]), dtype=float)
            actual = y[t : t + horizon]
            rows.append(pd.DataFrame({
                "model": name, "fold": k, "origin": dates[t], "step": np.arange(1, horizon + 1),
                "date": dates[t : t + horizon], "actual": actual, "point": point,
            }))
            mrows.append({"model": name, "fold": k, "origin": dates[t], **score(actual, point, y[:t], m=season)})
    pred = pd.concat(rows, ignore_index=True)
    met = pd.DataFrame(mrows)
    order = {m: i for i, m in enumerate(models)}
    lb = met.groupby("model", sort=False)[list(METRICS)].mean().reset_index()
    lb["coverage"] = [cross_conformal_coverage(pred[pred["model"] == m], level) for m in lb["model"]]
    lb["_o"] = lb["model"].map(order)
    lb = lb.sort_values(["wape", "_o"], na_position="last", ignore_index=True).drop(columns="_o")
    lb["rank"] = np.arange(1, len(lb) + 1)
    byh = (
        pred.assign(abs_err=(pred["actual"] - pred["point"]).abs(), abs_y=pred["actual"].abs())
        .groupby(["model", "step"], sort=False)[["abs_err", "abs_y"]].sum().reset_index()
    )
    byh["wape"] = [100.0 * e / a if a > 0 else (0.0 if e == 0 else np.nan) for e, a in zip(byh["abs_err"], byh["abs_y"])]
    byh = byh[["model", "step", "wape"]]
    half = {m: conformal_halfwidth(_log_residuals(pred[pred["model"] == m]), level) for m in models}
    return BacktestResult(pred, met, lb, byh, str(lb["model"].iloc[0]), level, half)


@dataclass
class ForecastResult:
    """Everything the notebook shows and writes.

    history  : date, y                         forecast : date, point, lower, upper, model
    backtest : BacktestResult                  markers  : festival/promotion windows for charts
    winner   : model issuing the forecast      lstm_won : True/False, None if the LSTM did not run
    coverage : empirical coverage of the winner's interval (cross-conformal)
    notes    : plain-English notes (fallbacks, gaps, calendar coverage)
    """

    target: str
    history: pd.DataFrame
    forecast: pd.DataFrame
    backtest: BacktestResult
    markers: pd.DataFrame
    winner: str
    lstm_won: bool | None
    coverage: float
    level: float
    notes: list[str] = field(default_factory=list)

    def backtest_table(self) -> pd.DataFrame:
        """Rows for ``outputs/forecast_backtest.csv``: model, fold, origin, mape, wape, mase, bias."""
        m = self.backtest.metrics.copy()
        m["origin"] = pd.to_datetime(m["origin"]).dt.date
        return m


def forecast_demand(
    series: SeriesResult | pd.DataFrame,
    *,
    horizon: int = 14,
    folds: int = 3,
    epochs: int = 40,
    seed: int = 0,
    level: float = 0.9,
    promotions: Iterable[Any] | None = None,
    lstm_params: dict[str, Any] | None = None,
    use_lstm: bool = True,
    date: str = "date",
    value: str = "y",
    lang: str = "zh",
) -> ForecastResult:
    """Backtest the baselines and the LSTM, pick the winner, and forecast ``horizon`` days.

    Parameters
    ----------
    series : a :class:`SeriesResult` or a DataFrame with one row per day (``date``, ``y``).
    horizon : days to forecast (7-30). folds : backtest folds. epochs, seed : LSTM training.
    level : nominal interval coverage. promotions : client promotions ``[{name, start, end}]``.

    Returns
    -------
    ForecastResult. Series shorter than 120 days (before the backtest folds) skip the LSTM with
    a note instead of failing.

    Raises
    ------
    DataError
        Negative or missing values (naming the column and dates), or days missing/duplicated.
    InsufficientDataError
        Too short even for the baselines' backtest.
    """
    notes: list[str] = []
    target = "y"
    if isinstance(series, SeriesResult):
        notes.extend(series.notes)
        target = series.target
        frame = series.frame
    else:
        frame = series
    if not 7 <= int(horizon) <= 30:
        raise MopkitError(f"horizon {horizon} is out of range", column="horizon", fix="use 7 to 30 days")
    frame = frame.sort_values(date)
    dates = pd.DatetimeIndex(pd.to_datetime(frame[date])).normalize()
    if dates.has_duplicates or (len(dates) > 1 and (dates[1:] - dates[:-1] != pd.Timedelta(days=1)).any()):
        raise DataError("the series must have exactly one row per consecutive day", column=date,
                        fix="build it with mopkit.forecast.daily_series (per group if split)")
    y = check_series(frame[value].to_numpy(), dates, column=value if target == "y" else target)
    future = pd.date_range(dates[-1] + pd.Timedelta(days=1), periods=horizon, freq="D")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cal = calendar_features(dates.append(future), promotions=promotions)
    for w in caught:
        notes.append(str(w.message))
    x = cal.to_numpy(float)
    models: dict[str, Callable[[], Any]] = {n: (lambda n=n: make_forecaster(n)) for n in BASELINE_ORDER}
    first_train = len(y) - folds * horizon
    lstm_ran = use_lstm and first_train >= LSTM_MIN_DAYS
    if use_lstm and not lstm_ran:
        notes.append(t("forecast.note.lstm_skipped", lang, days=first_train, min=LSTM_MIN_DAYS))
    if lstm_ran:
        params = {"horizon": horizon, "epochs": epochs, "seed": seed, **(lstm_params or {})}
        models["lstm"] = lambda: make_forecaster("lstm", **params)
    bt = backtest(y, x[: len(y)], dates, models, horizon=horizon, folds=folds, level=level)
    final = models[bt.winner]().fit(y, x[: len(y)])
    point = np.asarray(final.predict(x[len(y) :]), dtype=float)
    q = bt.halfwidths[bt.winner]
    lo, hi = apply_interval(point, q)
    fc = pd.DataFrame({"date": future, "point": point, "lower": lo, "upper": hi, "model": bt.winner})
    cov = float(bt.leaderboard.set_index("model").loc[bt.winner, "coverage"])
    if not np.isfinite(q):
        notes.append(t("forecast.note.unbounded", lang))
    hist = pd.DataFrame({"date": dates, "y": y})
    markers = festival_markers(dates[0], future[-1], promotions=promotions, lang=lang)
    return ForecastResult(target, hist, fc, bt, markers, bt.winner, (bt.winner == "lstm") if lstm_ran else None,
                          cov, level, notes)
