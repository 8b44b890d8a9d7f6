"""A browse signal that predicts purchases beyond purchase history (issue 14, propensity).

Planted in the sample merchant WITHOUT touching a single order (so the BG/NBD and Gamma-Gamma
truths stay exactly as they were): only ``view`` events are added.

- **Intent views.** Before a share :data:`INTENT_SHARE` of repeat purchases (paid orders that are
  not the customer's first), one long product view (dwell >= :data:`LONG_VIEW_S` seconds) of a
  bought SKU is placed uniformly in the :data:`INTENT_WINDOW_DAYS` days before the order, but
  after the customer's previous paid order (at least 1 h after it and 1 h before the order).
  A customer with such a view and no order since is about to buy: purchase history cannot know.
- **Decoy views.** Every buyer also makes long views unrelated to purchases, a Poisson process of
  :data:`DECOY_PER_YEAR` per year from their first order to the end of the window, so the signal
  is noisy, as real browsing is.

Dwell of both: uniform between ``LONG_VIEW_S`` and ``DWELL_MAX_S`` seconds. Views are never before a
customer's first order, so ``customers.first_seen`` is unchanged. Random numbers come from their
own stream (``SeedSequence([seed, STREAM])``): the other tables are byte-identical with or without
this module.

The realised strength goes into ``truth.json["propensity"]``: at the reference cutoff (the last
``horizon_days`` of the window), the next-30-day purchase rate of buyers with a long view in the
30 days before the cutoff, divided by that of buyers without one (purchases as the CLV step counts
them: not cancelled, net of refunds > 0).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import sample_products as prod

STREAM = 14  # issue number: a random stream of its own
LONG_VIEW_S = 150.0  # a "long view": dwell of at least 2.5 minutes
#: The planted views last under this (the browse-abandonment trigger's default threshold), so the
#: triggers' planted abandoners stay the only ones that trigger sees; both are long views here.
DWELL_MAX_S = 179.0
INTENT_SHARE = 0.6  # share of repeat purchases preceded by a planted long view
INTENT_WINDOW_DAYS = 21  # the view falls in the 21 days before the order
DECOY_PER_YEAR = 0.5  # long views per buyer per year that predict nothing
FEATURE_WINDOW_DAYS = 30  # window of the realised-lift check (the propensity features' long_views_30d)
HORIZON_DAYS = 30


def add_long_views(seed: int, o: pd.DataFrame, items: pd.DataFrame, events: pd.DataFrame, t0, end_s: int) -> pd.DataFrame:
    """``events`` plus the planted intent and decoy long views (new frame, same columns and order).

    ``o`` is the generator's order frame (``cidx``, ``secs``, ``status``, ``order_id``,
    ``customer_id``), ``items`` the order lines, ``t0`` the window start, ``end_s`` its last second.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, STREAM]))
    paid = o[o["status"] == "paid"].sort_values(["cidx", "secs"], kind="stable")
    cidx, secs = paid["cidx"].to_numpy(), paid["secs"].to_numpy()
    prev = np.r_[-1, secs[:-1]]
    repeat = np.r_[False, cidx[1:] == cidx[:-1]]
    lo = np.maximum(prev + 3600, secs - INTENT_WINDOW_DAYS * 86400)
    hi = secs - 3600
    pick = repeat & (hi > lo) & (rng.random(len(paid)) < INTENT_SHARE)
    lo, hi = lo[pick], hi[pick]
    t_int = lo + (rng.random(lo.size) * (hi - lo)).astype("int64")
    first_sku = items.drop_duplicates("order_id").set_index("order_id")["sku"]
    sku_int = first_sku.reindex(paid["order_id"].to_numpy()[pick]).to_numpy()
    cust_int = paid["customer_id"].to_numpy()[pick]

    first = paid.groupby("cidx", sort=True).agg(first=("secs", "min"), cid=("customer_id", "first"))
    span_years = (end_s - first["first"].to_numpy() - 3600) / (365.0 * 86400)
    k = rng.poisson(DECOY_PER_YEAR * np.maximum(span_years, 0.0))
    rep = np.repeat(np.arange(len(first)), k)
    f0 = first["first"].to_numpy()[rep] + 3600
    t_dec = f0 + (rng.random(rep.size) * (end_s - f0)).astype("int64")
    cat = prod.catalogue()
    sku_dec = cat["sku"].to_numpy()[rng.choice(len(cat), rep.size, p=cat["weight"].to_numpy())]
    cust_dec = first["cid"].to_numpy()[rep]

    n = t_int.size + t_dec.size
    new = pd.DataFrame({
        "customer_id": np.concatenate([cust_int, cust_dec]).astype(object),
        "event_time": pd.Timestamp(t0) + pd.to_timedelta(np.concatenate([t_int, t_dec]), unit="s"),
        "event_type": "view",
        "sku": np.concatenate([sku_int, sku_dec]).astype(object),
        "duration_s": np.round(rng.uniform(LONG_VIEW_S, DWELL_MAX_S, n), 1),
    })
    ev = pd.concat([events, new], ignore_index=True)
    return ev.sort_values(["event_time", "customer_id", "event_type", "sku"], kind="stable").reset_index(drop=True)


