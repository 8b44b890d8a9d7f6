"""Carry-over and saturation of ad spend: the two curves every marketing-mix model is built from.

* Geometric adstock (Broadbent 1979, "One way TV advertisements work", J. Market Research
  Society 21(3)): ``a_t = x_t + theta * a_{t-1}``. With ``normalize=True`` the sum is scaled by
  ``1 - theta`` so a steady spend ``x`` has adstock ``x`` (PyMC-Marketing's ``normalize`` option).
* Hill saturation (Jin, Wang, Sun, Chan & Koehler 2017, "Bayesian methods for media mix
  modeling with carryover and shape effects", Google): ``h(x) = x^S / (x^S + K^S)``, half of the
  maximum at ``x = K``, shape ``S`` (``S > 1``: S-curve, ``S <= 1``: concave).
"""
from __future__ import annotations

import numpy as np
from scipy.signal import lfilter
from scipy.special import expit


def geometric_adstock(x, theta: float, *, normalize: bool = True) -> np.ndarray:
    """Geometric carry-over of a spend series along its first axis.

    ``a_t = x_t + theta * a_{t-1}`` (``a_{-1} = 0``), times ``1 - theta`` when ``normalize``.
    ``x`` is 1-D ``[T]`` or 2-D ``[T, C]`` (one ``theta`` for all columns).
    """
    if not 0 <= theta < 1:
        raise ValueError(f"theta must be in [0, 1), got {theta!r}")
    a = lfilter([1.0], [1.0, -theta], np.asarray(x, dtype=float), axis=0)
    return a * (1.0 - theta) if normalize else a


def hill(x, K: float, S: float) -> np.ndarray:
    """Hill saturation ``x^S / (x^S + K^S)`` (0 at 0, 1/2 at ``K``, 1 at infinity); ``x >= 0``."""
    x = np.asarray(x, dtype=float)
    return expit(S * (np.log(np.maximum(x, 1e-300)) - np.log(K))) * (x > 0)  # overflow-free form


def hill_derivative(x, K: float, S: float) -> np.ndarray:
    """``d h / d x = S K^S x^(S-1) / (x^S + K^S)^2`` (the marginal response per unit of ``x``)."""
    x = np.maximum(np.asarray(x, dtype=float), 1e-12)
    h = expit(S * (np.log(x) - np.log(K)))
    return S / x * h * (1.0 - h)


def half_life(theta: float) -> float:
    """Periods until half of a spend's carry-over is gone: ``ln 0.5 / ln theta`` (0 when theta is 0)."""
    return float(np.log(0.5) / np.log(theta)) if theta > 0 else 0.0


def saturation_point(K: float, S: float, share: float = 0.8) -> float:
    """Steady spend at which the response reaches ``share`` of its maximum: ``K (share/(1-share))^(1/S)``."""
    return float(K * (share / (1.0 - share)) ** (1.0 / S))
