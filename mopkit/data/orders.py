"""One definition of the money figures, shared by every module.

=============  ==============================================================================
orders         orders not cancelled (refunded ones included): :func:`counted_orders`
GMV            sum of ``amount`` (paid, after discounts) over counted orders — refunded orders
               included, since GMV is what buyers ordered and paid
refunds        sum of ``refund_amount`` over counted orders (0 when the column is absent)
net sales      GMV − refunds; per order ``amount − refund_amount``: :func:`net_order_value`
purchases      counted orders with a customer id and a net value above 0 (the CLV step's
               purchases; fully refunded or free orders are not purchases): :func:`is_purchase`
=============  ==============================================================================

The KPI cockpit (``gmv``, ``net_sales``, ``refund_rate``), the forecast's ``gmv`` and
``net_sales`` targets, the forecast-miss alert, the CLV purchase values (net) and the
attribution conversion values (net) all use these functions; the report's metric appendix
prints :data:`DEFINITIONS`.

Ad costs: a cost that is missing, not a number or negative is not a cost anybody can plan
with. Every module leaves such rows out and counts them (:func:`valid_costs`); none turns them
into 0 silently and none stops on them (the loader already drops negative and reports
unparseable costs, so this only matters for tables built by hand).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

#: Plain-language definitions (metric appendix, KPI catalogue).
DEFINITIONS = {
    "orders": {"zh": "非取消订单数（含之后退款的订单）", "en": "number of orders not cancelled (refunded orders included)"},
    "gmv": {"zh": "非取消订单的实付金额之和（含之后退款的订单）",
            "en": "sum of amount paid over orders not cancelled (refunded orders included)"},
    "refunds": {"zh": "非取消订单的退款金额之和", "en": "sum of refund amounts over orders not cancelled"},
    "net_sales": {"zh": "GMV − 退款金额", "en": "GMV − refund amount"},
}
#: Reason recorded for ad_spend rows left out by :func:`valid_costs`.
INVALID_COST = "ad_spend rows with a missing, non-numeric or negative cost (left out)"


def counted_orders(orders: pd.DataFrame, *, status_col: str = "status") -> pd.DataFrame:
    """Orders that count toward GMV and order numbers: every order that was not cancelled.

    Refunded orders stay in (GMV is what buyers ordered and paid; refunds are reported as the
    refund rate and in net sales), matching ``gmv`` in :func:`mopkit.cockpit.kpi.metric_catalogue`.
    Without a ``status`` column every order counts.
    """
    if status_col not in orders:
        return orders
    return orders[orders[status_col] != "cancelled"]


def refund_of(orders: pd.DataFrame, *, refund_col: str = "refund_amount") -> pd.Series:
    """Refund per order (0 when the column is absent or empty), as float."""
    if refund_col not in orders.columns:
        return pd.Series(0.0, index=orders.index)
    return pd.to_numeric(orders[refund_col], errors="coerce").fillna(0.0).astype(float)


def net_order_value(orders: pd.DataFrame, *, amount_col: str = "amount", refund_col: str = "refund_amount") -> pd.Series:
    """Net sales of each order: ``amount − refund_amount`` (refund 0 when absent)."""
    return orders[amount_col].astype(float) - refund_of(orders, refund_col=refund_col)


def is_purchase(orders: pd.DataFrame, *, customer_col: str = "customer_id", status_col: str = "status",
                amount_col: str = "amount", refund_col: str = "refund_amount") -> pd.Series:
    """Boolean mask of the orders that are purchases: not cancelled, with a customer id, and a net
    value (:func:`net_order_value`) above 0 — the purchases the CLV step counts
    (:func:`mopkit.clv.prepare_transactions`), which the propensity and trigger steps read too."""
    ok = orders[customer_col].notna() & (net_order_value(orders, amount_col=amount_col, refund_col=refund_col) > 0)
    if status_col in orders:
        ok &= orders[status_col] != "cancelled"
    return ok.fillna(False).astype(bool)


def valid_costs(ad_spend: pd.DataFrame, cost: str = "cost") -> tuple[pd.Series, pd.Series]:
    """``(cost as float, mask of valid rows)``: valid = a number >= 0. Callers leave the other
    rows out and report ``int((~mask).sum())`` under :data:`INVALID_COST`."""
    c = pd.to_numeric(ad_spend[cost], errors="coerce").astype(float)
    ok = c.notna() & np.isfinite(c) & (c >= 0)
    return c, ok


def sales_channel(orders: pd.DataFrame, *, channel_col: str = "channel", platform_col: str = "platform") -> pd.Series:
    """The channel the cockpit reports per order: the traffic source (``channel``) when the export has one,
    else the platform where the order was placed (``platform``); ``unknown`` when neither is known.

    ``channel`` and ``platform`` are different things (a Douyin ad can bring a buyer who pays in the
    WeChat mini program); the loader keeps both. Attribution reads touch-level channels only.
    """
    unknown = "unknown"
    ch = orders[channel_col].astype(str) if channel_col in orders else pd.Series(unknown, index=orders.index)
    if platform_col not in orders:
        return ch
    plat = orders[platform_col].astype(str)
    return ch.where((ch != unknown) | (plat == unknown), plat)
