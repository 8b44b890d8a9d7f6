"""Customer value: RFM, repeat-purchase model, spend model, CLV, churn risk and tiers in one pipeline.

:func:`customer_value` is a short pipeline of named steps (each a plain function below), so a
consultant can read what happens in order: prepare transactions, score RFM, summarise repeat
purchases, choose the transaction model on a holdout, fit spend, predict, band churn risk, tier.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError, InsufficientDataError, ModelError
from ..i18n import t
from . import likelihoods as L
from . import models as M
from . import rfm as R
from .summary import (_end_day, calibration_holdout_split, clv_summary, days_per_unit, holdout_frequency,
                      prepare_transactions, time_unit_args)

#: Churn index = P(no purchase in the next ``churn_days``). At or above "high" -> high risk, at or
#: above "medium" -> medium, else low. Each band's realised no-purchase share on the holdout is
#: reported beside it (:func:`calibrate_churn`), so the bands say what they mean on this client's data.
CHURN_BANDS = {"high": 0.9, "medium": 0.7}
CHURN_LEVELS = ("high", "medium", "low")


@dataclass
class CustomerValue:
    """Everything the RFM/CLV step produced (see :func:`customer_value`)."""

    customers: pd.DataFrame  # one row per customer (index customer_id)
    dropped: pd.DataFrame  # reason, rows
    observation_end: pd.Timestamp
    settings: dict
    summary: pd.DataFrame  # frequency, recency, T, monetary_value in the model time unit
    clv_ok: bool = False
    skipped_reason: str | None = None
    cal_holdout: pd.DataFrame | None = None
    comparison: object = None  # clv_models.ModelComparison
    model: object = None  # clv_models.TransactionModel fitted on all data
    spend: object = None  # clv_models.SpendModel
    independence: dict | None = None
    churn_calibration: pd.DataFrame | None = None  # band, customers, predicted and realised no-purchase share
    notes: list = field(default_factory=list)  # every fallback: {"kind", "why", ...}; in words by clv.fallbacks()
    transactions: pd.DataFrame | None = field(default=None, repr=False)  # the purchases analysed (prepare_transactions)

    def model_json(self) -> dict:
        """The content of ``outputs/clv_model.json``."""
        s = self.settings
        out = {"status": "fitted" if self.clv_ok else "skipped", "skipped_reason": self.skipped_reason,
               "observation_end": str(self.observation_end.date()), "time_unit": s["time_unit"],
               "holdout_days": s["holdout_days"], "horizon_days": s["horizon_days"],
               "discount_rate_annual": s["discount_rate"], "n_customers": int(len(self.summary)),
               "n_repeat_customers": int((self.summary["frequency"] > 0).sum()),
               "dropped_orders": self.dropped.to_dict("records")}
        if not self.clv_ok:
            out["notes"] = list(self.notes)
            return out
        out.update({"chosen_model": self.model.model, "params": self.model.params_, "loglik": self.model.loglik_,
                    "fit_rung": self.model.rung_, "fit_rows": self.model.n_rows_,
                    "fit_customers": self.model.n_fit_customers_,
                    "fit_sample": (f"seeded random subsample of {self.model.n_fit_customers_} of {self.model.n_customers_} "
                                   f"customers (seed {self.model.seed}); predictions cover every customer"
                                   if self.model.n_fit_customers_ < self.model.n_customers_ else "all customers")})
        if self.comparison is not None:
            tab = self.comparison.table
            out.update({"chosen_by": self.comparison.rule + " (holdout RMSE of per-customer repeat purchases)",
                        "choice_rule": {"reference": self.comparison.reference,
                                        "min_improvement": self.comparison.min_improvement},
                        "calibration_end": str((self.observation_end - pd.Timedelta(days=s["holdout_days"])).date()),
                        "margin_over_runner_up": self.comparison.margin,
                        "models": {m: {k: (v if not isinstance(v, float) or np.isfinite(v) else None)
                                       for k, v in row.items() if not (isinstance(v, float) and np.isnan(v))}
                                   for m, row in tab.to_dict("index").items()}})
        out["gamma_gamma"] = {"params": self.spend.params_, "loglik": self.spend.loglik_, "fit_rung": self.spend.rung_,
                              "n_customers": self.spend.n_customers_}
        out["independence_check"] = self.independence
        out["churn_index"] = {"definition": f"P(no purchase in the next {s['churn_days']} days) from the chosen model",
                              "bands": s["churn_bands"],
                              "calibration": None if self.churn_calibration is None else self.churn_calibration.to_dict("records")}
        out["notes"] = list(self.notes)
        return out


def discounted_clv(model, spend_value: np.ndarray, frequency, recency, T, *, horizon_days: float,
                   discount_rate: float, days_per_unit: float, step_days: float = 30.0) -> np.ndarray:
    """Discounted expected spend over ``horizon_days``: sum over 30-day steps k of
    expected order value x expected purchases in step k / (1 + annual rate)^(end of step k in years).

    The discrete-step discounting follows lifetimes' ``customer_lifetime_value`` (Fader, Hardie &
    Lee 2005b) but with an annual rate and exact step ends, so a horizon need not be whole months.
    """
    ends = np.minimum(np.arange(1, int(np.ceil(horizon_days / step_days)) + 1) * step_days, horizon_days)
    clv = np.zeros(len(np.asarray(frequency)))
    prev = np.zeros_like(clv)
    for e in ends:
        cum = model.expected_purchases(e / days_per_unit, frequency, recency, T)
        clv += spend_value * (cum - prev) / (1.0 + discount_rate) ** (e / 365.0)
        prev = cum
    return clv


def customer_value(
    orders: pd.DataFrame,
    *,
    observation_end=None,
    time_unit: str = "W",
    holdout_days: int = 90,
    horizon_days: int = 365,
    discount_rate: float = 0.10,
    churn_days: int = 90,
    tier_thresholds: dict | None = None,
    tier_basis: str = "spend",
    base_tier: str | None = None,
    churn_bands: dict | None = None,
    min_repeat_customers: int = 200,
    models=("bgnbd", "pareto_nbd", "mbgnbd"),
    min_improvement: float = 0.02,
    rfm_method: str = "quantile",
    lang: str = "zh",
    customer_col: str = "customer_id",
    time_col: str = "order_time",
    amount_col: str = "amount",
) -> CustomerValue:
    """RFM scores and segments, and (when there is enough data) CLV and a churn index, for every customer.

    Required columns of ``orders`` (canonical): ``customer_id, order_time, amount``; optional
    ``status, refund_amount`` (see :func:`prepare_transactions`).

    A short pipeline of named steps: :func:`score_rfm` -> :func:`clv_summary` ->
    :func:`choose_model` (holdout of the last ``holdout_days``; BG/NBD kept unless a challenger
    is ``min_improvement`` better) -> :func:`fit_value_models` (winner refitted on all data,
    Gamma-Gamma) -> :func:`predict_customers` (P(alive), expected purchases, CLV, churn index =
    P(no purchase in ``churn_days``)) -> :func:`calibrate_churn` (each band's realised
    no-purchase share on the holdout) -> :func:`band_churn` -> :func:`assign_value_tiers`.

    Tiers: ``tier_thresholds`` maps tier name -> minimum of the ``tier_basis`` value ("spend" =
    total spend to date; "clv" = predicted CLV, falling back to spend when CLV is skipped).
    ``churn_bands`` = ``{"high": a, "medium": b}``: churn index >= a is high risk, >= b medium;
    without a CLV model the R score stands in (1 high, 2 medium) and a note says so.
    Every fallback is recorded in ``notes`` (what was tried, why it failed, what was used).

    Fewer than ``min_repeat_customers`` repeat buyers: CLV is skipped (``clv_ok`` False,
    ``skipped_reason`` says why) and the RFM part is still returned.
    """
    if tier_basis not in ("spend", "clv"):
        raise ConfigError(f"tier_basis {tier_basis!r} is not supported", fix="use 'spend' or 'clv'")
    bands = dict(CHURN_BANDS, **(churn_bands or {}))
    if not 0 < bands["medium"] <= bands["high"] <= 1:
        raise ConfigError(f"churn_bands {bands} must satisfy 0 < medium <= high <= 1",
                          fix="they are probabilities of no purchase in churn_days, e.g. {high: 0.9, medium: 0.7}")
    freq, mult = time_unit_args(time_unit)
    prep = prepare_transactions(orders, observation_end, customer_col=customer_col, time_col=time_col, amount_col=amount_col)
    tx = prep.transactions
    end = _end_day(observation_end, tx[time_col])
    settings = dict(observation_end=str(end.date()), time_unit=time_unit, holdout_days=int(holdout_days),
                    horizon_days=int(horizon_days), discount_rate=float(discount_rate), churn_days=int(churn_days),
                    churn_bands=bands, tier_thresholds=dict(tier_thresholds or {}), tier_basis=tier_basis,
                    min_repeat_customers=int(min_repeat_customers), min_improvement=float(min_improvement))
    cols = dict(customer_col=customer_col, time_col=time_col, amount_col=amount_col)
    kw = dict(cols, freq=freq, freq_multiplier=mult)

    cust = score_rfm(tx, end, lang=lang, method=rfm_method, **cols)
    summary = clv_summary(tx, end, **kw)
    res = CustomerValue(cust, prep.dropped, end, settings, summary, transactions=tx)
    try:
        M.check_enough_data(summary, min_repeat_customers)
    except InsufficientDataError as exc:
        res.skipped_reason = exc.message
    if res.skipped_reason is None:
        res.comparison, res.cal_holdout, best = choose_model(tx, end, holdout_days, models, min_improvement, res.notes, **kw)
        cal_fit = res.comparison.models.get(best) if res.comparison is not None else None
        res.model, res.spend, res.skipped_reason = fit_value_models(summary, best, start=cal_fit)
        res.notes.extend(retry_notes(res.model, res.spend))
    if res.skipped_reason is None:
        res.independence = M.independence_check(summary)
        res.clv_ok = True
        cust = cust.join(predict_customers(res.model, res.spend, summary, horizon_days=horizon_days,
                                           discount_rate=discount_rate, churn_days=churn_days,
                                           days_per_unit=days_per_unit(time_unit)))
        res.churn_calibration = calibrate_churn(res, tx, bands, churn_days, **kw)
    elif res.skipped_reason:
        res.notes.append({"kind": "clv_skipped", "why": res.skipped_reason})
    cust = band_churn(cust, bands)
    basis = "clv" if tier_basis == "clv" and res.clv_ok else "total_spend"
    if tier_basis == "clv" and not res.clv_ok:
        res.notes.append({"kind": "tiers_by_spend", "why": res.skipped_reason or ""})
    settings["tier_basis_used"] = "clv" if basis == "clv" else "spend"
    res.customers = assign_value_tiers(cust, basis, tier_thresholds or {}, base_tier=base_tier or t("tier.base", lang))
    return res


def score_rfm(tx: pd.DataFrame, end: pd.Timestamp, *, lang: str = "zh", method: str = "quantile",
              customer_col: str = "customer_id", time_col: str = "order_time", amount_col: str = "amount") -> pd.DataFrame:
    """Step 1: RFM table, scores, both segment schemes (keys and names in ``lang``), one row per customer."""
    rfm = R.rfm_scores(R.rfm_table(tx, end, customer_col=customer_col, time_col=time_col, amount_col=amount_col), method=method)
    seg, cn8 = R.classic_segments(rfm), R.cn8_segments(rfm)
    cust = rfm.copy()
    cust["rfm_code"] = cust["R"].astype(str) + cust["F"].astype(str) + cust["M"].astype(str)
    cust["segment_key"] = seg
    cust["segment"] = [t(f"seg.{k}", lang) for k in seg]
    cust["segment_cn8_key"] = cn8
    cust["segment_cn8"] = [t(f"seg.{k}", lang) for k in cn8]
    return cust


def choose_model(tx: pd.DataFrame, end: pd.Timestamp, holdout_days: int, models, min_improvement: float, notes: list,
                 **kw) -> tuple:
    """Step 2: compare the transaction models on a holdout; ``(comparison, cal_holdout, chosen name)``.

    ``holdout_days`` 0 means no comparison (BG/NBD, noted). A holdout that cannot be built (no
    customer bought before it, or nothing in it) is a recorded fallback to the first model.
    """
    if holdout_days <= 0:
        notes.append({"kind": "no_holdout", "model": M.MODEL_NAMES[models[0]], "why": "holdout_days = 0"})
        return None, None, models[0]
    try:
        cal = calibration_holdout_split(tx, end - pd.Timedelta(days=int(holdout_days)), end, **kw)
    except DataError as exc:
        notes.append({"kind": "holdout_failed", "days": int(holdout_days), "why": exc.message,
                      "model": M.MODEL_NAMES[models[0]]})
        return None, None, models[0]
    comparison = M.select_model(cal, models, reference=models[0], min_improvement=min_improvement)
    return comparison, cal, comparison.best


def fit_value_models(summary: pd.DataFrame, best: str, start=None) -> tuple:
    """Step 3: the chosen transaction model and Gamma-Gamma, fitted on all data; ``(model, spend, skipped_reason)``.

    ``start``: the same model fitted on the calibration period; a Pareto/NBD fit on all data
    starts from its parameters (same optimum, fewer steps)."""
    # Pareto/NBD (numerical gradient) starts where its calibration fit ended; the others are cheap
    # to fit from lifetimes' start, which keeps their parameters identical to earlier runs
    warm = getattr(start, "params_", None) if best == "pareto_nbd" else None
    model = M.TransactionModel(best).fit(summary, start=warm)
    try:
        spend = M.SpendModel().fit(summary)
    except (InsufficientDataError, ModelError) as exc:
        return model, None, exc.message
    return model, spend, None


def retry_notes(model, spend) -> list[dict]:
    """A note for each fitted model that needed a later rung of the retry ladder (a penalised or
    loosened fit), naming the rungs that failed and why."""
    out = []
    for what, m in (("transaction", model), ("spend", spend)):
        if m is None or not getattr(m, "attempts_", None) or m.attempts_[0]["ok"]:
            continue
        failed = "; ".join(f"{a['rung']}: {a['error']}" for a in m.attempts_ if not a["ok"])
        out.append({"kind": "retry", "what": what, "why": failed, "rung": m.rung_})
    return out


def predict_customers(model, spend, summary: pd.DataFrame, *, horizon_days: float, discount_rate: float,
                      churn_days: float, days_per_unit: float) -> pd.DataFrame:
    """Step 4: per customer (index of ``summary``) the repeat summary under distinct names, P(alive),
    expected purchases in 30/90/365 days, expected order value, CLV and the churn index.

    Predictions are computed once per distinct (frequency, recency, T) history; CLV is linear in
    the expected order value, so it is computed with unit value and multiplied afterwards.
    """
    (uf, ur, uT), _, inv = L.unique_rows(*(summary[c].to_numpy(float) for c in ("frequency", "recency", "T")))
    pred = pd.DataFrame({"p_alive": model.p_alive(uf, ur, uT)})
    for d in (30, 90, 365):
        pred[f"exp_purchases_{d}d"] = model.expected_purchases(d / days_per_unit, uf, ur, uT)
    pred["churn_index"] = model.p_no_purchase(churn_days / days_per_unit, uf, ur, uT)
    pred["clv_per_unit_value"] = discounted_clv(model, np.ones(len(uf)), uf, ur, uT, horizon_days=horizon_days,
                                                discount_rate=discount_rate, days_per_unit=days_per_unit)
    keyed = pd.DataFrame(pred.to_numpy()[inv], columns=pred.columns, index=summary.index)
    out = summary.rename(columns={"frequency": "repeat_frequency", "recency": "repeat_recency",
                                  "monetary_value": "avg_repeat_value"})
    out = out.join(keyed.drop(columns=["clv_per_unit_value", "churn_index"]))
    out["expected_order_value"] = np.asarray(spend.expected_order_value(summary["frequency"], summary["monetary_value"]))
    out["clv"] = keyed["clv_per_unit_value"] * out["expected_order_value"]
    out["churn_index"] = keyed["churn_index"]
    return out


def calibrate_churn(res: CustomerValue, tx: pd.DataFrame, bands: dict, churn_days: int, **kw) -> pd.DataFrame | None:
    """Step 5: how the churn bands did on the holdout: the calibration-period model's churn index at
    the calibration end, banded, against the share of each band that really bought nothing in the
    next ``churn_days`` (capped at the holdout length). None without a holdout comparison (noted).
    """
    if res.comparison is None:
        res.notes.append({"kind": "churn_unchecked", "why": ""})
        return None
    days = int(min(churn_days, res.settings["holdout_days"]))
    cal_end = res.observation_end - pd.Timedelta(days=res.settings["holdout_days"])
    ch = res.cal_holdout
    if days != res.settings["holdout_days"]:  # same calibration period, shorter holdout: recount only the holdout
        ch = ch.assign(frequency_holdout=holdout_frequency(tx, cal_end, cal_end + pd.Timedelta(days=days), ch.index,
                                                            customer_col=kw["customer_col"], time_col=kw["time_col"],
                                                            freq=kw["freq"]))
    m = res.comparison.models[res.comparison.best]
    p0 = m.p_no_purchase(days / days_per_unit(res.settings["time_unit"]),
                         *(ch[c].to_numpy(float) for c in ("frequency_cal", "recency_cal", "T_cal")))
    frame = pd.DataFrame({"churn_index": p0, "bought": ch["frequency_holdout"].to_numpy() > 0})
    frame["band"] = _bands(p0, bands)
    g = frame.groupby("band")
    out = pd.DataFrame({"customers": g.size(), "predicted_no_purchase": g["churn_index"].mean(),
                        "realised_no_purchase": 1.0 - g["bought"].mean()}).reindex(list(CHURN_LEVELS)).dropna(how="all")
    out.insert(0, "days", days)
    return out.reset_index()


def _bands(p0: np.ndarray, bands: dict) -> np.ndarray:
    return np.where(p0 >= bands["high"], "high", np.where(p0 >= bands["medium"], "medium", "low"))


def band_churn(cust: pd.DataFrame, bands: dict) -> pd.DataFrame:
    """Step 6: ``churn_risk`` high/medium/low from the churn index, or from the R score when there is no model."""
    out = cust.copy()
    if "churn_index" in out.columns:
        out["churn_risk"] = _bands(out["churn_index"].to_numpy(), bands)
        out["churn_basis"] = "churn_index"
    else:
        out["churn_risk"] = np.where(out["R"] <= 1, "high", np.where(out["R"] <= 2, "medium", "low"))
        out["churn_basis"] = "r_score"
    return out


def assign_value_tiers(cust: pd.DataFrame, basis: str, thresholds: dict, *, base_tier: str) -> pd.DataFrame:
    """Step 7: the value tier of each customer from column ``basis``."""
    out = cust.copy()
    out["tier"] = R.assign_tiers(out[basis], thresholds, base=base_tier)
    return out
