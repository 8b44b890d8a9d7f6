"""What a campaign earned: treatment vs holdout, with intervals that keep the claim honest.

The ``campaigns`` table (``customer_id, campaign, group, sent_at``, optional ``coupon_cost``) is
joined with purchases (:func:`mopkit.data.orders.is_purchase`): a recipient *converts* when
they make a purchase in ``(sent_at, sent_at + window_days]``; their revenue is those purchases'
net sales (:func:`mopkit.data.orders.net_order_value`).

Per campaign: recipients and conversion rate per group; the absolute uplift (treatment minus
holdout) with a 95 % interval from :func:`statsmodels.stats.proportion.confint_proportions_2indep`
(Newcombe's hybrid score interval by default; Newcombe 1998, Statistics in Medicine 17:873); the
relative uplift; revenue per recipient per group with a seeded percentile bootstrap of the
difference (Efron & Tibshirani 1993, ch. 13); incremental revenue and orders (per-recipient
difference x treatment recipients) and cost per incremental order (coupon cost of the treatment
group / incremental orders).

Verdicts: ``no_holdout`` (uplift cannot be measured: only raw rates), ``win`` (conversion and
revenue intervals both above zero), ``more_buyers`` (conversion interval above zero, revenue not
proven), ``harm`` (conversion interval below zero), ``not_proven`` (the interval includes zero).
"""
from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from ..data.orders import is_purchase, net_order_value
from ..errors import DataError
from .holdout import HOLDOUT, TREATMENT
from .timing import orders_between

RESULT_COLUMNS = ["campaign", "group_treatment_n", "group_holdout_n", "conv_treatment", "conv_holdout", "uplift_abs",
                  "uplift_abs_low", "uplift_abs_high", "uplift_rel", "rev_per_recipient_treatment",
                  "rev_per_recipient_holdout", "incremental_revenue", "incremental_revenue_low",
                  "incremental_revenue_high", "incremental_orders", "cost_per_incremental_order", "verdict",
                  "coupon_cost", "sent_from", "sent_to", "window_days"]
VERDICTS = ("win", "more_buyers", "not_proven", "harm", "no_holdout")


