"""Which orders count: one definition shared by the overview, the report and the KPI catalogue."""
from __future__ import annotations

import pandas as pd


def counted_orders(orders: pd.DataFrame, *, status_col: str = "status") -> pd.DataFrame:
    """Orders that count toward GMV and order numbers: every order that was not cancelled.

    Refunded orders stay in (GMV is what buyers ordered and paid; refunds are reported as the
    refund rate and in net sales), matching ``gmv`` in :func:`mopkit.kpi.metric_catalogue`.
    Without a ``status`` column every order counts.
    """
    if status_col not in orders:
        return orders
    return orders[orders[status_col] != "cancelled"]


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