def realised_lift(orders: pd.DataFrame, events: pd.DataFrame, cutoff, *, window_days: int = FEATURE_WINDOW_DAYS,
                  horizon_days: int = HORIZON_DAYS, long_view_s: float = LONG_VIEW_S) -> dict:
    """Purchase rate in ``[cutoff, cutoff + horizon)`` of buyers (a purchase before the cutoff)
    with / without a view of at least ``long_view_s`` in ``[cutoff - window, cutoff)``, and their
    ratio. Purchases: not cancelled and ``amount - refund_amount > 0``."""
    c = pd.Timestamp(cutoff)
    net = orders["amount"] - orders["refund_amount"].fillna(0.0)
    buy = orders[(orders["status"] != "cancelled") & (net > 0)]
    known = pd.Index(buy.loc[buy["order_time"] < c, "customer_id"].unique())
    later = set(buy.loc[(buy["order_time"] >= c) & (buy["order_time"] < c + pd.Timedelta(days=horizon_days)), "customer_id"])
    ev = events[(events["event_type"] == "view") & (events["duration_s"] >= long_view_s)
                & (events["event_time"] >= c - pd.Timedelta(days=window_days)) & (events["event_time"] < c)]
    flagged = known.isin(set(ev["customer_id"]))
    bought = known.isin(later)
    rate_f = float(bought[flagged].mean())
    rate_n = float(bought[~flagged].mean())
    return {"cutoff": str(c.date()), "customers": int(len(known)), "with_long_view": int(flagged.sum()),
            "rate_with_long_view": rate_f, "rate_without": rate_n, "lift": rate_f / rate_n}


def truth(tables: dict, end: str) -> dict:
    """The planted browse signal for ``truth.json`` (design and realised strength)."""
    cutoff = pd.Timestamp(end) + pd.Timedelta(days=1) - pd.Timedelta(days=HORIZON_DAYS)
    return {
        "module": "mopkit.data.sample_propensity",
        "long_view_s": LONG_VIEW_S, "intent_share": INTENT_SHARE, "intent_window_days": INTENT_WINDOW_DAYS,
        "decoy_per_year": DECOY_PER_YEAR, "dwell": f"uniform {LONG_VIEW_S:g}-{DWELL_MAX_S:g} s (under the browse-abandonment trigger's 180 s)",
        "rules": "one long view of a bought SKU before intent_share of repeat paid orders, uniform in the "
                 "intent_window_days before the order and after the previous paid order (>= 1 h from both); "
                 "decoy long views: Poisson(decoy_per_year) per buyer-year from the first order to the end. "
                 "No order is added, moved or changed.",
        "realised": realised_lift(tables["orders"], tables["events"], cutoff),
        "realised_definition": f"buyers with a purchase before the cutoff; flag: a view >= long_view_s in the "
                               f"{FEATURE_WINDOW_DAYS} days before it; rate: share with a purchase in the "
                               f"{HORIZON_DAYS} days from it (not cancelled, amount - refund_amount > 0)",
    }
