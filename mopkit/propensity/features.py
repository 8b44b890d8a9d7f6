"""Features and labels on a time split: nothing at or after the cutoff is ever read.

A *cutoff* ``c`` is a day (midnight). Features of cutoff ``c`` use only rows with a time strictly
before ``c``; the purchase label is "a purchase in ``[c, c + horizon_days)``"; the churn label is
"no purchase in ``[c, c + churn_days)``". The population at ``c`` is every customer with at least
one purchase before ``c`` (``active_days`` narrows it to those who bought in the last
``active_days``: the churn question only makes sense for them).

A *purchase* is an order counted by the CLV step (:func:`mopkit.clv.prepare_transactions`): not
cancelled, a customer id, and ``amount - refund_amount > 0``; its value is that net amount.

Method: :func:`prepare_activity` gives every customer an integer code and sorts each activity
table (purchases, all orders, events, touchpoints) once by (customer, time). Then every
per-customer figure at a cutoff is a ``np.bincount`` over a time mask, and "the last row before
``c``" is ``block_start + count_before_c - 1``: one pass over the rows per window, no groupby, so
10 million orders take a fraction of a second per cutoff.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..data.orders import is_purchase, net_order_value, refund_of
from ..errors import DataError

DAY = np.int64(86_400 * 10**9)  # one day in nanoseconds
LONG_VIEW_S = 150.0  # a "long view": dwell of at least 2.5 minutes
#: The RFM columns the logistic-regression baseline sees.
RFM_COLUMNS = ("recency_days", "frequency", "monetary")


def _sort_order(codes: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Row order by (code, time). One argsort of a packed int64 key (code, then time in ms from
    the first row; rows within the same millisecond keep their input order) when it fits in 63
    bits, which is 3-4x faster than ``np.lexsort``; otherwise ``np.lexsort``."""
    if len(times) == 0:
        return np.arange(0)
    ms = (times - times.min()) // 1_000_000
    span = int(ms.max()) + 1
    if (int(codes.max()) + 1) * span < 2**62:
        return np.argsort(codes * np.int64(span) + ms, kind="stable")
    return np.lexsort((times, codes))


class _Stream:
    """Rows of one activity sorted by (customer code, time), with per-customer block starts.
    ``order``: that row order when already known (e.g. a subset of another stream's order)."""

    def __init__(self, codes: np.ndarray, times: np.ndarray, n_customers: int, order: np.ndarray | None = None, **cols):
        order = _sort_order(codes, times) if order is None else order
        self.codes = codes[order]
        self.t = times[order]
        self.cols = {k: np.asarray(v)[order] for k, v in cols.items()}
        self.n = n_customers
        self.start = np.searchsorted(self.codes, np.arange(n_customers))

    def count(self, lo, hi, mask=None, weights=None) -> np.ndarray:
        """Per customer: rows (or the sum of ``weights``) with ``lo <= t < hi`` (and ``mask``)."""
        m = (self.t >= lo) & (self.t < hi)
        if mask is not None:
            m &= mask
        w = None if weights is None else weights[m]
        return np.bincount(self.codes[m], weights=w, minlength=self.n)

    def before(self, c) -> np.ndarray:
        """Per customer: how many rows fall strictly before ``c``."""
        return np.bincount(self.codes[self.t < c], minlength=self.n)

    def last_before(self, c, k=None) -> np.ndarray:
        """Time of each customer's last row before ``c`` (int64 ns; ``NaT``-like min value if none)."""
        k = self.before(c) if k is None else k
        idx = np.clip(self.start + k - 1, 0, max(len(self.t) - 1, 0))
        out = self.t[idx] if len(self.t) else np.zeros(self.n, dtype=np.int64)
        return np.where(k > 0, out, np.iinfo(np.int64).min)


