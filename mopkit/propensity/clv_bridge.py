"""The CLV baseline: P(at least one purchase in the horizon) from a fitted BG/NBD-family model.

The only module of :mod:`mopkit.propensity` that imports the CLV code (:mod:`mopkit.clv`).
P(at least one purchase in t) = 1 - the CLV step's churn index
(:meth:`mopkit.clv.TransactionModel.p_no_purchase`), one definition for both: for BG/NBD and
MBG/NBD, P(alive) · (1 - ((α + T) / (α + T + t))^(r + x)).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import clv as _clv  # the one import of the CLV step (see module docstring)
from ..errors import UnknownNameError

CLV_MODELS = ("bgnbd", "mbgnbd")  # those with the closed form above


def p_purchase(transactions: pd.DataFrame, cutoff, customers: pd.Index, *, horizon_days: int,
               model: str = "bgnbd", seed: int = 0) -> tuple[np.ndarray, dict]:
    """P(at least one purchase in ``[cutoff, cutoff + horizon_days)``) for ``customers``.

    ``transactions``: customer_id, order_time, amount, all strictly before ``cutoff`` (the model is
    fitted on them, in days, observation end = the day before the cutoff). Returns the
    probabilities in the order of ``customers`` and the fitted parameters.
    """
    if model not in CLV_MODELS:
        raise UnknownNameError(f"unknown CLV baseline model {model!r}", fix=f"use one of {list(CLV_MODELS)}")
    end = pd.Timestamp(cutoff).normalize() - pd.Timedelta(days=1)
    summary = _clv.clv_summary(transactions, end, amount_col=None, freq="D")
    fitted = _clv.TransactionModel(model, seed=seed).fit(summary)
    s = summary.reindex(customers)
    x, tx, T = (s[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    p = 1.0 - fitted.p_no_purchase(horizon_days, x, tx, T)
    return np.clip(p, 0.0, 1.0), {"model": model, "params": dict(fitted.params_), "loglik": fitted.loglik_}
