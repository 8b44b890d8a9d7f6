"""Time look-ups shared by the rules and guards: a customer's next / previous order around a moment.

All are ``pandas.merge_asof`` joins (sorted, by customer), so they stay linear on millions of rows.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def next_time_after(df: pd.DataFrame, at: str, other: pd.DataFrame, other_time: str, *,
                    by: str | list[str] = "customer_id") -> pd.Series:
    """For each row of ``df``: the first ``other`` time strictly after ``df[at]`` with the same ``by``.

    NaT where there is none. Index-aligned to ``df``.
    """
    return _asof(df, at, other, other_time, by=by, direction="forward", exact=False)


def prev_time_at_or_before(df: pd.DataFrame, at: str, other: pd.DataFrame, other_time: str, *,
                           by: str | list[str] = "customer_id", exact: bool = True) -> pd.Series:
    """For each row of ``df``: the last ``other`` time at or before ``df[at]`` (strictly before if
    ``exact`` is false) with the same ``by``. NaT where there is none. Index-aligned to ``df``."""
    return _asof(df, at, other, other_time, by=by, direction="backward", exact=exact)


def _asof(df, at, other, other_time, *, by, direction, exact) -> pd.Series:
    by = [by] if isinstance(by, str) else list(by)
    if df.empty or other is None or other.empty:
        return pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
    left = df[by + [at]].assign(_row=np.arange(len(df)))
    left = left.sort_values(at, kind="stable")
    left[at] = left[at].astype("datetime64[ns]")
    right = other[by + [other_time]].rename(columns={other_time: "_t"})
    right = right.assign(_key=right["_t"].astype("datetime64[ns]"), _t=right["_t"].astype("datetime64[ns]"))
    right = right.sort_values("_key", kind="stable")
    for b in by:  # merge_asof needs identical key dtypes
        left[b], right[b] = same_dtype(left[b], right[b])
    m = pd.merge_asof(left, right, left_on=at, right_on="_key", by=by, direction=direction,
                      allow_exact_matches=exact)
    out = np.full(len(df), np.datetime64("NaT"), dtype="datetime64[ns]")
    out[m["_row"].to_numpy()] = m["_t"].to_numpy()
    return pd.Series(out, index=df.index)


def same_dtype(a: pd.Series, b: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Two key columns in one dtype: integers stay integers (fast joins), anything else is text."""
    if pd.api.types.is_integer_dtype(a) and pd.api.types.is_integer_dtype(b):
        return a.astype("int64"), b.astype("int64")
    return a.astype(str), b.astype(str)


def by_customer(orders: pd.DataFrame) -> np.ndarray:
    """Row order of ``orders`` by (customer_id, order_time), ties in table order: what a stable
    ``sort_values(["customer_id", "order_time"])`` gives, from one integer sort when the table
    is already in time order (as :attr:`TriggerData.orders` is)."""
    cust = orders["customer_id"].to_numpy()
    if orders["order_time"].is_monotonic_increasing:
        return np.argsort(cust, kind="stable")
    return np.lexsort((orders["order_time"].to_numpy(), cust))


def shift_out_of_quiet_hours(times: pd.Series, quiet: tuple[int, int] | list[int] | None) -> pd.Series:
    """Move times that fall in quiet hours ``[start, end)`` (local hours, e.g. ``(22, 8)``) to ``end``:00.

    A time after ``start`` moves to ``end``:00 the next day (when the window wraps midnight);
    a time before ``end`` moves to ``end``:00 the same day. ``None`` or ``start == end``: unchanged.
    """
    if not quiet or len(quiet) != 2 or int(quiet[0]) == int(quiet[1]):
        return times.copy()
    start, end = int(quiet[0]), int(quiet[1])
    hour = times.dt.hour
    day = times.dt.normalize()
    if start > end:  # wraps midnight: e.g. 22 -> 8
        late, early = hour >= start, hour < end
        out = times.where(~early, day + pd.Timedelta(hours=end))
        return out.where(~late, day + pd.Timedelta(days=1, hours=end))
    inside = (hour >= start) & (hour < end)
    return times.where(~inside, day + pd.Timedelta(hours=end))


def orders_between(df: pd.DataFrame, start: str, end: str, orders: pd.DataFrame, *,
                   amount: str = "amount", order: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``df``: number and value of the customer's ``orders`` with time in ``(start, end]``.

    ``orders`` needs ``customer_id, order_time`` and ``amount``. Uses per-customer cumulative sums
    looked up at both ends, so it is linear in rows.
    """
    if df.empty or orders.empty:
        return np.zeros(len(df), dtype="int64"), np.zeros(len(df))
    perm = by_customer(orders) if order is None else order  # ``order``: :func:`by_customer`, if known
    o = orders[["customer_id", "order_time", amount]].take(perm)
    o = o.assign(_n=o.groupby("customer_id").cumcount() + 1, _v=o.groupby("customer_id")[amount].cumsum())
    if orders["order_time"].is_monotonic_increasing:  # back to the table's (time) order: no second sort
        back = np.empty_like(perm)
        back[perm] = np.arange(len(perm))
        o = o.take(back)
    else:
        o = o.sort_values("order_time", kind="stable")
    key, o["customer_id"] = same_dtype(df["customer_id"], o["customer_id"])
    res = []
    for col in (start, end):
        left = pd.DataFrame({"customer_id": key.to_numpy(),
                             "_t": df[col].astype("datetime64[ns]").to_numpy(), "_i": np.arange(len(df))})
        left = left.sort_values("_t", kind="stable")
        m = pd.merge_asof(left, o[["customer_id", "order_time", "_n", "_v"]].astype({"order_time": "datetime64[ns]"}),
                          left_on="_t", right_on="order_time", by="customer_id", direction="backward")
        n = np.zeros(len(df))
        v = np.zeros(len(df))
        n[m["_i"].to_numpy()] = m["_n"].fillna(0).to_numpy()
        v[m["_i"].to_numpy()] = m["_v"].fillna(0).to_numpy()
        res.append((n, v))
    (n0, v0), (n1, v1) = res
    return (n1 - n0).astype("int64"), np.round(v1 - v0, 6)
