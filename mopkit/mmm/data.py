"""The model's input: one row per day with the outcome ``y`` and one spend column per channel."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.orders import INVALID_COST, counted_orders, valid_costs
from ..errors import DataError, InsufficientDataError
from ..forecast.series import daily_series

#: gmv: every order not cancelled; orders: their count; new_gmv / new_customers: only each
#: customer's first such order (ads mostly buy new customers; their repeat value is CLV's part).
TARGETS = ("gmv", "orders", "new_gmv", "new_customers")


def mmm_frame(orders: pd.DataFrame, ad_spend: pd.DataFrame, *, target: str = "gmv", start=None, end=None,
              date: str = "date", channel: str = "channel", cost: str = "cost") -> pd.DataFrame:
    """Daily outcome and spend per channel over the days both tables cover.

    Required columns: orders ``order_id, order_time, amount`` (optional ``status``,
    ``refund_amount``; GMV counts every order not cancelled, see :mod:`mopkit.data.orders`;
    ``customer_id`` for the ``new_*`` targets, see :data:`TARGETS`);
    ad_spend ``date, channel, cost``. Days without a spend row count as zero spend.

    Returns DataFrame ``date, y, <channel>...`` (channel names lower-case, sorted); ``attrs``
    holds ``dropped`` (reason -> rows) and ``channels``.

    Rows with a missing, non-numeric or negative cost are left out and counted in ``dropped``
    (:data:`mopkit.data.orders.INVALID_COST`), as everywhere else.

    Raises DataError (missing columns), InsufficientDataError (no overlapping days).
    """
    if target not in TARGETS:
        raise DataError(f"unknown MMM target {target!r}", column="target", fix=f"use one of {list(TARGETS)}")
    missing = [c for c in (date, channel, cost) if c not in ad_spend.columns]
    if missing:
        raise DataError(f"the ad_spend table lacks columns {missing}", column=", ".join(missing),
                        fix="map them in the client config under data.ad_spend.columns")
    # invalid costs: the one rule of mopkit.data.orders (left out and counted, as in the KPIs and attribution)
    c, ok = valid_costs(ad_spend, cost)
    n_invalid = int((~ok).sum())
    ad_spend, c = ad_spend[ok], c[ok]
    if target.startswith("new_"):
        if "customer_id" not in orders.columns:
            raise DataError(f"target {target!r} needs orders.customer_id", column="customer_id",
                            fix="map the buyer id column, or use target 'gmv'")
        orders = counted_orders(orders).sort_values(["order_time", "order_id"], kind="stable").drop_duplicates("customer_id")
    base = {"gmv": "gmv", "new_gmv": "gmv", "orders": "orders", "new_customers": "orders"}[target]
    s = daily_series(orders, base, refunds="gross", start=start, end=end).frame[["date", "y"]]
    d = pd.to_datetime(ad_spend[date], errors="coerce").dt.normalize()
    ch = ad_spend[channel].astype(str).str.strip().str.lower()
    wide = c.groupby([d, ch]).sum().unstack(fill_value=0.0)
    wide.index.name, wide.columns.name = "date", None
    lo = max(s["date"].min(), wide.index.min())
    hi = min(s["date"].max(), wide.index.max())
    if start is not None:
        lo = max(lo, pd.Timestamp(start).normalize())
    if end is not None:
        hi = min(hi, pd.Timestamp(end).normalize())
    if pd.isna(lo) or pd.isna(hi) or hi < lo:
        raise InsufficientDataError("orders and ad_spend share no days", column=date,
                                    fix="check that both tables cover the same analysis window")
    days = pd.date_range(lo, hi, freq="D", name="date")
    out = s.set_index("date")["y"].reindex(days, fill_value=0.0).to_frame()
    chans = sorted(wide.columns)
    out = out.join(wide[chans].reindex(days, fill_value=0.0)).reset_index()
    out[chans] = out[chans].astype(float)
    dropped = {"spend rows outside the order days": int(((d < lo) | (d > hi)).sum()), INVALID_COST: n_invalid}
    out.attrs = {"dropped": dropped, "channels": chans, "target": target}
    return out


def weekly(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """Sum ``columns`` of a daily frame by calendar week (Monday start)."""
    return frame.set_index("date")[list(columns)].resample("W-SUN").sum()


def check_frame(frame: pd.DataFrame, channels) -> np.ndarray:
    """The spend matrix ``[T, C]`` of ``frame``; DataError naming a missing or non-numeric column."""
    missing = [c for c in ["date", "y", *channels] if c not in frame.columns]
    if missing:
        raise DataError(f"the MMM frame lacks columns {missing}", column=missing[0], fix="build it with mopkit.mmm.mmm_frame")
    x = frame[list(channels)].to_numpy(dtype=float)
    if not np.isfinite(x).all() or (x < 0).any() or not np.isfinite(frame["y"].to_numpy(dtype=float)).all():
        raise DataError("the MMM frame has missing, infinite or negative values", column=", ".join(channels),
                        fix="spend must be numbers >= 0 and the outcome finite")
    return x
