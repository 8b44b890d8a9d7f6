"""Rolling-origin backtest, leaderboard, winner, conformal intervals and the forecast itself.

Rolling origin (Tashman 2000): fold k trains on every day before its origin and forecasts the
next ``horizon`` days; origins step back ``horizon`` days from the end, so the test windows do
not overlap and the last fold ends on the last day. Each model is refitted per fold.

Intervals (:func:`calibrate_interval`): split conformal on residuals the winner was NOT chosen
on. The winner is picked on the ``folds`` newest backtest folds (selection folds); then it alone
is refitted on up to ``calibration_folds`` older, non-overlapping windows (calibration folds).
Residuals are in ``log1p`` units (``r = log1p(y) - log1p(ŷ)``). The half-width grows with the
horizon step h as ``q · h^b``: the exponent ``b`` in [0, 1] is the slope of log|r| on log h fitted
on the winner's selection-fold residuals (b = 0, a flat band, when errors do not grow), and ``q``
is the ``ceil((n+1)·level)/n`` empirical quantile of the calibration folds' normalised scores
``|r| / h^b`` (normalised split conformal: Vovk et al. 2005; Lei et al. 2018, JASA 113(523),
section 5.2). Coverage is reported on held-out folds: each calibration fold's days are checked
against the band learnt on the other calibration folds (leave one fold out), none of which chose
the winner. With fewer than two calibration folds possible (short history) the band falls back
to the selection folds' residuals, and a note says the coverage may be optimistic.

The leaderboard's ``coverage`` column is descriptive (each model's flat band, leave one
selection fold out).
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
    "forecast.note.calibration_fallback": {
        "zh": "区间校准：历史不足以另设校准折（需要至少 2 个），区间改用选出获胜模型的回测残差校准，实测覆盖率可能偏乐观",
        "en": "interval calibration: too little history for separate calibration folds (2 needed); the band was calibrated "
              "on the residuals the winner was chosen on instead, so its measured coverage may be optimistic",
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
    "IntervalCalibration",
    "calibrate_interval",
    "horizon_exponent",
    "ForecastResult",
    "forecast_demand",
    "BASELINE_ORDER",
]

BASELINE_ORDER = ("seasonal_naive", "moving_average", "ets")
LSTM_MIN_DAYS = 120
#: Older backtest windows the winner is refitted on to calibrate its interval (at most).
CALIBRATION_FOLDS = 4


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


def apply_interval(point, halfwidth) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds ``expm1(log1p(ŷ) ∓ q)`` (lower floored at 0); ``halfwidth`` is one
    number or one per horizon step."""
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


def horizon_exponent(predictions: pd.DataFrame) -> float:
    """Slope ``b`` in [0, 1] of log|r| on log(step) (least squares over every residual): how the
    log1p residuals grow with the horizon step; 0 when they do not."""
    r = np.abs(_log_residuals(predictions))
    h = predictions["step"].to_numpy(float)
    ok = r > 0
    if ok.sum() < 3 or np.ptp(h[ok]) == 0:
        return 0.0
    b = np.polyfit(np.log(h[ok]), np.log(r[ok]), 1)[0]
    return float(np.clip(b, 0.0, 1.0))


@dataclass
class IntervalCalibration:
    """How the winner's interval was calibrated.

    halfwidths : half-width per horizon step (log1p units), ``q · step^b``.
    exponent : ``b``; q : the conformal quantile of the normalised scores.
    coverage : leave-one-fold-out coverage over the calibration folds (NaN if under 2 folds).
    folds : number of calibration folds; residuals : their number of days.
    separate : True when calibrated on folds the winner was not chosen on (False: fallback).
    predictions : the calibration folds' model, fold, origin, step, date, actual, point.
    """

    halfwidths: np.ndarray
    exponent: float
    q: float
    coverage: float
    folds: int
    residuals: int
    separate: bool
    predictions: pd.DataFrame


