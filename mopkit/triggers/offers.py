"""Suggested channel and offer per audience row.

Channel: the first of ``channel_priority`` the customer can be reached on — WeCom (a WeChat id,
or orders in the WeChat mini-program), SMS (a phone number), Douyin (a Douyin id or Douyin
orders), Tmall / Xiaohongshu (orders there); ``platform`` (an in-store message) when none.
Offer: a coupon by value tier (``coupon_by_tier``, key ``default`` for the rest), never above
``max_discount_share`` of the margin on the customer's average order; rules listed in
``no_coupon`` get a plain reminder.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

CHANNEL_PRIORITY = ["wecom", "sms", "douyin", "tmall", "xiaohongshu"]
_ORDER_CHANNEL = {"wechat": "wecom", "douyin": "douyin", "tmall": "tmall", "xiaohongshu": "xiaohongshu"}
_CONTACT = {"wechat_id": "wecom", "phone": "sms", "douyin_id": "douyin"}


def reachable(customers: pd.DataFrame | None, orders: pd.DataFrame) -> pd.DataFrame:
    """One row per customer id, one boolean column per channel of :data:`CHANNEL_PRIORITY`."""
    parts = []
    if customers is not None:
        for col, ch in _CONTACT.items():
            if col in customers:
                has = customers[customers[col].notna() & (customers[col].astype(str).str.len() > 0)
                                & (customers[col].astype(str) != "nan")]
                parts.append(pd.DataFrame({"customer_id": has["customer_id"], "ch": ch}))
    if "channel" in orders:
        oc = orders[["customer_id", "channel"]].drop_duplicates()
        code = pd.Index(list(_ORDER_CHANNEL)).get_indexer(oc["channel"])  # -1: a channel we cannot message on
        oc = pd.DataFrame({"customer_id": oc["customer_id"].to_numpy()[code >= 0],
                           "ch": np.asarray(list(_ORDER_CHANNEL.values()), dtype=object)[code[code >= 0]]})
        parts.append(oc[["customer_id", "ch"]])
    if not parts:
        return pd.DataFrame(columns=["customer_id", *CHANNEL_PRIORITY]).set_index("customer_id")
    both = pd.concat(parts, ignore_index=True)
    codes, ids = pd.factorize(both["customer_id"])
    out = np.zeros((len(ids), len(CHANNEL_PRIORITY)), dtype=bool)
    col = pd.Index(CHANNEL_PRIORITY).get_indexer(both["ch"])
    out[codes, col] = True
    return pd.DataFrame(out, index=pd.Index(ids, name="customer_id"), columns=CHANNEL_PRIORITY)


def suggest_channel(customer_ids: pd.Series, reach: pd.DataFrame, priority: list[str] | None = None) -> np.ndarray:
    """The first channel of ``priority`` each customer can be reached on, else ``"platform"``."""
    pri = [c for c in (priority or CHANNEL_PRIORITY) if c in reach.columns]
    r = reach.reindex(customer_ids, fill_value=False)
    out = np.full(len(customer_ids), "platform", dtype=object)
    for ch in reversed(pri):  # earlier channels overwrite later ones
        out[r[ch].to_numpy(dtype=bool)] = ch
    return out


def suggest_offer(audience: pd.DataFrame, orders: pd.DataFrame, *, coupon_by_tier: dict | None = None,
                  margin: float = 0.5, max_discount_share: float = 0.5, no_coupon=("replenishment",)) -> np.ndarray:
    """Coupon value per row (0: a reminder without coupon).

    ``audience`` needs ``customer_id, trigger`` and ``tier`` (optional). The coupon is
    ``coupon_by_tier[tier]`` (else ``["default"]``, 10 when not set), capped at
    ``max_discount_share * margin * `` the customer's average purchase (net, when they have one).
    """
    table = {str(k): float(v) for k, v in (coupon_by_tier or {"default": 10.0}).items()}
    default = table.get("default", 10.0)
    tier = audience["tier"].fillna("").astype(str) if "tier" in audience else pd.Series("", index=audience.index)
    value = tier.map(table).fillna(default).to_numpy(dtype=float)
    aov = orders.groupby("customer_id")["amount"].mean()
    cap = audience["customer_id"].map(aov).to_numpy(dtype=float) * float(margin) * float(max_discount_share)
    value = np.where(np.isnan(cap), value, np.minimum(value, np.floor(cap)))
    value[audience["trigger"].isin(list(no_coupon)).to_numpy()] = 0.0
    return value
