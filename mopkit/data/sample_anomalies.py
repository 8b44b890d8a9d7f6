"""Anomalies planted in the sample merchant's last weeks, so the cockpit's alerts have something
to show (and a test can check the rules fire on exactly these).

Relative to the last complete Monday-to-Sunday week before the window's end (``week``):

* ``roas_collapse``: channel ``search`` buys ``ROAS_FACTOR`` x its traffic for the two weeks
  ending with ``week`` (impressions, clicks and cost all multiplied, so CTR and CPC keep their
  planted values) without any extra sale: its ROAS falls to about 1/``ROAS_FACTOR``.
* ``refund_spike``: in ``week``, a share ``REFUND_SHARE`` of channel ``douyin``'s paid orders that
  are neither the customer's first order nor the end of a tracked journey become fully refunded.
* ``ctr_drop``: in ``week``, channel ``wechat`` gets ``CTR_FACTOR`` x its clicks (and cost, so
  CPC keeps its planted value) for the same impressions.

Each touches a handful of rows of two years, so the planted totals (CTR, CPC, status rates,
BG/NBD) stay within the tolerances of their tests.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

ROAS_CHANNEL, ROAS_FACTOR = "search", 6.0
#: The collapse is planted to a ROAS of about this (the sample's target is 5): the traffic is bought
#: ROAS_FACTOR times over, or more when the channel's own ROAS in the window is higher than usual.
ROAS_AFTER = 1.5
REFUND_CHANNEL, REFUND_SHARE = "douyin", 0.9
CTR_CHANNEL, CTR_FACTOR = "wechat", 0.45


def last_complete_week(end) -> pd.Timestamp:
    """Monday of the last Monday-to-Sunday week ending on or before ``end``."""
    end = pd.Timestamp(end).normalize()
    monday = end - pd.Timedelta(days=end.weekday())
    return monday if end.weekday() == 6 else monday - pd.Timedelta(days=7)


def plant_anomalies(tables: dict[str, pd.DataFrame], end, seed: int, keep=()) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    """Return new ``orders`` and ``ad_spend`` tables with the anomalies, and their descriptions
    for ``truth.json`` (inputs are not modified). Orders in ``keep`` (those ending a tracked
    journey, which must stay paid) are never refunded."""
    rng = np.random.default_rng([seed, 12])
    week = last_complete_week(end)
    w_end = week + pd.Timedelta(days=6)
    two = week - pd.Timedelta(days=7)
    ads = tables["ad_spend"].copy()
    orders = tables["orders"].copy()

    m = (ads["channel"] == ROAS_CHANNEL) & (ads["date"] >= two) & (ads["date"] <= w_end)
    day_o = orders["order_time"].dt.normalize()
    sold = orders.loc[(orders["channel"] == ROAS_CHANNEL) & (orders["status"] != "cancelled")
                      & (day_o >= two) & (day_o <= w_end), "amount"].sum()
    factor = max(ROAS_FACTOR, float(sold / max(ads.loc[m, "cost"].sum(), 1e-9)) / ROAS_AFTER)
    ads.loc[m, "impressions"] = np.round(ads.loc[m, "impressions"] * factor).astype("int64")
    ads.loc[m, "clicks"] = np.round(ads.loc[m, "clicks"] * factor).astype("int64")
    ads.loc[m, "cost"] = np.round(ads.loc[m, "cost"] * factor, 2)

    m = (ads["channel"] == CTR_CHANNEL) & (ads["date"] >= week) & (ads["date"] <= w_end)
    clicks = np.round(ads.loc[m, "clicks"] * CTR_FACTOR).astype("int64")
    cpc = (ads.loc[m, "cost"] / ads.loc[m, "clicks"].where(ads.loc[m, "clicks"] > 0)).fillna(0.0)
    ads.loc[m, "clicks"] = clicks
    ads.loc[m, "cost"] = np.round(clicks * cpc, 2)

    o = orders.sort_values(["order_time", "order_id"], kind="stable")
    first_paid = o[o["status"] == "paid"].groupby("customer_id")["order_id"].transform("first")
    day = o["order_time"].dt.normalize()
    cand = o.index[(o["status"] == "paid") & (o["channel"] == REFUND_CHANNEL) & (day >= week) & (day <= w_end)
                   & (o["order_id"] != first_paid.reindex(o.index)) & ~o["order_id"].isin(list(keep))]
    hit = cand[rng.random(len(cand)) < REFUND_SHARE]
    orders.loc[hit, "status"] = "refunded"
    orders.loc[hit, "refund_amount"] = orders.loc[hit, "amount"]

    d = lambda ts: ts.date().isoformat()  # noqa: E731
    truth = [
        {"rule": "roas_below_target", "channel": ROAS_CHANNEL, "start": d(two), "end": d(w_end),
         "factor": round(factor, 2),
         "what": f"impressions, clicks and cost x{factor:.1f} with no extra sale (ROAS about {ROAS_AFTER:g} over the two weeks)"},
        {"rule": "refund_spike", "channel": REFUND_CHANNEL, "start": d(week), "end": d(w_end),
         "what": f"{len(hit)} of {len(cand)} paid non-first orders fully refunded (share {REFUND_SHARE})",
         "orders": int(len(hit))},
        {"rule": "ctr_drop", "channel": CTR_CHANNEL, "start": d(week), "end": d(w_end),
         "what": f"clicks and cost x{CTR_FACTOR} for the same impressions"},
    ]
    return {**tables, "orders": orders, "ad_spend": ads}, truth
