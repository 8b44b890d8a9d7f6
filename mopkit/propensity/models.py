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
(:class:`Calibrated`: a map of the model's scores, fitted with scikit-learn's
``LogisticRegression`` / ``IsotonicRegression``), whichever gives the lowest Brier score in a
2-fold split of that cutoff; then refitted on the whole of it. The model scores the cutoff once
(``CalibratedClassifierCV`` on a frozen model would score it again for every fold and method:
minutes at a million customers).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.isotonic import IsotonicRegression
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


class Calibrated:
    """A fitted classifier followed by a fitted calibration map of its scores (scikit-learn style:
    ``predict_proba`` returns the two columns). ``method``: "none", "sigmoid" (Platt 1999: a
    logistic regression on the log-odds of the score) or "isotonic" (monotone, clipped)."""

    def __init__(self, model, method: str = "none"):
        self.model = model
        self.method = method

    @staticmethod
    def _logit(p):
        p = np.clip(p, 1e-6, 1 - 1e-6)
        return np.log(p / (1 - p)).reshape(-1, 1)

    def fit(self, scores, y):
        """Learn the map from the model's raw scores (P(class 1)) on held-out rows."""
        if self.method == "sigmoid":
            self.map_ = LogisticRegression(C=1e6, max_iter=1000).fit(self._logit(scores), y)
        elif self.method == "isotonic":
            self.map_ = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(scores, y)
        else:
            self.map_ = None
        return self

    def transform_scores(self, scores):
        if self.method == "sigmoid":
            return self.map_.predict_proba(self._logit(scores))[:, 1]
        if self.method == "isotonic":
            return self.map_.predict(scores)
        return np.asarray(scores, dtype=float)

    def predict_proba(self, X):
        p = self.transform_scores(self.model.predict_proba(X)[:, 1])
        return np.column_stack([1 - p, p])



def calibrate(model, X: pd.DataFrame, y: np.ndarray, *, seed: int = 0, methods=CALIBRATIONS, max_rows: int = 200_000):
    """``(calibrated model, method, {method: cross-validated Brier})`` on a held-out cutoff.

    ``model`` is already fitted on other cutoffs; ``X, y`` are a later cutoff it has not seen (a
    seeded random sample of at most ``max_rows`` of its customers is used). The model scores
    those rows once; each method's map is judged by a 2-fold split of them (Brier score), the
    best is refitted on all of them.
    """
    y = np.asarray(y, dtype=int)
    if len(X) > max_rows:
        idx = np.sort(np.random.default_rng(seed).choice(len(X), max_rows, replace=False))
        X, y = X.iloc[idx], y[idx]
    raw = model.predict_proba(X)[:, 1]
    folds = list(StratifiedKFold(2, shuffle=True, random_state=seed).split(raw, y)) if y.sum() >= 4 else []
    scores = {}
    for m in methods:
        if m == "none":
            scores[m] = float(brier_score_loss(y, raw))
        elif folds:
            loss = sum(brier_score_loss(y[b], Calibrated(model, m).fit(raw[a], y[a]).transform_scores(raw[b])) * len(b)
                       for a, b in folds)
            scores[m] = float(loss / len(y))
    best = min(scores, key=lambda k: (scores[k], CALIBRATIONS.index(k)))
    return Calibrated(model, best).fit(raw, y), best, scores
