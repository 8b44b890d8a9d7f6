"""Explanations: permutation importance of the chosen model and per-customer reasons in words.

- Permutation importance (Breiman 2001; :func:`sklearn.inspection.permutation_importance`): the
  drop in PR-AUC on the test window when one feature's column is shuffled, mean over repeats.
- Reasons: for each customer and each of the ``candidates`` most important features, the change
  in the customer's score when that feature alone is set to the population median; the features
  that raise the score most (a positive change, at least ``min_effect``) are the reasons, written
  with :func:`.labels.reason_text`. Features that are missing for the customer are skipped.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance
from sklearn.metrics import average_precision_score

from .labels import reason_text


def _pr_auc(model, X, y) -> float:
    return float(average_precision_score(y, model.predict_proba(X)[:, 1]))


def importance(model, X: pd.DataFrame, y, *, seed: int = 0, n_repeats: int = 3, max_rows: int = 8_000) -> pd.DataFrame:
    """Permutation importance (PR-AUC drop) per column of ``X``, largest first.

    At most ``max_rows`` rows are used (a seeded stratified-by-nothing random subset)."""
    y = np.asarray(y, dtype=int)
    if len(X) > max_rows:
        idx = np.sort(np.random.default_rng(seed).choice(len(X), max_rows, replace=False))
        X, y = X.iloc[idx], y[idx]
    r = permutation_importance(model, X, y, scoring=_pr_auc, n_repeats=n_repeats, random_state=seed)
    out = pd.DataFrame({"feature": X.columns, "importance": r.importances_mean, "std": r.importances_std})
    return out.sort_values(["importance", "feature"], ascending=[False, True], kind="stable").reset_index(drop=True)


def reasons(predict, X: pd.DataFrame, candidates, *, lang: str = "zh", top: int = 3, min_effect: float = 0.005,
            sep: str | None = None) -> pd.Series:
    """Top reasons per customer (row of ``X``) as one string, most important first.

    ``predict`` maps a feature frame to scores; ``candidates`` are feature names to consider.
    """
    from ..i18n import t  # noqa: PLC0415

    sep = t("propensity.reason.sep", lang) if sep is None else sep
    base = predict(X)
    cands = [c for c in candidates if c in X.columns]
    effects = np.zeros((len(X), len(cands)))
    for j, c in enumerate(cands):
        col = X[c].to_numpy(float)
        med = float(np.nanmedian(col)) if np.isfinite(col).any() else 0.0
        X2 = X.copy()
        X2[c] = med
        eff = base - predict(X2)
        effects[:, j] = np.where(np.isnan(col), -np.inf, eff)
    order = np.argsort(-effects, axis=1, kind="stable")[:, :top]
    vals = X[cands].to_numpy(float) if cands else np.zeros((len(X), 0))
    rows = np.arange(len(X))
    out = np.full(len(X), "", dtype=object)
    for k in range(order.shape[1]):  # the k-th reason of every row, worded once per distinct (feature, value)
        j = order[:, k]
        ok = effects[rows, j] >= min_effect
        text = np.full(len(X), "", dtype=object)
        for jj in np.unique(j[ok]):
            sel = np.flatnonzero(ok & (j == jj))
            v = vals[sel, jj]
            # distinct values by their bits (so -0.0 and 0.0 keep their own wording)
            uniq, first, inv = np.unique(v.view(np.int64), return_index=True, return_inverse=True)
            words = np.array([reason_text(cands[jj], x, lang) for x in v[first]], dtype=object)
            text[sel] = words[inv.reshape(-1)]
        out = np.where(text == "", out, np.where(out == "", text, out + sep + text))
    return pd.Series(out, index=X.index, name="reasons")