@dataclass
class Activity:
    """Every customer's purchases, orders, events and touches, ready for any cutoff."""

    ids: np.ndarray  # code -> customer id
    purchases: _Stream
    orders: _Stream
    events: _Stream | None
    touches: _Stream | None
    channels: list[str]
    first_day: pd.Timestamp
    last_day: pd.Timestamp  # last day with an order: the last fully observed day
    dropped: pd.DataFrame = field(default_factory=pd.DataFrame)  # reason, rows (orders left out)


def _ns(s: pd.Series) -> np.ndarray:
    return pd.to_datetime(s).to_numpy(dtype="datetime64[ns]").view(np.int64)  # a view: no copy of 10M times


def _text(s: pd.Series) -> pd.Series:
    """A column as text, kept in Arrow when it already is (no Python string per row)."""
    return s if pd.api.types.is_string_dtype(s) and not s.dtype == object else s.astype(str)


def _lookup(values: pd.Series, keys: np.ndarray) -> np.ndarray:
    """Position of each value in ``keys`` (text), -1 where absent: one Arrow hash pass (C++)."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    found = pc.index_in(pa.array(_text(values)), value_set=pa.array(np.asarray(keys, dtype=object), type=pa.large_string()))
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


#: Columns :func:`prepare_activity` reads (a notebook reads only these from the run's Parquet).
ORDER_COLUMNS = ["customer_id", "order_time", "amount", "status", "refund_amount", "discount", "channel"]
EVENT_COLUMNS = ["customer_id", "event_time", "event_type", "duration_s"]
TOUCH_COLUMNS = ["customer_id", "touch_time", "channel"]
ORDER_REQUIRED = ("customer_id", "order_time", "amount")
EVENT_REQUIRED = ("customer_id", "event_time", "event_type")
TOUCH_REQUIRED = ("customer_id", "touch_time", "channel")


def _release_arrow_memory() -> None:
    """Hand the Arrow memory pool's freed blocks back to the system (tables read and dropped
    leave GBs cached in it at 10M rows; the kernel's resident size is what counts)."""
    import pyarrow as pa  # noqa: PLC0415

    pa.default_memory_pool().release_unused()


def _check_columns(name: str, df: pd.DataFrame, cols) -> None:
    miss = [c for c in cols if c not in df.columns]
    if miss:
        raise DataError(f"the {name} table lacks {miss}, needed for the propensity features", column=miss[0],
                        fix=f"map the column in the client config (data.{name}.columns)")