def _normalised_scores(pred: pd.DataFrame, b: float) -> np.ndarray:
    return np.abs(_log_residuals(pred)) / pred["step"].to_numpy(float) ** b


def _lofo_coverage(pred: pd.DataFrame, b: float, level: float) -> float:
    folds = pred["fold"].unique()
    if len(folds) < 2:
        return float("nan")
    hits = []
    for f in folds:
        q = conformal_halfwidth(_normalised_scores(pred[pred["fold"] != f], b), level)
        hits.append(_normalised_scores(pred[pred["fold"] == f], b) <= q)
    return float(np.concatenate(hits).mean())


def calibrate_interval(
    y,
    x,
    dates,
    factory: Callable[[], Any],
    selection: pd.DataFrame,
    *,
    horizon: int,
    level: float,
    folds: int = CALIBRATION_FOLDS,
    min_train: int = 28,
) -> IntervalCalibration:
    """Calibrate the winner's interval on older windows it was not chosen on (module docstring).

    Parameters
    ----------
    y : series ``[T]``; x : covariates ``[T, F]``; dates : ``[T]``.
    factory : zero-argument factory of the winning forecaster.
    selection : the winner's selection-fold predictions (``fold, origin, step, actual, point``):
        they give the horizon exponent, and their first origin bounds the calibration windows.
    folds : calibration folds wanted; as many as fit with ``min_train`` training days are used.
    """
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    dates = pd.DatetimeIndex(dates)
    b = horizon_exponent(selection)
    first = int(dates.get_loc(pd.Timestamp(selection["origin"].min())))
    origins = [first - horizon * k for k in range(folds, 0, -1)]
    origins = [o for o in origins if o >= min_train]
    rows = []
    for k, t0 in enumerate(origins, start=1):
        point = np.asarray(factory().fit(y[:t0], x[:t0]).predict(x[t0 : t0 + horizon]), dtype=float)
        rows.append(pd.DataFrame({"fold": k, "origin": dates[t0], "step": np.arange(1, horizon + 1),
                                  "date": dates[t0 : t0 + horizon], "actual": y[t0 : t0 + horizon], "point": point}))
    separate = len(rows) >= 2
    cal = pd.concat(rows, ignore_index=True) if separate else selection.copy()
    q = conformal_halfwidth(_normalised_scores(cal, b), level)
    steps = np.arange(1, horizon + 1, dtype=float)
    return IntervalCalibration(q * steps ** b, b, q, _lofo_coverage(cal, b, level), int(cal["fold"].nunique()),
                               len(cal), separate, cal)


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
    coverage : coverage of the winner's interval on held-out calibration folds (see
               :func:`calibrate_interval`); interval : the calibration itself
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
    interval: IntervalCalibration | None = None

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
    calibration_folds: int = CALIBRATION_FOLDS,
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
    calibration_folds : older windows the winner is refitted on to calibrate its interval.

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
    sel = bt.predictions[bt.predictions["model"] == bt.winner]
    cal = calibrate_interval(y, x[: len(y)], dates, models[bt.winner], sel, horizon=horizon, level=level,
                             folds=calibration_folds, min_train=LSTM_MIN_DAYS if bt.winner == "lstm" else 4 * 7)
    if not cal.separate:
        notes.append(t("forecast.note.calibration_fallback", lang))
    lo, hi = apply_interval(point, cal.halfwidths)
    fc = pd.DataFrame({"date": future, "point": point, "lower": lo, "upper": hi, "model": bt.winner})
    cov = cal.coverage
    if not np.isfinite(cal.q):
        notes.append(t("forecast.note.unbounded", lang))
    hist = pd.DataFrame({"date": dates, "y": y})
    markers = festival_markers(dates[0], future[-1], promotions=promotions, lang=lang)
    return ForecastResult(target, hist, fc, bt, markers, bt.winner, (bt.winner == "lstm") if lstm_ran else None,
                          cov, level, notes, cal)
