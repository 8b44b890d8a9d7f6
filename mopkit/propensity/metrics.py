"""Ranking and probability metrics of a propensity score (scikit-learn where it has them).

- ROC-AUC and PR-AUC (average precision): :func:`sklearn.metrics.roc_auc_score`,
  :func:`sklearn.metrics.average_precision_score`;
- Brier score: :func:`sklearn.metrics.brier_score_loss`;
- reliability curve: :func:`sklearn.calibration.calibration_curve` (quantile bins);
- lift and capture by decile: customers sorted by score (highest first, ties in input order);
  decile 1 = the first ``ceil(n / 10)``; lift = positive rate in the decile / overall rate;
  capture = share of all positives that fall in it (cumulative capture of deciles 1..d too).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.calibration import calibration_curve
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from ..errors import InsufficientDataError


def deciles(score) -> np.ndarray:
    """Decile of each score: 1 = the highest-scored tenth (ties broken by input order)."""
    s = np.asarray(score, dtype=float)
    n = len(s)
    order = np.argsort(-s, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    return (rank * 10 // max(n, 1) + 1).astype(np.int64)


def lift_table(y, score) -> pd.DataFrame:
    """One row per decile: customers, positives, rate, lift, capture, cumulative capture."""
    y = np.asarray(y, dtype=float)
    d = deciles(score)
    g = pd.DataFrame({"decile": d, "y": y}).groupby("decile")["y"]
    out = pd.DataFrame({"customers": g.size(), "positives": g.sum()})
    base = y.mean() if len(y) else np.nan
    out["rate"] = out["positives"] / out["customers"]
    out["lift"] = out["rate"] / base
    out["capture"] = out["positives"] / max(y.sum(), 1e-12)
    out["cum_capture"] = out["capture"].cumsum()
    return out.reset_index()


def evaluate(y, score) -> dict:
    """ROC-AUC, PR-AUC, Brier, top-decile lift and capture, base rate and size.

    Raises
    ------
    InsufficientDataError
        ``y`` has only one class (no metric is defined).
    """
    y = np.asarray(y, dtype=int)
    s = np.asarray(score, dtype=float)
    if y.min(initial=1) == y.max(initial=0):
        raise InsufficientDataError("the test window has only one class of outcome, so the models cannot be compared",
                                    fix="use a longer history or a longer horizon")
    top = lift_table(y, s).iloc[0]
    return {"roc_auc": float(roc_auc_score(y, s)), "pr_auc": float(average_precision_score(y, s)),
            "brier": float(brier_score_loss(y, s)), "top_decile_lift": float(top["lift"]),
            "top_decile_capture": float(top["capture"]), "base_rate": float(y.mean()), "n": int(len(y))}


def reliability(y, score, n_bins: int = 10) -> pd.DataFrame:
    """Mean predicted vs observed rate in ``n_bins`` quantile bins of the score."""
    obs, pred = calibration_curve(np.asarray(y, int), np.asarray(score, float), n_bins=n_bins, strategy="quantile")
    return pd.DataFrame({"predicted": pred, "observed": obs})
