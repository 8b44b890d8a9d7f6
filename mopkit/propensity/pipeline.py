"""The propensity step: compare the models on a time split, choose one, score everyone.

Two tasks share one recipe (:func:`run_task`):

- **purchase**: will a customer with a past purchase buy in the next ``horizon_days``?
- **churn**: among customers who bought in the last ``active_days``, who makes no purchase in the
  next ``churn_days``? (Every model predicts P(purchase); churn risk is 1 − that.)

Recipe with ``n_train`` training cutoffs, one horizon apart, before the test cutoff (whose label
window is the last fully observed ``horizon`` days): a trained model is fitted on all training
cutoffs but the latest, calibrated on the latest (:func:`.models.calibrate`) and evaluated on the
test cutoff; the BG/NBD baseline is fitted on the purchases before the test cutoff. The model with
the best PR-AUC on the test window is chosen — but a tree model only if its PR-AUC beats both
baselines by ``min_gain`` (relative); otherwise the better baseline is used and the result says
so. The chosen recipe is then moved forward one window (fitted on the later training cutoffs,
calibrated on the test cutoff, or the BG/NBD refitted on everything) and scores every customer
at the day after the last order.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ..errors import InsufficientDataError
from . import clv_bridge
from .explain import importance, reasons
from .features import Activity, _release_arrow_memory, cutoffs, features_with_codes, labels_of_codes, prepare_activity
from .metrics import deciles, evaluate, lift_table, reliability
from .models import BASELINES, TREES, calibrate, make_model

DEFAULT_MODELS = ("lightgbm", "logistic_rfm", "bgnbd")  # lightgbm: see README (measured against hgb)
#: Trained models learn from a seeded random sample of at most this many (customer, cutoff) rows;
#: every customer is still scored. Measured at 10M orders (README, issue 16): PR-AUC and top-decile
#: lift on the held-out window equal those of all ~2M rows to the third decimal, training 4x faster.
DEFAULT_MAX_TRAIN_ROWS = 500_000


@dataclass
class TaskResult:
    """One task (purchase or churn): metrics of every model on the test window and the choice."""

    task: str
    horizon_days: int
    cutoffs: dict
    metrics: pd.DataFrame  # index model: roc_auc, pr_auc, brier, top_decile_lift, ..., calibration
    chosen: str
    trees_win: bool  # a tree model beat both baselines by min_gain
    best_tree: str | None
    best_baseline: str | None
    min_gain: float
    test_scores: dict = field(default_factory=dict)  # model -> score of the positive class on the test window
    test_y: np.ndarray | None = None
    lift: pd.DataFrame | None = None  # chosen model, by decile, test window
    reliability: dict = field(default_factory=dict)  # model -> reliability table
    importance: pd.DataFrame | None = None
    calibration: dict = field(default_factory=dict)  # model -> {method, brier by method}
    final: tuple | None = None  # (model, columns): the chosen model moved forward one window; None for bgnbd
    explainer: tuple | None = None  # (model, columns, name) whose reasons are given (the chosen, else a baseline)
    clv_params: dict = field(default_factory=dict)
    clv_params_final: dict = field(default_factory=dict)
    train_sample: dict | None = None  # {"rows", "of"} when a training set was cut to max_train_rows; else None


@dataclass
class PropensityResult:
    """What the propensity step produced (see :func:`fit_propensity`)."""

    purchase: TaskResult
    churn: TaskResult | None
    scores: pd.DataFrame  # index customer_id: propensity, decile, churn_risk, lapsed, reasons
    settings: dict
    dropped: pd.DataFrame
    churn_skipped: str | None = None

    def model_json(self) -> dict:
        """Everything ``propensity_model.json`` holds: cutoffs, metrics, choice, calibration."""
        def task_json(tr: TaskResult | None):
            if tr is None:
                return None
            return {
                "horizon_days": tr.horizon_days,
                "cutoffs": {"train": [str(c.date()) for c in tr.cutoffs["train"]], "test": str(tr.cutoffs["test"].date()),
                            "score": str(tr.cutoffs["score"].date())},
                "metrics": {m: {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in row.items()}
                            for m, row in tr.metrics.to_dict(orient="index").items()},
                "chosen": tr.chosen, "trees_beat_baselines": tr.trees_win, "best_tree": tr.best_tree,
                "best_baseline": tr.best_baseline, "min_gain": tr.min_gain,
                "calibration": tr.calibration, "clv_baseline": tr.clv_params,
                "importance": None if tr.importance is None else tr.importance.head(15).to_dict(orient="records"),
                "reasons_from": None if tr.explainer is None else tr.explainer[2],
                "clv_baseline_at_score_cutoff": tr.clv_params_final or None,
                "top_decile_test": None if tr.lift is None else tr.lift.iloc[0].to_dict(),
                # only when the cap was hit: files of clients below it stay as they were
                **({"training_sample": tr.train_sample} if tr.train_sample else {}),
            }
        return {"settings": self.settings, "purchase": task_json(self.purchase), "churn": task_json(self.churn),
                "churn_skipped": self.churn_skipped, "customers_scored": int(len(self.scores)),
                "orders_left_out": self.dropped.to_dict(orient="records")}


def _transactions(act: Activity, cutoff) -> pd.DataFrame:
    """Purchases before ``cutoff``; customer_id = the integer code (codes follow id order, so the
    CLV summary's rows, and hence its fit, are those of the text ids, without hashing text)."""
    P = act.purchases
    m = P.t < np.int64(pd.Timestamp(cutoff).value)
    return pd.DataFrame({"customer_id": P.codes[m], "order_time": P.t[m].astype("datetime64[ns]"),
                         "amount": P.cols["value"][m]})


def _frame(act, c, horizon, active_days):
    """(features, labels, codes) of the population at cutoff ``c``."""
    X, codes = features_with_codes(act, c, active_days=active_days)
    return X, labels_of_codes(act, c, codes, horizon_days=horizon), codes


def _training_rows(frames_fit, max_rows, seed):
    """``(X, y, sample)``: the rows of ``frames_fit`` stacked, or a seeded random sample of
    ``max_rows`` of them (positions drawn over the stack, in stack order; ``sample`` = {"rows",
    "of"}, else None). Rows are picked per frame before stacking, so the full stack is never built."""
    total = sum(len(f[0]) for f in frames_fit)
    if max_rows is None or total <= max_rows:
        return pd.concat([f[0] for f in frames_fit]), np.concatenate([f[1] for f in frames_fit]), None
    idx = np.sort(np.random.default_rng(seed).choice(total, max_rows, replace=False))
    bounds = np.cumsum([0] + [len(f[0]) for f in frames_fit])
    parts = [idx[(idx >= lo) & (idx < hi)] - lo for lo, hi in zip(bounds[:-1], bounds[1:])]
    X = pd.concat([f[0].iloc[p] for f, p in zip(frames_fit, parts)])
    y = np.concatenate([f[1][p] for f, p in zip(frames_fit, parts)])
    return X, y, {"rows": int(max_rows), "of": int(total)}


def _fit_trained(name, frames_fit, frame_cal, seed, max_train_rows, n_threads=1):
    est, cols = make_model(name, seed, n_threads)
    X, y, sample = _training_rows(frames_fit, max_train_rows, seed)
    cols = list(X.columns) if cols is None else cols
    est.fit(X if cols == list(X.columns) else X[cols], y)
    del X
    model, method, briers = calibrate(est, frame_cal[0][cols], frame_cal[1], seed=seed)
    return model, cols, {"method": method, "brier_by_method": briers}, sample


def run_task(act: Activity, *, task: str = "purchase", horizon_days: int = 30, active_days: int | None = None,
             n_train: int = 3, models=DEFAULT_MODELS, min_gain: float = 0.05, clv_model: str = "bgnbd",
             seed: int = 0, max_train_rows: int | None = DEFAULT_MAX_TRAIN_ROWS, importance_rows: int = 8_000,
             explain: bool = True, n_threads: int = 1) -> TaskResult:
    """Compare ``models`` on the time split of one task; choose; refit the choice one window later.

    Raises
    ------
    InsufficientDataError
        The history is too short for ``n_train`` + 1 windows, or a window has no buyer / one class.
    """
    if n_train < 2:
        raise InsufficientDataError("at least 2 training cutoffs are needed (one to fit, one to calibrate)",
                                    fix="set n_train: 2 or more")
    cs = cutoffs(act.last_day, horizon_days=horizon_days, n_train=n_train)
    windows = cs["train"] + [cs["test"]]
    if windows[0] <= act.first_day + pd.Timedelta(days=horizon_days):
        raise InsufficientDataError(
            f"the history ({act.first_day.date()} .. {act.last_day.date()}) is too short for {n_train} training "
            f"windows of {horizon_days} days plus a test window", fix="lower n_train or horizon_days, or add history")
    frames = [_frame(act, c, horizon_days, active_days) for c in windows]
    for c, (X, y, _codes) in zip(windows, frames):
        if len(X) == 0 or y.min() == y.max():
            raise InsufficientDataError(f"the window from {c.date()} has {len(X)} customers and only one outcome",
                                        fix="use a longer history or horizon")
    pos = (lambda p: p) if task == "purchase" else (lambda p: 1.0 - p)
    X_test, y_buy, test_codes = frames[-1]
    y_test = y_buy if task == "purchase" else 1 - y_buy
    rows, scores, cal, fitted, clv_params, samples = {}, {}, {}, {}, {}, []
    for name in models:
        if name == "bgnbd" or name == clv_model:
            p, info = clv_bridge.p_purchase(_transactions(act, cs["test"]), cs["test"], test_codes,
                                            horizon_days=horizon_days, model=clv_model, seed=seed)
            name = "bgnbd"
            clv_params = info
            cal[name] = {"method": "n/a"}
        else:
            model, cols, cal[name], sample = _fit_trained(name, frames[:-2], frames[-2], seed, max_train_rows, n_threads)
            samples.append(sample)
            fitted[name] = (model, cols)
            p = model.predict_proba(X_test[cols])[:, 1]
        scores[name] = pos(p)
        rows[name] = {**evaluate(y_test, scores[name]), "calibration": cal[name]["method"]}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "model"
    trees = [m for m in table.index if m in TREES]
    bases = [m for m in table.index if m in BASELINES]
    best_tree = max(trees, key=lambda m: table.loc[m, "pr_auc"]) if trees else None
    best_base = max(bases, key=lambda m: table.loc[m, "pr_auc"]) if bases else None
    wins = best_tree is not None and (best_base is None or all(
        table.loc[best_tree, "pr_auc"] >= (1 + min_gain) * table.loc[b, "pr_auc"] for b in bases))
    chosen = best_tree if wins else (best_base or best_tree)
    res = TaskResult(task=task, horizon_days=horizon_days, cutoffs=cs, metrics=table, chosen=chosen, trees_win=bool(wins),
                     best_tree=best_tree, best_baseline=best_base, min_gain=min_gain, test_scores=scores,
                     test_y=y_test, lift=lift_table(y_test, scores[chosen]),
                     reliability={m: reliability(y_test, s) for m, s in scores.items()},
                     calibration=cal, clv_params=clv_params)
    expl = chosen if chosen in fitted else next((m for m in ("logistic_rfm", *trees) if m in fitted), None)
    if not explain:
        expl = chosen if chosen in fitted else None
    if expl is not None:
        model, cols = fitted[expl]
        if explain:
            res.importance = importance(model, X_test[cols], y_buy, seed=seed, max_rows=importance_rows).assign(model=expl)
        fwd, fcols, _, sample = _fit_trained(expl, frames[1:-1], frames[-1], seed, max_train_rows, n_threads)
        samples.append(sample)
        res.explainer = (fwd, fcols, expl)
        if expl == chosen:
            res.final = (fwd, fcols)
    cut = [s for s in samples if s]
    res.train_sample = max(cut, key=lambda s: s["of"]) if cut else None
    return res


def fit_propensity(orders: pd.DataFrame, events: pd.DataFrame | None = None, touchpoints: pd.DataFrame | None = None, *,
                   horizon_days: int = 30, churn_days: int = 90, active_days: int = 365, n_train: int = 3,
                   models=DEFAULT_MODELS, min_gain: float = 0.05, clv_model: str = "bgnbd", seed: int = 0,
                   lang: str = "zh", reasons_top: int = 3, reasons_deciles: int = 3, reasons_candidates: int = 6,
                   max_train_rows: int | None = DEFAULT_MAX_TRAIN_ROWS,
                   n_threads: int = 1, activity: Activity | None = None) -> PropensityResult:
    """Purchase propensity and churn risk for every customer with a past purchase.

    Required columns: see :func:`.features.prepare_activity`. Returns a
    :class:`PropensityResult` whose ``scores`` (index customer_id) hold ``propensity`` (calibrated
    P(purchase in the next ``horizon_days``)), ``decile`` (1 = most likely), ``churn_risk``
    (P(no purchase in the next ``churn_days``); NaN for ``lapsed`` customers, who bought nothing
    in the last ``active_days``) and ``reasons`` (up to ``reasons_top`` reasons in words, in
    ``lang``, drawn from the ``reasons_candidates`` most important features, for customers in
    deciles 1..``reasons_deciles``; empty for the others). ``max_train_rows``: train on a seeded
    random sample of at most that many (customer, cutoff) rows (None: all; the model JSON
    records the sample only when the cap was hit); ``n_threads``: OpenMP threads.

    Raises
    ------
    InsufficientDataError
        Too little history for the purchase task (the churn task is skipped with a stated reason).
    """
    with threadpool_limits(limits=n_threads):  # OpenMP spin-waits badly on a shared, busy machine
        return _fit_propensity(orders, events, touchpoints, horizon_days=horizon_days, churn_days=churn_days,
                               active_days=active_days, n_train=n_train, models=models, min_gain=min_gain,
                               clv_model=clv_model, seed=seed, lang=lang, reasons_top=reasons_top,
                               reasons_deciles=reasons_deciles, reasons_candidates=reasons_candidates, max_train_rows=max_train_rows, n_threads=n_threads, activity=activity)


def _fit_propensity(orders, events, touchpoints, *, horizon_days, churn_days, active_days, n_train, models, min_gain,
                    clv_model, seed, lang, reasons_top, reasons_deciles, reasons_candidates, max_train_rows, n_threads,
                    activity) -> PropensityResult:
    act = activity if activity is not None else prepare_activity(orders, events, touchpoints)
    _release_arrow_memory()  # what reading the tables left in Arrow's pool
    kw = dict(n_train=n_train, models=models, min_gain=min_gain, clv_model=clv_model, seed=seed,
              max_train_rows=max_train_rows, n_threads=n_threads)
    buy = run_task(act, task="purchase", horizon_days=horizon_days, **kw)
    churn, churn_skipped = None, None
    try:
        churn = run_task(act, task="churn", horizon_days=churn_days, active_days=active_days, explain=False, **kw)
    except InsufficientDataError as exc:
        churn_skipped = exc.message
    score_c = buy.cutoffs["score"]
    X, codes = features_with_codes(act, score_c)
    p_buy = _predict(act, buy, X, codes, score_c, horizon_days, clv_model, seed)
    scores = pd.DataFrame({"propensity": p_buy, "decile": deciles(p_buy)}, index=X.index)
    active = (X["recency_days"] <= active_days).to_numpy()
    scores["churn_risk"] = np.nan
    if churn is not None:
        scores.loc[active, "churn_risk"] = 1.0 - _predict(act, churn, X[active], codes[active], score_c, churn_days,
                                                          clv_model, seed)
    scores["lapsed"] = ~active
    scores["reasons"] = ""
    if buy.explainer is not None:
        model, cols, _ = buy.explainer
        cands = list(buy.importance["feature"].head(reasons_candidates)) if buy.importance is not None else cols
        few = scores["decile"].to_numpy() <= reasons_deciles  # reasons for the customers worth a message
        scores.loc[few, "reasons"] = reasons(lambda Z: model.predict_proba(Z[cols])[:, 1], X.loc[few, cols], cands,
                                             lang=lang, top=reasons_top).to_numpy()
    settings = {"horizon_days": horizon_days, "churn_days": churn_days, "active_days": active_days, "n_train": n_train,
                "models": list(models), "min_gain": min_gain, "clv_model": clv_model, "seed": seed,
                "reasons_deciles": reasons_deciles,
                # the cap only when a training set was cut by it (None: every row was used)
                "max_train_rows": max_train_rows if any(tr is not None and tr.train_sample for tr in (buy, churn)) else None, "n_threads": n_threads, "last_order_day": str(act.last_day.date()),
                "purchase_definition": "orders not cancelled, with a customer id and amount - refund_amount > 0",
                "feature_rule": "features of cutoff c read only rows with time < c; labels read [c, c + horizon)"}
    return PropensityResult(purchase=buy, churn=churn, scores=scores, settings=settings, dropped=act.dropped,
                            churn_skipped=churn_skipped)


def _predict(act, tr: TaskResult, X, codes, c, horizon, clv_model, seed) -> np.ndarray:
    """P(purchase in ``horizon``) at cutoff ``c`` from the task's chosen model, moved forward
    (``codes``: the customers of ``X``'s rows)."""
    if tr.final is None:
        p, info = clv_bridge.p_purchase(_transactions(act, c), c, codes, horizon_days=horizon, model=clv_model, seed=seed)
        tr.clv_params_final = info
        return p
    model, cols = tr.final
    return model.predict_proba(X[cols])[:, 1]
