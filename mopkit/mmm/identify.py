"""Can the data identify the response curves? Checks made before fitting, with reasons in words.

A curve needs (1) enough weeks, (2) spend that moves (pulses, pauses, level changes) and
(3) channels that do not move together. Checks run on weekly sums, where daily noise in spend
reporting does not fake variation.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..i18n import channel_name, t
from .data import weekly


def identification_problems(frame: pd.DataFrame, channels, *, min_weeks: int = 26, min_cv: float = 0.1,
                            max_corr: float = 0.95, lang: str = "zh") -> list[dict]:
    """Reasons why the curves cannot be identified; empty when the data look sufficient.

    Required columns: ``date``, ``y`` and the channel spend columns.

    Returns a list of ``{"code", "channels", "text"}`` with ``code`` one of ``too_few_weeks``,
    ``no_channels``, ``constant_spend``, ``collinear``; ``text`` is in ``lang``.
    """
    channels = list(channels)
    out = []
    weeks = len(frame) / 7.0
    if weeks < min_weeks:
        out.append({"code": "too_few_weeks", "channels": [],
                    "text": t("mmm.refuse.weeks", lang, weeks=weeks, need=min_weeks)})
    if not channels:
        out.append({"code": "no_channels", "channels": [], "text": t("mmm.refuse.nochannels", lang)})
        return out
    w = weekly(frame, channels)
    full = w.iloc[1:-1] if len(w) > 4 else w  # first and last weeks may be partial
    mean = full.mean()
    cv = full.std() / mean.where(mean > 0)
    flat = [c for c in channels if not (cv.get(c, 0) >= min_cv)]
    if flat:
        out.append({"code": "constant_spend", "channels": flat,
                    "text": t("mmm.refuse.constant", lang, channels=_names(flat, lang), cv=min_cv)})
    ok = [c for c in channels if c not in flat]
    if len(ok) > 1:
        r = np.corrcoef(full[ok].to_numpy().T)
        pairs = [(ok[i], ok[j], r[i, j]) for i in range(len(ok)) for j in range(i + 1, len(ok)) if abs(r[i, j]) > max_corr]
        for a, b, rr in pairs:
            out.append({"code": "collinear", "channels": [a, b],
                        "text": t("mmm.refuse.collinear", lang, a=channel_name(a, lang), b=channel_name(b, lang), r=rr)})
    return out


def quality_problems(model, *, max_mape: float = 0.4, min_r2: float | None = None, lang: str = "zh") -> list[dict]:
    """Reasons to distrust a fitted model: the held-out tail is predicted worse than its mean
    (R² < ``min_r2``, unused by default: on a short tail with festivals R² swings widely) or with a
    mean absolute percentage error above ``max_mape``."""
    h = getattr(model, "holdout_", {}) or {}
    out = []
    if h.get("days") and ((min_r2 is not None and h["r2"] < min_r2) or h["mape"] > max_mape):
        out.append({"code": "poor_fit", "channels": [],
                    "text": t("mmm.refuse.fit", lang, r2=h["r2"], mape=h["mape"], days=h["days"], max_mape=max_mape)})
    return out


def _names(chs, lang):
    return ("、" if lang == "zh" else ", ").join(channel_name(c, lang) for c in chs)
