"""Candidate models, chosen by name, and the calibration step.

Trained candidates (registry :data:`MODELS`; each factory takes a seed and returns an unfitted
scikit-learn classifier and the feature columns it uses, None = all):

- ``hgb``          scikit-learn ``HistGradientBoostingClassifier`` on every feature (missing
                   values handled natively) — the kit's gradient-boosted trees;
- ``lightgbm``     LightGBM ``LGBMClassifier``, same features and a comparable budget (optional:
                   measured against ``hgb``, see README; used only if the package is installed);
- ``logistic_rfm`` baseline: logistic regression on standardised R, log(1 + F), log(1 + M).

The CLV baseline (``bgnbd``) is not trained on features: see :mod:`.clv_bridge`.

Calibration (:func:`calibrate`): a trained model is fitted on the earlier cutoffs and calibrated
on the latest training cutoff it has not seen: none, Platt (``sigmoid``) or ``isotonic``
(:class:`sklearn.calibration.CalibratedClassifierCV` on the frozen model), whichever gives the
lowest Brier score in a 2-fold split of that cutoff; then refitted on the whole of it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from ..errors import ModelError
from ..registry import lookup
from .features import RFM_COLUMNS

TREES = ("hgb", "lightgbm")
BASELINES = ("logistic_rfm", "bgnbd")
CALIBRATIONS = ("none", "sigmoid", "isotonic")


def _hgb(seed: int, n_threads: int = 1):  # threads: set by threadpool_limits in the pipeline
    return HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=40,
                                          l2_regularization=1.0, early_stopping=False, random_state=seed), None


def _lightgbm(seed: int, n_threads: int = 1):
    try:
        from lightgbm import LGBMClassifier  # noqa: PLC0415 - optional, measured against hgb
    except ImportError:
        raise ModelError("LightGBM is not installed", fix="pip install lightgbm, or use model 'hgb'") from None
    return LGBMClassifier(n_estimators=100, learning_rate=0.1, num_leaves=31, min_child_samples=40, reg_lambda=1.0,
                          subsample=1.0, colsample_bytree=1.0, random_state=seed, deterministic=True,
                          force_row_wise=True, n_jobs=n_threads, verbose=-1), None


def _log1p_fm(X):
    X = np.asarray(X, dtype=float).copy()
    X[:, 1:] = np.log1p(np.maximum(X[:, 1:], 0))
    return X


def _logistic(seed: int, n_threads: int = 1):
    return make_pipeline(FunctionTransformer(_log1p_fm), StandardScaler(),
                         LogisticRegression(C=1.0, max_iter=1000, random_state=seed)), list(RFM_COLUMNS)


MODELS = {"hgb": _hgb, "lightgbm": _lightgbm, "logistic_rfm": _logistic}


def make_model(name: str, seed: int = 0, n_threads: int = 1):
    """``(unfitted classifier, columns or None)`` for a trained candidate."""
    return lookup(MODELS, name, what="propensity model")(seed, n_threads)


def calibrate(model, X: pd.DataFrame, y: np.ndarray, *, seed: int = 0, methods=CALIBRATIONS):
    """``(calibrated model, method, {method: cross-validated Brier})`` on a held-out cutoff.

    ``model`` is already fitted on other cutoffs; ``X, y`` are a later cutoff it has not seen.
    """
    y = np.asarray(y, dtype=int)
    scores = {}
    folds = list(StratifiedKFold(2, shuffle=True, random_state=seed).split(X, y)) if y.sum() >= 4 else []
    for m in methods:
        if m == "none":
            scores[m] = float(brier_score_loss(y, model.predict_proba(X)[:, 1]))
            continue
        if not folds:
            continue
        loss = 0.0
        for a, b in folds:
            cal = CalibratedClassifierCV(FrozenEstimator(model), method=m).fit(X.iloc[a], y[a])
            loss += brier_score_loss(y[b], cal.predict_proba(X.iloc[b])[:, 1]) * len(b)
        scores[m] = float(loss / len(y))
    best = min(scores, key=lambda k: (scores[k], CALIBRATIONS.index(k)))
    if best == "none":
        return model, best, scores
    return CalibratedClassifierCV(FrozenEstimator(model), method=best).fit(X, y), best, scores