def campaign_outcomes(campaigns: pd.DataFrame, orders: pd.DataFrame, *, window_days: float = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each recipient's orders and revenue in the ``window_days`` after ``sent_at``.

    Rows whose ``group`` is neither treatment nor holdout, and repeated (campaign, customer) rows
    (first kept), are dropped and counted. Returns ``(recipients, dropped)`` where ``dropped`` has
    ``reason, rows``.

    Raises DataError when required columns are missing.
    """
    need = ["customer_id", "campaign", "group", "sent_at"]
    missing = [c for c in need if c not in campaigns.columns]
    if missing:
        raise DataError(f"the campaigns table lacks columns {missing}", column=", ".join(missing),
                        fix="map them in the client config: data.campaigns.columns: {customer_id: ..., campaign: ..., group: ..., sent_at: ...}")
    c = campaigns.copy()
    if "coupon_cost" not in c:
        c["coupon_cost"] = 0.0
    c["group"] = c["group"].astype(str).str.strip().str.lower()
    dropped = []
    bad = ~c["group"].isin([TREATMENT, HOLDOUT])
    if bad.any():
        dropped.append({"reason": "group is neither treatment nor holdout", "rows": int(bad.sum()),
                        "examples": ", ".join(sorted(c.loc[bad, "group"].unique())[:5])})
        c = c[~bad]
    dup = c.duplicated(["campaign", "customer_id"], keep="first")
    if dup.any():
        dropped.append({"reason": "customer listed twice in a campaign (first kept)", "rows": int(dup.sum()), "examples": ""})
        c = c[~dup]
    c = c.reset_index(drop=True)
    c["_end"] = c["sent_at"] + pd.Timedelta(days=float(window_days))
    buy = is_purchase(orders)
    n, v = orders_between(c, "sent_at", "_end", orders[buy].assign(amount=net_order_value(orders[buy])))
    c["orders"], c["revenue"] = n, v
    c["converted"] = n > 0
    return c.drop(columns="_end"), pd.DataFrame(dropped, columns=["reason", "rows", "examples"])


def _bootstrap_mean_diff(a: np.ndarray, b: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap draws of mean(a) - mean(b), resampling each group with replacement.

    Most recipients spend nothing, so a resample is drawn as: the number of spenders
    ~ Binomial(n, share of spenders), then that many spenders' values with replacement — the same
    distribution as resampling all n rows, at the cost of the spenders only.
    """
    def means(x):
        nz = x[x != 0]
        k = rng.binomial(len(x), len(nz) / len(x), n_boot) if len(x) else np.zeros(n_boot, dtype=int)
        if len(nz) == 0:
            return np.zeros(n_boot)
        sums = np.empty(n_boot)
        step = max(1, int(5_000_000 // max(k.mean(), 1)))  # replicates per chunk: about 5M draws at a time
        for lo in range(0, n_boot, step):
            kk = k[lo:lo + step]
            draws = nz[rng.integers(0, len(nz), int(kk.sum()))]
            cs = np.r_[0.0, np.cumsum(draws)]
            ends = np.cumsum(kk)
            sums[lo:lo + step] = cs[ends] - cs[ends - kk]
        return sums / len(x)

    return means(a) - means(b)


def campaign_results(recipients: pd.DataFrame, *, alpha: float = 0.05, n_boot: int = 2000, seed: int = 0,
                     method: str = "newcomb", window_days: float = 7) -> pd.DataFrame:
    """One row per campaign with :data:`RESULT_COLUMNS` (see the module docstring for definitions).

    ``recipients`` is the first output of :func:`campaign_outcomes`. Intervals are two-sided at
    ``1 - alpha``; ``method`` is passed to statsmodels (``"newcomb"``, ``"wald"``, ``"agresti-caffo"`` ...).
    The bootstrap of each campaign is seeded by ``seed`` and the campaign's name.
    """
    from statsmodels.stats.proportion import confint_proportions_2indep

    rows = []
    for name, c in recipients.groupby("campaign", sort=True):
        # one stream per campaign (seed, campaign name): a campaign's interval does not move when
        # another campaign is added to the log
        rng = np.random.default_rng([int(seed), zlib.crc32(str(name).encode("utf-8"))])
        t, h = c[c["group"] == TREATMENT], c[c["group"] == HOLDOUT]
        nt, nh = len(t), len(h)
        xt, xh = int(t["converted"].sum()), int(h["converted"].sum())
        pt = xt / nt if nt else np.nan
        ph = xh / nh if nh else np.nan
        rt = t["revenue"].mean() if nt else np.nan
        rh = h["revenue"].mean() if nh else np.nan
        cost = float(t["coupon_cost"].sum())
        row = {"campaign": name, "group_treatment_n": nt, "group_holdout_n": nh, "conv_treatment": pt, "conv_holdout": ph,
               "rev_per_recipient_treatment": rt, "rev_per_recipient_holdout": rh, "coupon_cost": cost,
               "sent_from": c["sent_at"].min(), "sent_to": c["sent_at"].max(), "window_days": window_days}
        if nt == 0 or nh == 0:
            row.update({k: np.nan for k in ("uplift_abs", "uplift_abs_low", "uplift_abs_high", "uplift_rel",
                                            "incremental_revenue", "incremental_revenue_low", "incremental_revenue_high",
                                            "incremental_orders", "cost_per_incremental_order")})
            row["verdict"] = "no_holdout"
            rows.append(row)
            continue
        low, high = confint_proportions_2indep(xt, nt, xh, nh, method=method, compare="diff", alpha=alpha)
        diff_rev = _bootstrap_mean_diff(t["revenue"].to_numpy(float), h["revenue"].to_numpy(float), n_boot, rng)
        rlo, rhi = np.quantile(diff_rev, [alpha / 2, 1 - alpha / 2])
        inc_orders = (t["orders"].mean() - h["orders"].mean()) * nt
        row.update({
            "uplift_abs": pt - ph, "uplift_abs_low": float(low), "uplift_abs_high": float(high),
            "uplift_rel": (pt - ph) / ph if ph > 0 else np.nan,
            "incremental_revenue": (rt - rh) * nt, "incremental_revenue_low": rlo * nt, "incremental_revenue_high": rhi * nt,
            "incremental_orders": inc_orders,
            "cost_per_incremental_order": cost / inc_orders if inc_orders > 0 else np.nan,
        })
        row["verdict"] = verdict(float(low), float(high), rlo * nt, rhi * nt)
        rows.append(row)
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def verdict(conv_low: float, conv_high: float, rev_low: float, rev_high: float) -> str:
    """The claim the intervals support (see the module docstring); never a win on a point estimate."""
    if conv_low > 0:
        return "win" if rev_low > 0 else "more_buyers"
    if conv_high < 0:
        return "harm"
    return "not_proven"
