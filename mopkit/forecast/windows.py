"""Sliding windows for direct multi-step forecasting (numpy only, importable without torch).

A window with *origin* ``t`` forecasts days ``t .. t+H-1`` from

* the target history ``y[t-L .. t-1]`` (``L`` = lookback) with the covariates of those days,
* the covariates of the forecast days ``X[t .. t+H-1]`` (calendar features are known ahead),

and its training target is ``y[t .. t+H-1]``. Nothing at or after ``t`` enters the history
part, so no window can look ahead (tested on ``arange`` data).

Scaling (:class:`LogLevelScaler`): ``z = log1p(y)``; each window is centred on its own level
(mean of the last ``level_days`` history values, a per-window instance normalisation as in
RevIN, Kim et al. 2022, ICLR) and divided by one spread ``s_`` learnt on the training part only.
Multiplicative weekday and festival effects become additive in ``z``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Windows", "make_windows", "training_origins", "LogLevelScaler"]


@dataclass(frozen=True)
class Windows:
    """Stacked windows; shapes use N windows, L lookback, H horizon, F covariates."""

    past_y: np.ndarray  # [N, L]     target history
    past_x: np.ndarray  # [N, L, F]  covariates of the history days
    future_x: np.ndarray  # [N, H, F]  covariates of the forecast days (known ahead)
    target: np.ndarray | None  # [N, H]  y of the forecast days (None when unknown)
    origins: np.ndarray  # [N]  index of the first forecast day


def training_origins(n: int, lookback: int, horizon: int, end: int | None = None) -> np.ndarray:
    """Origins ``t`` whose history and target both lie inside ``y[:end]`` (``end`` default ``n``).

    ``t`` runs over ``lookback .. end - horizon``; empty when the series is too short.
    """
    end = n if end is None else min(int(end), n)
    return np.arange(lookback, end - horizon + 1, dtype=int)


def make_windows(
    y: np.ndarray,
    x: np.ndarray,
    lookback: int,
    horizon: int,
    origins: np.ndarray | None = None,
) -> Windows:
    """Cut ``y`` ([T]) and covariates ``x`` ([T, F]) into windows at ``origins``.

    With ``origins=None`` every training origin is used. An origin ``t`` with ``t + horizon > T``
    (forecasting past the data) requires ``x`` to extend to ``t + horizon``: pass the history's
    ``y`` and covariates that include the future days; ``target`` is then ``None``.

    Raises
    ------
    ValueError
        Lengths disagree, or an origin lacks lookback history or future covariates.
    """
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[0] < y.shape[0]:
        raise ValueError(f"covariates must be [T, F] with T >= len(y)={y.shape[0]}, got {x.shape}")
    if origins is None:
        origins = training_origins(len(y), lookback, horizon)
    origins = np.asarray(origins, dtype=int)
    if origins.size and (origins.min() < lookback or origins.max() + horizon > x.shape[0]):
        raise ValueError(
            f"origins must lie in [{lookback}, {x.shape[0] - horizon}] (lookback {lookback}, horizon {horizon})"
        )
    back = origins[:, None] + np.arange(-lookback, 0)[None, :]  # [N, L]
    ahead = origins[:, None] + np.arange(horizon)[None, :]  # [N, H]
    has_target = origins.size == 0 or origins.max() + horizon <= len(y)
    return Windows(
        past_y=y[back],
        past_x=x[back],
        future_x=x[ahead],
        target=y[ahead] if has_target else None,
        origins=origins,
    )


class LogLevelScaler:
    """``log1p`` + per-window level + one train-only spread (see module docstring).

    Parameters
    ----------
    level_days : number of last history days whose mean is the window's level (7 = one week).
    """

    def __init__(self, level_days: int = 7):
        self.level_days = level_days

    def fit(self, y_train: np.ndarray) -> "LogLevelScaler":
        """Learn the spread ``s_`` of ``log1p(y)`` week-over-week changes on training data only."""
        z = np.log1p(np.asarray(y_train, dtype=float))
        k = self.level_days
        d = z[k:] - z[:-k] if z.size > k else z - z.mean()
        s = float(np.std(d)) if d.size else 0.0
        self.scale_ = s if s > 1e-8 else 1.0  # constant series: nothing to scale
        return self

    def level(self, past_y: np.ndarray) -> np.ndarray:
        """Level of each window ``[N]`` from its history ``[N, L]`` (in ``log1p`` units)."""
        return np.log1p(past_y[:, -self.level_days :]).mean(axis=1)

    def transform(self, past_y: np.ndarray, target: np.ndarray | None = None):
        """Scaled history ``[N, L]`` and (if given) scaled target ``[N, H]``, plus the levels ``[N]``."""
        lev = self.level(past_y)[:, None]  # [N, 1]
        zp = (np.log1p(past_y) - lev) / self.scale_
        zt = None if target is None else (np.log1p(target) - lev) / self.scale_
        return zp, zt, lev[:, 0]

    def inverse(self, z_pred: np.ndarray, level: np.ndarray) -> np.ndarray:
        """Back to the original units: ``expm1(z * s + level)``, floored at 0. ``[N, H]``."""
        return np.maximum(np.expm1(z_pred * self.scale_ + level[:, None]), 0.0)
