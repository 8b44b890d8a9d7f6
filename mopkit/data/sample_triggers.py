"""Planted behaviour for the triggers analysis: browse abandonment and two past campaigns.

Nothing here adds or changes an order: the paid orders stay exactly the BG/NBD process of
:mod:`mopkit.data.sample`. Everything is placed *around* the existing orders.

Browse abandonment (the last ``WINDOW_DAYS`` of the window)
    ``N_ABANDON`` buyers view one product for a long time (``duration_s = 180 + Exp(mean 240)``,
    so every planted view passes the default 180 s threshold) and add nothing to the cart:

    - *came back* (probability ``RETURN_SHARE``): the view is placed 3-7 days before one of the
      customer's real paid orders, with no other order in the 14 days before that order; with a
      24 h wait the message would go out 2-6 days before the order, so the customer converts
      within 7 days of it;
    - *did not come back*: the view is placed where the customer has no order in the 7 days
      before nor in the 10 days after.

    A few of the abandoners whose view falls in the last 2 days are on the opt-out list
    (``opt_out.csv``, raw buyer ids as a merchant would keep them).

Past campaigns (``campaigns`` table)
    - ``CAMPAIGN_UPLIFT``: sent ``UPLIFT_SENT`` to ``UPLIFT_N`` random buyers whose first order is
      30+ days older, ``UPLIFT_HOLDOUT`` held out, conversion = a paid order within ``WINDOW`` days. The
      effect is planted in *who was held out*: a customer who (in the BG/NBD data) orders in the
      window is put in treatment with probability ``a``, others with ``b``, solved so that the
      expected treatment share is ``1 - holdout`` and the expected conversion of treatment minus
      holdout is ``TRUE_UPLIFT`` exactly (smaller when a tiny sample has too few converters to
      carry it; ``truth.json`` records the value planted). This is the same as a message that adds ``TRUE_UPLIFT``
      conversion, without touching the orders.
    - ``CAMPAIGN_NULL``: ``NULL_N`` random buyers, ``NULL_HOLDOUT`` held out at random: no effect.
    Treatment converters redeemed a ``COUPON`` CNY coupon (``coupon_cost``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

SEED_TAG = 13  # this module's random stream: default_rng([seed, SEED_TAG]), independent of the others
WINDOW_DAYS = 90
N_ABANDON = 1500  # at 20,000 customers; scaled with the number of customers
RETURN_SHARE = 0.30
VIEW_SECONDS = {"min": 180.0, "exp_mean": 240.0}
N_OPT_OUT = 5
CAMPAIGN_UPLIFT, UPLIFT_SENT, UPLIFT_HOLDOUT, TRUE_UPLIFT, UPLIFT_N = "老客召回_2025Q4", "2025-10-15 10:00:00", 0.25, 0.02, 6000
CAMPAIGN_NULL, NULL_SENT, NULL_HOLDOUT, NULL_N = "新年短信_2025", "2025-11-20 10:00:00", 0.10, 3000
WINDOW = 14
COUPON = 10.0


def _orders_in(paid: pd.DataFrame, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.Series:
    """Per customer: whether they have a paid order in ``(lo, hi]``."""
    m = (paid["order_time"] > lo) & (paid["order_time"] <= hi)
    return paid.loc[m, "customer_id"].value_counts()


def plant(seed: int, orders: pd.DataFrame, skus: pd.DataFrame, *, end: str, n_customers: int):
    """Extra browse events, the campaigns table and this module's truth.

    ``orders``: canonical orders (raw ids); ``skus``: catalogue with ``sku, weight``; ``end``: last
    day of the window. Returns ``(events, campaigns, truth)``.
    """
    rng = np.random.default_rng([seed, SEED_TAG])
    paid = orders[orders["status"] == "paid"][["customer_id", "order_time", "amount"]].sort_values("order_time", kind="stable")
    end_t = pd.Timestamp(end) + pd.Timedelta(days=1) - pd.Timedelta(seconds=1)
    lo = end_t - pd.Timedelta(days=WINDOW_DAYS)
    n_ab = max(int(round(N_ABANDON * n_customers / 20_000)), 20)
    n_ret = int(rng.binomial(n_ab, RETURN_SHARE))

    # came back: a real order o at least 7 days into the window, previous order >= 14 days before
    p = paid.assign(prev=paid.groupby("customer_id")["order_time"].shift(1))
    ok = (p["order_time"] > lo + pd.Timedelta(days=7)) & p["prev"].notna() & (p["prev"] < p["order_time"] - pd.Timedelta(days=14))
    pool = p[ok].drop_duplicates("customer_id")
    ret = pool.iloc[np.sort(rng.choice(len(pool), size=min(n_ret, len(pool)), replace=False))]
    ret_t = ret["order_time"] - pd.to_timedelta(rng.uniform(3, 7, len(ret)), unit="D")

    # did not come back: an earlier order exists, none in [t - 7 d, t + 10 d]
    buyers = paid.groupby("customer_id")["order_time"].min()
    buyers = buyers[buyers < lo - pd.Timedelta(days=7)].index.difference(ret["customer_id"])
    cand = rng.choice(np.asarray(buyers, dtype=object), size=min(3 * (n_ab - len(ret)), len(buyers)), replace=False)
    t = lo + pd.to_timedelta(rng.uniform(0, WINDOW_DAYS, len(cand)) * 86400, unit="s")
    c = pd.DataFrame({"customer_id": cand, "t": t.floor("s")}).sort_values("t", kind="stable")
    c = c.astype({"customer_id": str, "t": "datetime64[ns]"})
    right = pd.DataFrame({"customer_id": paid["customer_id"].astype(str).to_numpy(),
                          "t": paid["order_time"].astype("datetime64[ns]").to_numpy()})
    right["_o"] = right["t"]
    prev = pd.merge_asof(c, right, on="t", by="customer_id", direction="backward")["_o"].to_numpy()
    nxt = pd.merge_asof(c, right, on="t", by="customer_id", direction="forward")["_o"].to_numpy()
    clear = ((pd.isna(prev)) | (prev < (c["t"] - pd.Timedelta(days=7)).to_numpy())) & \
            ((pd.isna(nxt)) | (nxt > (c["t"] + pd.Timedelta(days=10)).to_numpy()))
    stay = c[clear].drop_duplicates("customer_id")
    stay = stay.iloc[np.sort(rng.choice(len(stay), size=min(n_ab - len(ret), len(stay)), replace=False))]

    who = np.concatenate([ret["customer_id"].to_numpy(dtype=object), stay["customer_id"].to_numpy(dtype=object)])
    when = pd.DatetimeIndex(np.concatenate([ret_t.dt.floor("s").to_numpy(), stay["t"].to_numpy()]))
    n = len(who)
    sku = skus["sku"].to_numpy()[rng.choice(len(skus), n, p=skus["weight"].to_numpy())]
    dur = np.round(VIEW_SECONDS["min"] + rng.exponential(VIEW_SECONDS["exp_mean"], n), 1)
    events = pd.DataFrame({"customer_id": who, "event_time": when, "event_type": "view", "sku": sku, "duration_s": dur})
    # a short earlier glance at another product for half of them (below the threshold: no trigger)
    g = rng.random(n) < 0.5
    glance = pd.DataFrame({"customer_id": who[g], "event_time": when[g] - pd.to_timedelta(rng.integers(60, 600, g.sum()), unit="s"),
                           "event_type": "view", "sku": skus["sku"].to_numpy()[rng.integers(0, len(skus), g.sum())],
                           "duration_s": np.round(rng.uniform(5, 60, g.sum()), 1)})
    events = pd.concat([events, glance], ignore_index=True)
    recent = stay[stay["t"] > end_t - pd.Timedelta(days=2)]
    opt_out = sorted(recent["customer_id"].head(N_OPT_OUT).tolist())

    campaigns, camp_truth = _campaigns(rng, paid)
    truth = {
        "module": "mopkit.data.sample_triggers",
        "browse_abandonment": {
            "window_days": WINDOW_DAYS, "n_abandoners": n, "n_came_back": int(len(ret)), "return_share": RETURN_SHARE,
            "view_seconds": VIEW_SECONDS, "n_in_last_2_days": int(len(recent)), "opt_out_in_last_2_days": len(opt_out),
            "rule": "planted views pass the 180 s threshold with no add-to-cart; 'came back' = a paid order 3-7 days "
                    "after the view and none in the 14 days before it; the others have no order from 7 days before "
                    "to 10 days after the view. Expected 7-day conversion after a 24 h wait: came back 1, others 0.",
        },
        "opt_out_ids": opt_out,
        "campaigns": camp_truth,
    }
    return events, campaigns, truth


def _campaigns(rng, paid: pd.DataFrame):
    rows, truth = [], {}
    # 1. planted uplift, effect in who was held out
    sent = pd.Timestamp(UPLIFT_SENT)
    first = paid.groupby("customer_id")["order_time"].min()
    pool = np.asarray(first[first < sent - pd.Timedelta(days=30)].index, dtype=object)
    pool = pool[np.sort(rng.choice(len(pool), size=min(UPLIFT_N, len(pool)), replace=False))]
    conv = _orders_in(paid, sent, sent + pd.Timedelta(days=WINDOW))
    y = pd.Index(pool).isin(conv.index)
    p0 = float(y.mean())
    s = 1.0 - UPLIFT_HOLDOUT
    # a <= 1 needs uplift <= p0 / s: a tiny sample with few converters gets a smaller planted uplift
    uplift = min(TRUE_UPLIFT, 0.9 * p0 / s)
    a = s + s * (1 - s) * uplift / p0 if p0 > 0 else s  # P(treatment | converts)
    b = (s - a * p0) / (1 - p0)  # P(treatment | does not)
    treat = rng.random(len(pool)) < np.where(y, a, b)
    rows.append(pd.DataFrame({"customer_id": pool, "campaign": CAMPAIGN_UPLIFT, "group": np.where(treat, "treatment", "holdout"),
                              "sent_at": sent, "coupon_cost": np.where(treat & y, COUPON, 0.0)}))
    rev = paid[(paid["order_time"] > sent) & (paid["order_time"] <= sent + pd.Timedelta(days=WINDOW))].groupby("customer_id")["amount"].sum()
    rev_conv = float(rev.reindex(pool[y]).mean()) if y.any() else 0.0
    truth[CAMPAIGN_UPLIFT] = {
        "sent_at": UPLIFT_SENT, "window_days": WINDOW, "holdout_share": UPLIFT_HOLDOUT, "recipients": int(len(pool)),
        "true_uplift_abs": uplift, "pool_conversion": p0, "p_treatment_if_converts": a, "p_treatment_if_not": b,
        "expected_conv_treatment": a * p0 / s, "expected_conv_holdout": (1 - a) * p0 / (1 - s),
        "true_incremental_revenue_per_recipient": uplift * rev_conv,
        "mechanism": "effect planted in the group assignment (orders untouched): P(treatment) is a for customers who "
                     "order in the window and b for the others, so E[conv | treatment] - E[conv | holdout] = true_uplift_abs",
    }
    # 2. no effect
    sent2 = pd.Timestamp(NULL_SENT)
    pool2 = np.asarray(first[first < sent2 - pd.Timedelta(days=30)].index, dtype=object)
    pool2 = pool2[np.sort(rng.choice(len(pool2), size=min(NULL_N, len(pool2)), replace=False))]
    hold = rng.random(len(pool2)) < NULL_HOLDOUT
    y2 = pd.Index(pool2).isin(_orders_in(paid, sent2, sent2 + pd.Timedelta(days=WINDOW)).index)
    rows.append(pd.DataFrame({"customer_id": pool2, "campaign": CAMPAIGN_NULL, "group": np.where(hold, "holdout", "treatment"),
                              "sent_at": sent2, "coupon_cost": np.where(~hold & y2, COUPON, 0.0)}))
    truth[CAMPAIGN_NULL] = {"sent_at": NULL_SENT, "window_days": WINDOW, "holdout_share": NULL_HOLDOUT,
                            "recipients": int(len(pool2)), "true_uplift_abs": 0.0,
                            "mechanism": "holdout drawn at random, independent of behaviour: no effect"}
    camp = pd.concat(rows, ignore_index=True)
    return camp, truth