def prepare_activity(orders: pd.DataFrame, events: pd.DataFrame | None = None,
                     touchpoints: pd.DataFrame | None = None, *, long_view_s: float = LONG_VIEW_S) -> Activity:
    """Index the canonical tables for feature building at any cutoff.

    Equal to :func:`add_touchpoints` (:func:`add_events` (``prepare_activity(orders)``, events),
    touchpoints); a caller short of memory indexes the orders, drops them, then reads and adds
    the other tables one at a time.

    Required columns: ``orders``: customer_id, order_time, amount (optional status,
    refund_amount, discount, channel); ``events``: customer_id, event_time, event_type (optional
    duration_s); ``touchpoints``: customer_id, touch_time, channel. Inputs are not modified.

    Customers are numbered in id order (codes of the ordering customers; events and touches of
    customers without an order are left out: nobody is scored without a purchase). Text columns
    are compared and hashed in Arrow, never turned into Python strings row by row.

    Raises
    ------
    DataError
        A required column is missing, or no order counts as a purchase.
    """
    for name, df, cols in (("orders", orders, ORDER_REQUIRED), ("events", events, EVENT_REQUIRED),
                           ("touchpoints", touchpoints, TOUCH_REQUIRED)):
        if df is not None:
            _check_columns(name, df, cols)
    _release_arrow_memory()
    has_id = orders["customer_id"].notna()
    o = orders if has_id.all() else orders[has_id]
    if "status" in o:
        cancelled = (o["status"] == "cancelled").to_numpy(dtype=bool, na_value=False)
        refunded_status = (o["status"] == "refunded").to_numpy(dtype=bool, na_value=False)
    else:
        cancelled = refunded_status = np.zeros(len(o), dtype=bool)
    refund = refund_of(o).to_numpy(float)
    amount = o["amount"].to_numpy(float)
    net = net_order_value(o).to_numpy(float)
    is_buy = is_purchase(o).to_numpy(bool)  # the CLV step's purchases (one definition)
    if not is_buy.any():
        raise DataError("no order counts as a purchase (all cancelled or fully refunded)", column="status",
                        fix="check the status mapping (data.orders.values.status)")
    dropped = pd.DataFrame({"reason": ["no customer id", "cancelled", "net amount <= 0 (fully refunded or free)"],
                            "rows": [int((~has_id).sum()), int(cancelled.sum()), int(((~cancelled) & (net <= 0)).sum())]})
    oc, ids = pd.factorize(_text(o["customer_id"]), sort=True)
    ids = np.asarray(ids, dtype=object)
    n = len(ids)
    oc = oc.astype(np.int64)
    ot = _ns(o["order_time"])
    if "channel" in o:
        ch = o["channel"] if not o["channel"].isna().any() else o["channel"].astype(object).astype(str)
        ch_code, channels = pd.factorize(_text(ch), sort=True)
        channels = [str(x) for x in channels]
    else:
        ch_code, channels = np.zeros(len(o), dtype=np.int64), ["unknown"]
    ch_code = ch_code.astype(np.int64)
    discount = o["discount"].fillna(0.0).to_numpy(float) if "discount" in o else np.zeros(len(o))
    order = _sort_order(oc, ot)  # all orders by (customer, time); the purchases keep that order (stable)
    all_orders = _Stream(oc, ot, n, order, refunded=refunded_status | (refund > 0), cancelled=cancelled)
    buy_order = order[is_buy[order]]
    purchases = _Stream(oc, ot, n, buy_order, value=net, discount=discount, gross=amount + discount, channel=ch_code)
    first, last = ot.min(), ot.max()
    act = Activity(ids=ids, purchases=purchases, orders=all_orders, events=None, touches=None, channels=channels,
                   first_day=pd.Timestamp(first).normalize(), last_day=pd.Timestamp(last).normalize(), dropped=dropped)
    if events is not None:
        act = add_events(act, events, long_view_s=long_view_s)
    if touchpoints is not None:
        act = add_touchpoints(act, touchpoints)
    return act


def add_events(act: Activity, events: pd.DataFrame, *, long_view_s: float = LONG_VIEW_S) -> Activity:
    """``act`` with the events indexed (customer_id, event_time, event_type, optional
    duration_s; events of customers without a purchase are left out). ``act`` is not modified."""
    _check_columns("events", events, EVENT_REQUIRED)
    _release_arrow_memory()
    ids, n = act.ids, len(act.ids)
    has_id = events["customer_id"].notna()
    e = events if has_id.all() else events[has_id]  # no copy of a table without gaps
    ec = _lookup(e["customer_id"], ids)
    known = ec >= 0
    kind = _text(e["event_type"])
    dur = e["duration_s"].fillna(0.0).to_numpy(float) if "duration_s" in e else np.zeros(len(e))
    view = (kind == "view").to_numpy(dtype=bool, na_value=False)
    ev = _Stream(ec[known], _ns(e["event_time"])[known], n, view=view[known],
                 cart=(kind == "add_to_cart").to_numpy(dtype=bool, na_value=False)[known],
                 favorite=(kind == "favorite").to_numpy(dtype=bool, na_value=False)[known],
                 long=(view & (dur >= long_view_s))[known], dwell=dur[known])
    return replace(act, events=ev)


def add_touchpoints(act: Activity, touchpoints: pd.DataFrame) -> Activity:
    """``act`` with the ad touches indexed (customer_id, touch_time, channel; touches of
    customers without a purchase are left out). ``act`` is not modified."""
    _check_columns("touchpoints", touchpoints, TOUCH_REQUIRED)
    _release_arrow_memory()
    has_id = touchpoints["customer_id"].notna()
    tp = touchpoints if has_id.all() else touchpoints[has_id]  # no copy of a table without gaps
    tcodes = _lookup(tp["customer_id"], act.ids)
    known = tcodes >= 0
    tch = _lookup(tp["channel"], np.asarray(act.channels, dtype=object))
    times = _ns(tp["touch_time"])
    if not known.all():  # touches of customers without a purchase (no copies when there are none)
        tcodes, times, tch = tcodes[known], times[known], tch[known]
    tc = _Stream(tcodes, times, len(act.ids), channel=tch)
    return replace(act, touches=tc)


