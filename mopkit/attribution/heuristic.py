"""Rule-based attribution: first touch, last touch, last non-direct, linear, time decay, position.

Each rule splits every conversion (and its value) over the touches of its path with weights
that sum to one, so every model's credits add up to the total conversions and value. The rules
are the ones Google Analytics documented for its attribution model comparison tool; time decay
uses a half-life (weight ``2 ** (-days_before / half_life)``) and position-based gives 40% to
the first touch, 40% to the last and shares 20% among the middle ones.

Every function takes a :class:`~mopkit.attribution.journeys.Journeys` and returns a DataFrame
with columns ``channel, conversions, value``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ConfigError
from .journeys import DIRECT, Journeys, explode_paths


def _credit(j: Journeys, weight_fn) -> pd.DataFrame:
    channels, pidx, pos, length, code = explode_paths(j.paths)
    w = weight_fn(pidx, pos, length, code, channels)  # [N], sums to 1 within each path
    conv = j.paths["conversions"].to_numpy(dtype=float)[pidx] * w
    val = j.paths["value"].to_numpy(dtype=float)[pidx] * w
    c = np.bincount(code, weights=conv, minlength=len(channels))
    v = np.bincount(code, weights=val, minlength=len(channels))
    return pd.DataFrame({"channel": channels, "conversions": c, "value": v})


def first_touch(j: Journeys) -> pd.DataFrame:
    """All credit to the first channel of each converting path."""
    return _credit(j, lambda pidx, pos, length, code, ch: (pos == 0).astype(float))


def last_touch(j: Journeys) -> pd.DataFrame:
    """All credit to the last channel of each converting path."""
    return _credit(j, lambda pidx, pos, length, code, ch: (pos == length - 1).astype(float))


def last_non_direct(j: Journeys, *, direct: str = DIRECT) -> pd.DataFrame:
    """All credit to the last channel that is not ``direct``; all-direct paths credit direct."""

    def w(pidx, pos, length, code, ch):
        is_direct = np.isin(np.asarray(ch, dtype=object)[code], [direct])
        n_paths = int(pidx.max()) + 1
        score = np.where(is_direct, -1, pos)  # latest non-direct touch has the highest score
        best = np.full(n_paths, -2)
        np.maximum.at(best, pidx, score)
        fallback = best[pidx] == -1  # path is all direct: credit its last touch
        return np.where(fallback, pos == length - 1, (score == best[pidx]) & ~is_direct).astype(float)

    return _credit(j, w)


def linear(j: Journeys) -> pd.DataFrame:
    """Equal credit to every touch of each converting path."""
    return _credit(j, lambda pidx, pos, length, code, ch: 1.0 / length)


def position_based(j: Journeys, *, first: float = 0.4, last: float = 0.4) -> pd.DataFrame:
    """``first`` to the first touch, ``last`` to the last, the rest shared by the middle touches.

    One-touch paths give it all; two-touch paths split ``first : last`` (rescaled to one).
    """
    if first < 0 or last < 0 or first + last > 1:
        raise ConfigError(f"position-based weights first={first}, last={last} are not valid",
                          fix="use shares >= 0 with first + last <= 1, e.g. 0.4 and 0.4")

    def w(pidx, pos, length, code, ch):
        mid = (1.0 - first - last) / np.maximum(length - 2, 1)
        out = np.where(pos == 0, first, np.where(pos == length - 1, last, mid))
        out = np.where(length == 1, 1.0, out)
        two = length == 2
        out = np.where(two, np.where(pos == 0, first, last) / (first + last if first + last > 0 else 1), out)
        if first + last == 0:
            out = np.where(two, 0.5, out)
        return out

    return _credit(j, w)


def time_decay(j: Journeys, *, half_life_days: float = 7.0) -> pd.DataFrame:
    """Credit halves every ``half_life_days`` before the conversion.

    With touch-level data the days come from the touch times; from an aggregated path table
    each step before the conversion counts as one day (see ``Journeys.notes``).
    """
    if not half_life_days or half_life_days <= 0:
        raise ConfigError(f"half_life_days must be positive, got {half_life_days!r}", fix="use e.g. 7")
    if j.touches is None:
        return _credit(j, lambda pidx, pos, length, code, ch:
                       _normalise(pidx, 0.5 ** ((length - 1 - pos) / half_life_days)))
    t = j.touches
    t = t[t["converted"] > 0]
    jr = t["journey"].to_numpy()
    w = _normalise(jr, 0.5 ** (t["days_before"].to_numpy(dtype=float) / half_life_days))
    if isinstance(t["channel"].dtype, pd.CategoricalDtype):
        channels, code = np.asarray(t["channel"].cat.categories, dtype=object), t["channel"].cat.codes.to_numpy()
    else:
        channels, code = np.unique(t["channel"].to_numpy().astype(str), return_inverse=True)
    c = np.bincount(code, weights=w * t["converted"].to_numpy(dtype=float), minlength=len(channels))
    v = np.bincount(code, weights=w * t["value"].to_numpy(dtype=float), minlength=len(channels))
    out = pd.DataFrame({"channel": list(channels), "conversions": c, "value": v})
    missing = sorted(set(j.channels) - set(out["channel"]))
    if missing:
        out = pd.concat([out, pd.DataFrame({"channel": missing, "conversions": 0.0, "value": 0.0})],
                        ignore_index=True).sort_values("channel", ignore_index=True)
    return out


def _normalise(group: np.ndarray, w: np.ndarray) -> np.ndarray:
    tot = np.bincount(group, weights=w)
    return w / tot[group]
