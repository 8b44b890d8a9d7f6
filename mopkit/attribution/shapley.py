"""Shapley-value attribution, exact over every subset of channels.

Channels are players; a coalition ``S`` of channels is worth ``v(S)``. Two characteristic
functions are offered:

* ``"conversions"`` (default; Zhao, Mahboobi & Bagheri 2018, "Shapley value methods for
  attribution modeling in online advertising", arXiv:1804.05327): ``v(S)`` = conversions of the
  journeys whose set of channels is a subset of ``S``. Efficiency makes the credits add up to
  the total conversions; the paper shows the result equals, for each channel, the sum over
  converting channel sets ``T`` containing it of ``conversions(T) / |T|`` (tested).
* ``"conversion_rate"`` (Dalessandro, Perlich, Stitelman & Provost 2012, "Causally motivated
  attribution for online advertising", ADKDD): ``v(S)`` = conversion rate of the journeys whose
  channel set is a subset of ``S`` (non-converting journeys count). Credits are rescaled so they
  add up to the total; a channel that lowers the rate can get a negative credit.

Both are computed exactly over all ``2**n`` coalitions (a subset-sum transform then the Shapley
formula), which is refused above ``max_channels`` (15 by default: 32,768 coalitions).
"""
from __future__ import annotations

from math import factorial

import numpy as np
import pandas as pd

from ..errors import ConfigError, ModelError
from .journeys import SEP, Journeys

VALUE_FUNCTIONS = ("conversions", "conversion_rate")
MAX_CHANNELS = 15


def _subset_sums(f: np.ndarray, n: int) -> np.ndarray:
    """Zeta transform: g[S] = sum of f[T] over T subset of S (bitmask index), [2**n]."""
    g = f.astype(float).copy()
    for i in range(n):
        v = g.reshape(-1, 2, 1 << i)  # [.., bit i off/on, lower bits]
        v[:, 1, :] += v[:, 0, :]
    return g


def shapley_values(v: np.ndarray, n: int) -> np.ndarray:
    """Exact Shapley values of the game ``v`` given on bitmasks (``v[0]`` = empty coalition), [n]."""
    masks = np.arange(1 << n)
    size = np.array([bin(m).count("1") for m in masks]) if n < 12 else _popcount(masks)
    w = np.array([factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)])
    phi = np.zeros(n)
    for i in range(n):
        without = masks[(masks >> i) & 1 == 0]
        phi[i] = np.sum(w[size[without]] * (v[without | (1 << i)] - v[without]))
    return phi


def _popcount(x: np.ndarray) -> np.ndarray:
    c = np.zeros_like(x)
    y = x.copy()
    while y.any():
        c += y & 1
        y >>= 1
    return c


def shapley(j: Journeys, *, value_function: str = "conversions", max_channels: int = MAX_CHANNELS) -> pd.DataFrame:
    """Shapley credits (``channel, conversions, value``) adding up to the totals.

    Raises
    ------
    ConfigError : unknown ``value_function``.
    ModelError : more channels than ``max_channels`` (the exact computation needs ``2**n``
        coalitions); group small channels together or use the Markov model.
    """
    if value_function not in VALUE_FUNCTIONS:
        raise ConfigError(f"unknown Shapley value function {value_function!r}",
                          fix=f"use one of {list(VALUE_FUNCTIONS)}")
    channels = j.channels
    n = len(channels)
    if n > max_channels:
        raise ModelError(
            f"exact Shapley values over {n} channels need 2**{n} = {2 ** n:,} coalitions; "
            f"refused above {max_channels} channels",
            examples=channels,
            fix="merge small channels into 'other' before attributing, or use the markov model",
        )
    pos = {c: i for i, c in enumerate(channels)}
    masks = np.array([sum(1 << pos[c] for c in set(p.split(SEP))) for p in j.paths["path"]], dtype=np.int64)
    conv = np.bincount(masks, weights=j.paths["conversions"].to_numpy(dtype=float), minlength=1 << n)
    val = np.bincount(masks, weights=j.paths["value"].to_numpy(dtype=float), minlength=1 << n)
    total = conv + np.bincount(masks, weights=j.paths["non_conversions"].to_numpy(dtype=float), minlength=1 << n)
    c_sum, v_sum = _subset_sums(conv, n), _subset_sums(val, n)
    if value_function == "conversions":
        phi_c, phi_v = shapley_values(c_sum, n), shapley_values(v_sum, n)
    else:
        t_sum = _subset_sums(total, n)
        safe = np.where(t_sum > 0, t_sum, 1.0)
        rate_c = np.where(t_sum > 0, c_sum / safe, 0.0)
        rate_v = np.where(t_sum > 0, v_sum / safe, 0.0)
        phi_c, phi_v = shapley_values(rate_c, n), shapley_values(rate_v, n)
        full = (1 << n) - 1
        phi_c = phi_c / rate_c[full] * c_sum[full] if rate_c[full] > 0 else phi_c * 0
        phi_v = phi_v / rate_v[full] * v_sum[full] if rate_v[full] > 0 else phi_v * 0
    return pd.DataFrame({"channel": channels, "conversions": phi_c, "value": phi_v})