def _c(cutoff) -> np.int64:
    return np.int64(pd.Timestamp(cutoff).normalize().value)


def _days(since: np.ndarray, c: np.int64) -> np.ndarray:
    """Days from ``since`` to the cutoff; NaN where there is no such row."""
    out = (c - since.astype(np.float64)) / float(DAY)
    return np.where(since == np.iinfo(np.int64).min, np.nan, out)


def features_at(act: Activity, cutoff, *, active_days: int | None = None) -> pd.DataFrame:
    """Features of every customer with a purchase before ``cutoff``: see :func:`features_with_codes`."""
    return features_with_codes(act, cutoff, active_days=active_days)[0]


def features_with_codes(act: Activity, cutoff, *, active_days: int | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """Features of every customer with a purchase before ``cutoff`` (only rows before it are read).

    Returns a DataFrame indexed by customer_id (sorted). Columns (days are counted back from the
    cutoff; NaN = no such activity, which the tree models handle and reasons ignore):
    recency_days, frequency, monetary (mean net purchase), total_spend, tenure_days,
    mean_gap_days, gap_ratio (recency / mean gap), purchases_30d, purchases_90d, spend_90d,
    spend_prev_90d, refunds, cancellations, discount_share, n_channels, one ``last_channel_<ch>``
    per channel; with events: views_30d, long_views_30d, long_views_since_purchase, carts_30d,
    favorites_30d, max_dwell_30d, days_since_event, days_since_long_view; with touchpoints:
    touches_30d, days_since_touch.

    Also returns the customers' integer codes (rows of ``act.ids``), for joins without text.
    """
    c = _c(cutoff)
    P = act.purchases
    k = P.before(c)
    last = P.last_before(c, k)
    first = np.where(k > 0, P.t[np.clip(P.start, 0, len(P.t) - 1)], np.iinfo(np.int64).min)
    pop = k > 0
    if active_days is not None:
        pop &= last >= c - active_days * DAY
    lo = np.int64(np.iinfo(np.int64).min)
    spend = P.count(lo, c, weights=P.cols["value"])
    gross = P.count(lo, c, weights=P.cols["gross"])
    disc = P.count(lo, c, weights=P.cols["discount"])
    f = {}
    f["recency_days"] = _days(last, c)
    f["frequency"] = k.astype(float)
    f["monetary"] = spend / np.maximum(k, 1)
    f["total_spend"] = spend
    f["tenure_days"] = _days(first, c)
    with np.errstate(invalid="ignore", divide="ignore"):
        gap = (last - first).astype(float) / float(DAY) / (k - 1)
        f["mean_gap_days"] = np.where(k > 1, gap, np.nan)
        f["gap_ratio"] = f["recency_days"] / f["mean_gap_days"]
        f["discount_share"] = np.where(gross > 0, disc / gross, 0.0)
    f["purchases_30d"] = P.count(c - 30 * DAY, c).astype(float)
    f["purchases_90d"] = P.count(c - 90 * DAY, c).astype(float)
    f["spend_90d"] = P.count(c - 90 * DAY, c, weights=P.cols["value"])
    f["spend_prev_90d"] = P.count(c - 180 * DAY, c - 90 * DAY, weights=P.cols["value"])
    O = act.orders
    f["refunds"] = O.count(lo, c, mask=O.cols["refunded"]).astype(float)
    f["cancellations"] = O.count(lo, c, mask=O.cols["cancelled"]).astype(float)
    m = P.t < c
    nch = max(len(act.channels), 1)
    per = np.bincount(P.codes[m] * nch + P.cols["channel"][m], minlength=act.ids.size * nch).reshape(act.ids.size, nch)
    f["n_channels"] = (per > 0).sum(axis=1).astype(float)
    last_idx = np.clip(P.start + k - 1, 0, len(P.t) - 1)
    last_ch = np.where(k > 0, P.cols["channel"][last_idx], -1)
    for j, ch in enumerate(act.channels):
        f[f"last_channel_{ch}"] = (last_ch == j).astype(float)
    if act.events is not None:
        E = act.events
        w30 = (c - 30 * DAY, c)
        f["views_30d"] = E.count(*w30, mask=E.cols["view"]).astype(float)
        f["long_views_30d"] = E.count(*w30, mask=E.cols["long"]).astype(float)
        since = (E.t >= last[E.codes]) & (E.t < c) & E.cols["long"]
        f["long_views_since_purchase"] = np.bincount(E.codes[since], minlength=act.ids.size).astype(float)
        f["carts_30d"] = E.count(*w30, mask=E.cols["cart"]).astype(float)
        f["favorites_30d"] = E.count(*w30, mask=E.cols["favorite"]).astype(float)
        mw = (E.t >= w30[0]) & (E.t < c)
        dwell = np.zeros(act.ids.size)
        np.maximum.at(dwell, E.codes[mw], E.cols["dwell"][mw])
        f["max_dwell_30d"] = dwell
        f["days_since_event"] = _days(E.last_before(c), c)
        lt = np.full(act.ids.size, np.iinfo(np.int64).min)
        sel = E.cols["long"] & (E.t < c)
        np.maximum.at(lt, E.codes[sel], E.t[sel])
        f["days_since_long_view"] = _days(lt, c)
    if act.touches is not None:
        T = act.touches
        f["touches_30d"] = T.count(c - 30 * DAY, c).astype(float)
        f["days_since_touch"] = _days(T.last_before(c), c)
    out = pd.DataFrame({k2: np.asarray(v, dtype=float)[pop] for k2, v in f.items()},
                       index=pd.Index(act.ids[pop], name="customer_id"))
    return out, np.flatnonzero(pop)


def labels_at(act: Activity, cutoff, customers: pd.Index, *, horizon_days: int = 30) -> pd.Series:
    """1 if the customer made a purchase in ``[cutoff, cutoff + horizon_days)``, else 0.

    Raises
    ------
    DataError
        The window is not fully observed (it ends after the last order day).
    """
    code = pd.Index(act.ids).get_indexer(customers)
    return pd.Series(labels_of_codes(act, cutoff, code, horizon_days=horizon_days), index=customers, name="label")


def labels_of_codes(act: Activity, cutoff, codes: np.ndarray, *, horizon_days: int = 30) -> np.ndarray:
    """:func:`labels_at` for customers given by their codes (int8 array)."""
    c = _c(cutoff)
    end = c + horizon_days * DAY
    if end > np.int64((act.last_day + pd.Timedelta(days=1)).value):
        raise DataError(f"the label window {pd.Timestamp(c).date()} + {horizon_days} days ends after the last "
                        f"order day {act.last_day.date()}", fix="use an earlier cutoff")
    n = act.purchases.count(c, end)
    return (n[codes] > 0).astype(np.int8)


def cutoffs(last_day, *, horizon_days: int, n_train: int) -> dict:
    """Cutoffs on a time split: ``test`` leaves exactly ``horizon_days`` fully observed days after
    it (its label window ends on ``last_day``); ``train`` are the ``n_train`` cutoffs before it,
    one horizon apart (oldest first), so no training label window overlaps the test window;
    ``score`` is the day after ``last_day`` (features from everything, labels unknown)."""
    score = pd.Timestamp(last_day).normalize() + pd.Timedelta(days=1)
    test = score - pd.Timedelta(days=horizon_days)
    train = [test - pd.Timedelta(days=horizon_days * i) for i in range(n_train, 0, -1)]
    return {"train": train, "test": test, "score": score}
