"""Customer value: RFM, repeat-purchase model, spend model, CLV, churn risk and tiers in one pipeline.

:func:`customer_value` is a short pipeline of named steps (each a plain function below), so a
consultant can read what happens in order: prepare transactions, score RFM, summarise repeat
purchases, choose the transaction model on a holdout, fit spend, predict, band churn risk, tier.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError
from .summary import _end_day, calibration_holdout_split, clv_summary, days_per_unit, prepare_transactions, time_unit_args

CHURN_BANDS = {"high": 0.3, "medium": 0.7}  # P(alive) below 0.3 -> high risk, below 0.7 -> medium
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
            return out
        out.update({"chosen_model": self.model.model, "params": self.model.params_, "loglik": self.model.loglik_,
                    "fit_rung": self.model.rung_, "fit_rows": self.model.n_rows_,
                    "fit_customers": self.model.n_fit_customers_,
                    "fit_sample": (f"seeded random subsample of {self.model.n_fit_customers_} of {self.model.n_customers_} "
                                   f"customers (seed {self.model.seed}); predictions cover every customer"
                                   if self.model.n_fit_customers_ < self.model.n_customers_ else "all customers")})
        if self.comparison is not None:
            tab = self.comparison.table
            out.update({"chosen_by": "lowest holdout RMSE of per-customer repeat purchases",
                        "calibration_end": str((self.observation_end - pd.Timedelta(days=s["holdout_days"])).date()),
                        "margin_over_runner_up": self.comparison.margin,
                        "models": {m: {k: (v if not isinstance(v, float) or np.isfinite(v) else None)
                                       for k, v in row.items() if not (isinstance(v, float) and np.isnan(v))}
                                   for m, row in tab.to_dict("index").items()}})
        out["gamma_gamma"] = {"params": self.spend.params_, "loglik": self.spend.loglik_, "fit_rung": self.spend.rung_,
                              "n_customers": self.spend.n_customers_}
        out["independence_check"] = self.independence
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
    tier_thresholds: dict | None = None,
    tier_basis: str = "spend",
    base_tier: str | None = None,
    churn_bands: dict | None = None,
    min_repeat_customers: int = 200,
    models=("bgnbd", "pareto_nbd", "mbgnbd"),
    rfm_method: str = "quantile",
    lang: str = "zh",
    customer_col: str = "customer_id",
    time_col: str = "order_time",
    amount_col: str = "amount",
) -> CustomerValue:
    """RFM scores and segments, and (when there is enough data) CLV, for every customer.

    Required columns of ``orders`` (canonical): ``customer_id, order_time, amount``; optional
    ``status, refund_amount`` (see :func:`prepare_transactions`).

    Models are compared on a holdout of the last ``holdout_days`` (0 = no comparison, BG/NBD),
    the winner is refitted on all data to ``observation_end``. Tiers: ``tier_thresholds`` maps tier
    name -> minimum of the ``tier_basis`` value ("spend" = total spend to date, the default,
    because loyalty benefits are usually promised on spend; "clv" = predicted CLV, falling back to
    spend when CLV is skipped). ``churn_bands`` = ``{"high": a, "medium": b}``: P(alive) < a is
    high risk, < b medium, else low; without a CLV model the R score stands in (1 high, 2 medium).

    Fewer than ``min_repeat_customers`` repeat buyers: CLV is skipped (``clv_ok`` False,
    ``skipped_reason`` says why) and the RFM part is still returned.
    """
    from . import rfm as R  # noqa: PLC0415
    from . import likelihoods as L  # noqa: PLC0415
    from . import models as M  # noqa: PLC0415
    from ..errors import ConfigError, InsufficientDataError, ModelError  # noqa: PLC0415
    from ..i18n import t  # noqa: PLC0415

    if tier_basis not in ("spend", "clv"):
        raise ConfigError(f"tier_basis {tier_basis!r} is not supported", fix="use 'spend' or 'clv'")
    bands = dict(CHURN_BANDS, **(churn_bands or {}))
    freq, mult = time_unit_args(time_unit)
    dpu = days_per_unit(time_unit)
    prep = prepare_transactions(orders, observation_end, customer_col=customer_col, time_col=time_col, amount_col=amount_col)
    tx = prep.transactions
    end = _end_day(observation_end, tx[time_col])
    settings = dict(observation_end=str(end.date()), time_unit=time_unit, holdout_days=int(holdout_days),
                    horizon_days=int(horizon_days), discount_rate=float(discount_rate), churn_bands=bands,
                    tier_thresholds=dict(tier_thresholds or {}), tier_basis=tier_basis,
                    min_repeat_customers=int(min_repeat_customers))

    rfm = R.rfm_scores(R.rfm_table(tx, end, customer_col=customer_col, time_col=time_col, amount_col=amount_col), method=rfm_method)
    seg = R.classic_segments(rfm)
    cn8 = R.cn8_segments(rfm)
    cust = rfm.copy()
    cust["rfm_code"] = cust["R"].astype(str) + cust["F"].astype(str) + cust["M"].astype(str)
    cust["segment_key"] = seg
    cust["segment"] = [t(f"seg.{k}", lang) for k in seg]
    cust["segment_cn8_key"] = cn8
    cust["segment_cn8"] = [t(f"seg.{k}", lang) for k in cn8]

    kw = dict(customer_col=customer_col, time_col=time_col, amount_col=amount_col, freq=freq, freq_multiplier=mult)
    summary = clv_summary(tx, end, **kw)
    res = CustomerValue(cust, prep.dropped, end, settings, summary)
    try:
        M.check_enough_data(summary, min_repeat_customers)
    except InsufficientDataError as exc:
        res.skipped_reason = exc.message
    if res.skipped_reason is None:
        best = models[0]
        if holdout_days > 0:
            try:
                res.cal_holdout = calibration_holdout_split(tx, end - pd.Timedelta(days=int(holdout_days)), end, **kw)
                res.comparison = M.select_model(res.cal_holdout, models)
                best = res.comparison.best
            except DataError:
                res.cal_holdout = None  # holdout empty: no comparison, first model used
        res.model = M.TransactionModel(best).fit(summary)
        try:
            res.spend = M.SpendModel().fit(summary)
        except (InsufficientDataError, ModelError) as exc:
            res.skipped_reason = exc.message
    if res.skipped_reason is None:
        res.independence = M.independence_check(summary)
        res.clv_ok = True
        (uf, ur, uT), _, inv = L.unique_rows(*(summary[c].to_numpy(float) for c in ("frequency", "recency", "T")))
        pred = pd.DataFrame({"p_alive": res.model.p_alive(uf, ur, uT)})
        for d in (30, 90, 365):
            pred[f"exp_purchases_{d}d"] = res.model.expected_purchases(d / dpu, uf, ur, uT)
        # CLV needs the customer's own value, so it is computed on unique (f, r, T) with unit value
        # and multiplied by the expected order value afterwards (CLV is linear in it).
        pred["clv_per_unit_value"] = discounted_clv(res.model, np.ones(len(uf)), uf, ur, uT, horizon_days=horizon_days,
                                                    discount_rate=discount_rate, days_per_unit=dpu)
        keyed = pd.DataFrame(pred.to_numpy()[inv], columns=pred.columns, index=summary.index)
        eov = res.spend.expected_order_value(summary["frequency"], summary["monetary_value"])
        cust = cust.join(summary.rename(columns={"frequency": "repeat_frequency", "recency": "repeat_recency",
                                                 "monetary_value": "avg_repeat_value"}))
        cust = cust.join(keyed.drop(columns="clv_per_unit_value"))
        cust["expected_order_value"] = pd.Series(np.asarray(eov), index=summary.index).reindex(cust.index)
        cust["clv"] = (keyed["clv_per_unit_value"] * cust["expected_order_value"].reindex(keyed.index)).reindex(cust.index)
        pa = cust["p_alive"].to_numpy()
        cust["churn_risk"] = np.where(pa < bands["high"], "high", np.where(pa < bands["medium"], "medium", "low"))
        cust["churn_basis"] = "p_alive"
    else:
        cust["churn_risk"] = np.where(cust["R"] <= 1, "high", np.where(cust["R"] <= 2, "medium", "low"))
        cust["churn_basis"] = "r_score"
    basis = "clv" if tier_basis == "clv" and res.clv_ok else "total_spend"
    settings["tier_basis_used"] = "clv" if basis == "clv" else "spend"
    cust["tier"] = R.assign_tiers(cust[basis], tier_thresholds or {}, base=base_tier or t("tier.base", lang))
    res.customers = cust
    return res
