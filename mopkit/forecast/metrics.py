"""Forecast accuracy metrics that never divide by zero.

All functions take ``actual`` and ``predicted`` arrays of the same shape (NaNs are not allowed:
the series builder fills gaps explicitly) and return a float. When a denominator is zero the
metric is ``0.0`` if the forecast is exact and ``nan`` otherwise, so a constant or all-zero
series gives a finite leaderboard instead of ``inf`` or a ``ZeroDivisionError``.

References
----------
Hyndman, R. J. & Koehler, A. B. (2006). Another look at measures of forecast accuracy.
International Journal of Forecasting 22(4), 679-688 (MAPE, MASE).
Kolassa, S. & Schütz, W. (2007). Advantages of the MAD/mean ratio over the MAPE. Foresight 6,
40-43 (WAPE, a.k.a. MAD/mean ratio).
"""
from __future__ import annotations

import numpy as np

__all__ = ["mape", "wape", "mase", "bias", "METRICS", "score"]


def _pair(actual, predicted) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(actual, dtype=float).ravel()
    p = np.asarray(predicted, dtype=float).ravel()
    if a.shape != p.shape:
        raise ValueError(f"actual has {a.size} values but predicted has {p.size}")
    return a, p


def _safe_ratio(num: float, den: float) -> float:
    if den > 0:
        return float(num / den)
    return 0.0 if num == 0 else float("nan")


def mape(actual, predicted) -> float:
    """Mean absolute percentage error, in percent, over the days with a non-zero actual.

    ``100 * mean(|y - ŷ| / |y|)`` for ``y != 0``. Days with ``y == 0`` are left out (the
    percentage is undefined there); if every actual is zero the result is 0 for an exact
    forecast, else ``nan``.
    """
    a, p = _pair(actual, predicted)
    nz = a != 0
    if not nz.any():
        return _safe_ratio(float(np.abs(p).sum()), 0.0)
    return float(100.0 * np.mean(np.abs(a[nz] - p[nz]) / np.abs(a[nz])))


def wape(actual, predicted) -> float:
    """Weighted absolute percentage error, in percent: ``100 * sum|y - ŷ| / sum|y|``."""
    a, p = _pair(actual, predicted)
    r = _safe_ratio(float(np.abs(a - p).sum()), float(np.abs(a).sum()))
    return 100.0 * r


def mase(actual, predicted, train, m: int = 7) -> float:
    """Mean absolute scaled error (Hyndman & Koehler 2006).

    ``mean|y - ŷ| / mean_t |x_t - x_{t-m}|`` with the in-sample seasonal-naive error of the
    training series ``train`` as the scale (``m = 7`` for daily data with a weekly cycle; if the
    training series is shorter than ``m + 1`` the lag-1 naive scale is used). A constant training
    series has scale 0: the result is 0 for an exact forecast, else ``nan``.
    """
    a, p = _pair(actual, predicted)
    x = np.asarray(train, dtype=float).ravel()
    lag = m if x.size > m else 1
    if x.size <= lag:
        return float("nan")
    scale = float(np.mean(np.abs(x[lag:] - x[:-lag])))
    return _safe_ratio(float(np.mean(np.abs(a - p))), scale)


def bias(actual, predicted) -> float:
    """Relative bias, in percent: ``100 * sum(ŷ - y) / sum|y|``; positive = over-forecast."""
    a, p = _pair(actual, predicted)
    den = float(np.abs(a).sum())
    if den == 0:
        return 0.0 if np.array_equal(a, p) else float("nan")
    return 100.0 * float((p - a).sum()) / den


METRICS = ("mape", "wape", "mase", "bias")


def score(actual, predicted, train, m: int = 7) -> dict[str, float]:
    """All four metrics at once: ``{"mape", "wape", "mase", "bias"}``."""
    return {
        "mape": mape(actual, predicted),
        "wape": wape(actual, predicted),
        "mase": mase(actual, predicted, train, m=m),
        "bias": bias(actual, predicted),
    }
