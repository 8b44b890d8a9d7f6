"""Which orders count: one definition shared by the overview, the report and the KPI catalogue."""
from __future__ import annotations

import pandas as pd


def counted_orders(orders: pd.DataFrame, *, status_col: str = "status") -> pd.DataFrame:
    """Orders that count toward GMV and order numbers: every order that was not cancelled.

    Refunded orders stay in (GMV is what buyers ordered and paid; refunds are reported as the
    refund rate and in net sales), matching ``gmv`` in :func:`mopkit.cockpit.kpi.metric_catalogue`.
    Without a ``status`` column every order counts.
    """
    if status_col not in orders:
        return orders
    return orders[orders[status_col] != "cancelled"]
