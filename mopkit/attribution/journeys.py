"""Customer journeys: the ordered channels a customer touched before converting (or not).

Two ways in, both ending in a :class:`Journeys` object every attribution model reads:

* :func:`build_journeys` joins canonical ``touchpoints`` with ``orders``: every paid order
  closes a journey made of the customer's touches in the ``lookback_days`` before it (and
  after their previous order); touches after a customer's last order form one journey that has
  not converted.
* :func:`journeys_from_paths` reads an aggregated path table (``path, conversions,
  non_conversions, value``) as exported by Google Analytics' conversion-path reports or used by
  the ChannelAttribution package.

Models work on the *unique* paths (``Journeys.paths``), so a million journeys cost no more than
the few thousand distinct paths they contain. Every touch or order left out is counted, with
its reason, in ``Journeys.report``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..data.orders import refund_of
from ..errors import DataError, InsufficientDataError
from ..i18n import register
from ..i18n import t as _t
from ..sorting import stable_argsort

SEP = " > "
DIRECT = "direct"
EMPTY_PATHS = ("direct", "drop")
#: Canonical columns :func:`build_journeys` reads (a notebook reads only these from the run's tables).
TOUCH_COLUMNS = ["customer_id", "touch_time", "channel"]
ORDER_COLUMNS = ["order_id", "customer_id", "order_time", "amount", "status", "refund_amount"]
_MATRIX_MAX_STEPS = 64  # above this many steps per journey, paths are joined as strings instead


@dataclass(frozen=True)
class Journeys:
    """Journeys ready for attribution.

    Attributes
    ----------
    paths : one row per unique path: ``path`` (channels joined by ``" > "``), ``conversions``,
        ``non_conversions``, ``value`` (conversion value), ``n_steps``.
    report : what was kept, changed or left out: ``item``, ``count``, ``action``.
    touches : touch level (only from :func:`build_journeys`): ``journey``, ``channel``,
        ``days_before`` (days from the touch to the order, or to the journey's last touch when
        it did not convert), ``converted`` (0/1), ``value``. Used by time decay.
    journeys : one row per journey (only from :func:`build_journeys`): ``customer_id``,
        ``order_id`` (empty when not converted), ``converted``, ``value``, ``path``.
    notes : plain-language assumptions made while building.
    """

    paths: pd.DataFrame
    report: pd.DataFrame
    touches: pd.DataFrame | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    journey_table: Callable[[], pd.DataFrame] | None = field(default=None, repr=False)

    @cached_property
    def journeys(self) -> pd.DataFrame | None:
        """One row per journey (only from :func:`build_journeys`), built on first use."""
        return None if self.journey_table is None else self.journey_table()

    @property
    def channels(self) -> list[str]:
        """Channels seen in any path, sorted."""
        return sorted({c for p in self.paths["path"] for c in p.split(SEP)})

    @property
    def total_conversions(self) -> float:
        return float(self.paths["conversions"].sum())

    @property
    def total_value(self) -> float:
        return float(self.paths["value"].sum())


LABELS = {
    'attr.rep.orders_read': {"zh": '读取的订单', "en": 'orders read'},
    'attr.rep.orders_invalid': {"zh": '客户、时间或金额无效的订单', "en": 'orders without a valid customer, time or amount'},
    'attr.rep.orders_cancelled': {"zh": '已取消的订单', "en": 'cancelled orders'},
    'attr.rep.orders_refunded': {"zh": '全额退款的订单', "en": 'fully refunded orders'},
    'attr.rep.touches_read': {"zh": '读取的触点', "en": 'touches read'},
    'attr.rep.touches_invalid': {"zh": '客户、时间或渠道无效的触点', "en": 'touches without a valid customer, time or channel'},
    'attr.rep.touches_unknown': {"zh": '客户表中没有的客户的触点', "en": 'touches of customers not in the customers table'},
    'attr.rep.orders_unknown': {"zh": '客户表中没有的客户的订单', "en": 'orders of customers not in the customers table'},
    'attr.rep.touches_old': {"zh": '早于下单前 {days:g} 天的触点', "en": 'touches more than {days:g} days before the order'},
    'attr.rep.touches_after': {"zh": '客户最后一笔订单之后的触点', "en": "touches after the customer's last order"},
    'attr.rep.null_old': {"zh": '早于未转化路径最后触点 {days:g} 天的触点', "en": "non-converting touches more than {days:g} days before the journey's last touch"},
    'attr.rep.repeats': {"zh": '同一渠道的连续重复触点', "en": 'repeated touches of the same channel in a row'},
    'attr.rep.cut': {"zh": '超出路径最后 {n} 步的触点', "en": 'touches beyond the last {n} of a journey'},
    'attr.rep.orders_empty': {"zh": '回溯窗口内没有触点的订单', "en": 'orders with no touch in the lookback window'},
    'attr.rep.conv_journeys': {"zh": '转化路径', "en": 'converting journeys'},
    'attr.rep.null_journeys': {"zh": '未转化路径', "en": 'journeys that have not converted'},
    'attr.rep.unique_paths': {"zh": '不同路径数', "en": 'unique paths'},
    'attr.rep.path_rows': {"zh": '读取的路径行', "en": 'path rows read'},
    'attr.rep.no_value': {"zh": '路径表没有转化价值列', "en": 'path table without a value column'},
    'attr.rep.empty_paths': {"zh": '空路径（{conv:g} 次转化，{null:g} 次未转化）', "en": 'empty paths ({conv:g} conversions, {null:g} non-conversions)'},
    'attr.act.none': {"zh": '-', "en": '-'},
    'attr.act.left_out': {"zh": '已排除', "en": 'left out'},
    'attr.act.kept': {"zh": '保留', "en": 'kept'},
    'attr.act.kept_null': {"zh": '作为未转化路径保留', "en": 'kept as a journey that has not converted'},
    'attr.act.collapsed': {"zh": '合并为一个', "en": 'collapsed into one'},
    'attr.act.direct': {"zh": '路径记为「直接访问」', "en": "path set to 'direct'"},
    'attr.act.used': {"zh": '使用', "en": 'used'},
    'attr.act.value_conv': {"zh": '价值 = 转化数', "en": 'value = conversions'},
}
register(LABELS)
register({"attr.rep.h_item": {"zh": "项目", "en": "Item"}, "attr.rep.h_count": {"zh": "数量", "en": "Count"},
          "attr.rep.h_action": {"zh": "处理", "en": "Action"}})


def _report_row(key: str, count, action: str, **fmt) -> dict:
    """One line of the journeys report; ``item``/``action`` in English, re-rendered by :func:`report_table`."""
    return {"item": _t(f"attr.rep.{key}", "en", **fmt), "count": int(count), "action": _t(f"attr.act.{action}", "en"),
            "key": key, "action_key": action, "params": dict(fmt)}


def report_table(report: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The journeys report (what was read, kept, changed, left out) in ``lang``, with translated headers."""
    return pd.DataFrame({
        _t("attr.rep.h_item", lang): [_t(f"attr.rep.{k}", lang, **p) for k, p in zip(report["key"], report["params"])],
        _t("attr.rep.h_count", lang): report["count"].to_numpy(),
        _t("attr.rep.h_action", lang): [_t(f"attr.act.{a}", lang) for a in report["action_key"]],
    })


def _need(df: pd.DataFrame, cols: dict[str, str], table: str) -> None:
    missing = [f"{role} ({col})" for role, col in cols.items() if col not in df.columns]
    if missing:
        raise DataError(
            f"the {table} table lacks columns needed for attribution: {', '.join(missing)}",
            column=", ".join(missing),
            examples=[f"columns present: {list(df.columns)[:12]}"],
            fix=f"map these columns in the client config under data.{table}.columns",
        )


def _encode_paths(journey: np.ndarray, codes: np.ndarray, n_journeys: int, channels: np.ndarray):
    """Unique paths from touches sorted by journey (then time).

    journey: [T] journey index per touch; codes: [T] channel code (0..C-1) per touch.
    Returns (path_id per journey [J], path strings [P], steps per path [P]).
    """
    counts = np.bincount(journey, minlength=n_journeys)  # [J]
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    step = np.arange(len(journey)) - starts[journey]  # [T] position within journey
    width = int(counts.max()) if len(counts) else 0
    if width <= _MATRIX_MAX_STEPS:
        base = len(channels) + 1
        per_key = max(1, int(62 // np.log2(base + 1)))  # path steps packed into one int64 key
        keys = []
        for lo in range(0, max(width, 1), per_key):
            key = np.zeros(n_journeys, dtype=np.int64)
            sel = (step >= lo) & (step < lo + per_key)
            np.add.at(key, journey[sel], (codes[sel].astype(np.int64) + 1) * base ** (step[sel] - lo))
            keys.append(key)
        if len(keys) == 1:
            inverse, first = _factorize_first(keys[0])
        else:
            grp = pd.DataFrame({i: k for i, k in enumerate(keys)}).groupby(list(range(len(keys))), sort=False).ngroup()
            inverse, first = _factorize_first(grp.to_numpy())
        row_of = np.full(n_journeys, -1, dtype=np.int64)
        row_of[journey[::-1]] = np.arange(len(journey))[::-1]  # first touch of each journey
        strings, steps = [], []
        for jj in first:
            k = counts[jj]
            chans = channels[codes[row_of[jj]: row_of[jj] + k]] if k else []
            strings.append(SEP.join(chans))
            steps.append(k)
        return inverse, np.array(strings, dtype=object), np.array(steps)
    joined = pd.Series(channels[codes]).groupby(journey).agg(SEP.join)
    full = pd.Series("", index=np.arange(n_journeys), dtype=object)
    full.loc[joined.index] = joined.to_numpy()
    cat = pd.Categorical(full)
    strings = np.asarray(cat.categories, dtype=object)
    steps = np.array([0 if s == "" else s.count(SEP) + 1 for s in strings])
    return cat.codes.astype(np.int64), strings, steps


def _factorize_first(key: np.ndarray):
    """Codes 0..P-1 of ``key`` and, for each code, the index of its first occurrence."""
    inverse, uniq = pd.factorize(key)
    first = np.full(len(uniq), -1, dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(key))[::-1]
    return inverse.astype(np.int64), first


def _aggregate(path_id, strings, steps, converted, value) -> pd.DataFrame:
    n = len(strings)
    conv = np.bincount(path_id, weights=converted, minlength=n)
    tot = np.bincount(path_id, minlength=n)
    val = np.bincount(path_id, weights=value, minlength=n)
    out = pd.DataFrame({"path": strings, "conversions": conv, "non_conversions": tot - conv,
                        "value": val, "n_steps": steps})
    return out.sort_values(["conversions", "path"], ascending=[False, True], ignore_index=True)


def _ids(s: pd.Series) -> pa.Array | pa.ChunkedArray:
    """Ids as an Arrow string array (text as the old ``astype("string")`` gave it; no Python objects
    for the usual Arrow-backed string columns)."""
    if not (isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow"):
        s = s.astype("string")
    arr = pa.array(s)  # the column's own Arrow buffers when it has them
    return arr if arr.type == pa.large_string() else arr.cast(pa.large_string())


def _ns(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(int64 nanoseconds since 1970, missing mask) of a date/time column."""
    v = pd.to_datetime(s, errors="coerce").to_numpy(dtype="datetime64[ns]")
    return v.view(np.int64), np.isnat(v)


def _status_mask(orders: pd.DataFrame, status: str, word: str) -> np.ndarray:
    """Rows whose status, lower-cased, is ``word`` (the few distinct statuses are compared once)."""
    code, names = pd.factorize(orders[status])
    hit = (pd.Series(np.asarray(names, dtype=object), dtype="string").str.lower() == word).fillna(False)
    return np.append(hit.to_numpy(dtype=bool), False)[code]  # code -1 (missing) -> False


def _customer_codes(*ids: pa.Array) -> tuple[list[np.ndarray], int]:
    """Customer codes 0..C-1 in id order, one array per ``ids`` (-1 where the id is missing),
    and C. DuckDB finds the distinct ids and joins them back in parallel, on the Arrow strings
    (no Python object per row)."""
    import duckdb  # noqa: PLC0415

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # no progress widget in notebook kernels
    for i, a in enumerate(ids):
        con.register(f"a{i}", pa.table({"r": np.arange(len(a), dtype=np.int64), "id": a}))
    distinct = ("SELECT DISTINCT id FROM (" + " UNION ALL ".join(f"SELECT id FROM a{i}" for i in range(len(ids)))
                + ") WHERE id IS NOT NULL")
    con.execute(f"CREATE TEMP TABLE c AS SELECT id, row_number() OVER (ORDER BY id) - 1 AS code FROM ({distinct})")
    n_codes = con.execute("SELECT count(*) FROM c").fetchone()[0]
    out = []
    for i, a in enumerate(ids):
        got = con.execute(f"SELECT a.r, c.code FROM a{i} a JOIN c USING (id)").fetchnumpy()
        codes = np.full(len(a), -1, dtype=np.int64)
        codes[np.asarray(got["r"])] = np.asarray(got["code"])
        out.append(codes)
    con.close()
    return out, int(n_codes)


def _next_order(t_code: np.ndarray, t_ns: np.ndarray, o_code: np.ndarray, o_ns: np.ndarray) -> np.ndarray:
    """[T] for each touch, the index of the first order of the same customer at or after it (-1: none).

    Touches and orders are each in time order. An order at the same time as a touch comes after
    it; of orders at the same time, the first. This is pandas' ``merge_asof(direction="forward",
    by=customer)`` done with two integer sorts (numpy's SIMD sort) and a reverse running minimum:
    events sorted by customer then time, each touch takes the next order in that stream if it
    is the same customer's."""
    nt, no = len(t_ns), len(o_ns)
    by_time = np.empty(nt + no, dtype=np.int64)  # [E] both merged in time order, touches first at equal times
    by_time[np.arange(nt) + np.searchsorted(o_ns, t_ns, side="left")] = np.arange(nt)
    by_time[np.arange(no) + np.searchsorted(t_ns, o_ns, side="right")] = nt + np.arange(no)
    cust = np.concatenate([t_code, o_code])  # [E] customer codes 0..C-1
    ev = by_time[stable_argsort(cust[by_time])]  # [E] events by customer, then time
    n = len(ev)
    at = np.where(ev >= nt, np.arange(n), n)
    nxt = np.minimum.accumulate(at[::-1])[::-1] if n else at  # [E] next order's place at or after each event
    found = nxt < n
    nxt = np.minimum(nxt, n - 1)
    found &= cust[ev[nxt]] == cust[ev]
    out = np.empty(nt, dtype=np.int64)
    is_touch = ev < nt
    out[ev[is_touch]] = np.where(found, ev[nxt] - nt, -1)[is_touch]
    return out


def build_journeys(
    touchpoints: pd.DataFrame,
    orders: pd.DataFrame,
    *,
    customers: pd.DataFrame | None = None,
    unknown_customers: str = "keep",
    lookback_days: float = 30,
    collapse_repeats: bool = True,
    max_path_length: int | None = None,
    empty_paths: str = "direct",
    customer_id: str = "customer_id",
    touch_time: str = "touch_time",
    channel: str = "channel",
    order_id: str = "order_id",
    order_time: str = "order_time",
    amount: str = "amount",
    status: str = "status",
    refund_amount: str = "refund_amount",
) -> Journeys:
    """Build journeys from touchpoints and orders.

    Each paid order closes a journey: the customer's touches in ``(previous order,
    order]`` that lie at most ``lookback_days`` before it, in time order. Touches after a
    customer's last order form one non-converting journey (kept within ``lookback_days`` of its
    last touch). Conversion value is ``amount - refund_amount`` (at least 0).

    Customer ids stay Arrow strings and are numbered by DuckDB (in parallel, no Python object
    per row); each touch finds its order through two integer sorts (:func:`_next_order`, an
    as-of join). Journeys are numbered: converting ones by order time (ties: table order), then
    the open ones by customer id.

    Required columns
    ----------------
    touchpoints: customer_id, touch_time, channel. orders: order_id, customer_id, order_time,
    amount; optional status (cancelled orders and fully refunded ones are left out, counted)
    and refund_amount.

    Parameters
    ----------
    customers : optional; when given, touches and orders of ids not in it are counted.
    unknown_customers : ``"keep"`` (default: such ids are usually prospects who never bought, the
        non-converting journeys the Markov model needs) or ``"drop"`` their touches (counted).
    lookback_days : touches older than this before the order are left out (counted).
    collapse_repeats : ``a > a > b`` becomes ``a > b``.
    max_path_length : keep only the last N touches of a journey (cut touches counted).
    empty_paths : ``"direct"`` (an order with no touch in the window gets the path ``direct``)
        or ``"drop"`` (left out, counted).

    Returns
    -------
    Journeys

    Raises
    ------
    DataError : missing columns or unknown ``empty_paths``.
    InsufficientDataError : no journey converts.
    """
    if empty_paths not in EMPTY_PATHS:
        raise DataError(f"empty_paths={empty_paths!r} is not valid", fix=f"use one of {list(EMPTY_PATHS)}")
    if unknown_customers not in ("keep", "drop"):
        raise DataError(f"unknown_customers={unknown_customers!r} is not valid", fix="use 'keep' or 'drop'")
    if lookback_days is None or lookback_days <= 0:
        raise DataError(f"lookback_days must be positive, got {lookback_days!r}", fix="use e.g. 30")
    _need(touchpoints, {"customer": customer_id, "time": touch_time, "channel": channel}, "touchpoints")
    _need(orders, {"order": order_id, "customer": customer_id, "time": order_time, "amount": amount}, "orders")
    rows: list[dict] = []
    lookback_ns = int(pd.Timedelta(days=float(lookback_days)).value)

    # ---- orders -------------------------------------------------------------------------
    o_ns, o_nat = _ns(orders[order_time])
    # net sales of the order: the one definition (mopkit.data.orders)
    value = (pd.to_numeric(orders[amount], errors="coerce") - refund_of(orders, refund_col=refund_amount)).clip(lower=0)
    value = value.to_numpy(dtype=float)
    o_cust = _ids(orders[customer_id])
    rows.append(_report_row("orders_read", len(orders), "none"))
    bad = o_nat | np.isnan(value) | o_cust.is_null().to_numpy(zero_copy_only=False)
    if bad.any():
        rows.append(_report_row("orders_invalid", bad.sum(), "left_out"))
    keep = ~bad
    if status in orders.columns:
        cancelled = keep & _status_mask(orders, status, "cancelled")
        refunded = keep & _status_mask(orders, status, "refunded") & (value <= 0)
        if cancelled.any():
            rows.append(_report_row("orders_cancelled", cancelled.sum(), "left_out"))
        if refunded.any():
            rows.append(_report_row("orders_refunded", refunded.sum(), "left_out"))
        keep &= ~(cancelled | refunded)
    kept_rows = np.flatnonzero(keep)
    o_row = kept_rows[stable_argsort(o_ns[kept_rows])]  # [O] table row of each order, in time order
    n_orders = len(o_row)
    oi = np.full(len(orders), -1, dtype=np.int64)
    oi[o_row] = np.arange(n_orders)

    # ---- touches ------------------------------------------------------------------------
    raw_code, raw_names = pd.factorize(touchpoints[channel])  # normalise the few distinct names only
    norm = pd.Series(raw_names, dtype="string").str.strip().str.lower()
    norm_code, norm_names = pd.factorize(norm)
    ch_code = np.where(raw_code >= 0, norm_code[np.maximum(raw_code, 0)], -1) if len(raw_names) else raw_code
    chan_names = list(norm_names)
    t_ns, t_nat = _ns(touchpoints[touch_time])
    t_cust = _ids(touchpoints[customer_id])
    rows.append(_report_row("touches_read", len(touchpoints), "none"))
    empty_name = chan_names.index("") if "" in chan_names else -2
    bad = t_nat | (ch_code < 0) | (ch_code == empty_name) | t_cust.is_null().to_numpy(zero_copy_only=False)
    if bad.any():
        rows.append(_report_row("touches_invalid", bad.sum(), "left_out"))

    # ---- customer ids -> integer codes -----------------------------------------------------
    extra = [_ids(customers[customer_id])] if customers is not None else []
    (o_code, t_code, *k_code), n_customers = _customer_codes(o_cust, t_cust, *extra)
    t_ok = ~bad
    if customers is not None:
        _need(customers, {"customer": customer_id}, "customers")
        known = np.zeros(n_customers + 1, dtype=bool)  # [C+1]: the last is "missing id" (code -1)
        known[k_code[0]] = True
        known[-1] = False
        unknown = t_ok & ~known[t_code]
        if unknown.any():
            rows.append(_report_row("touches_unknown", unknown.sum(),
                                    "left_out" if unknown_customers == "drop" else "kept"))
            if unknown_customers == "drop":
                t_ok &= ~unknown
        unknown_o = ~known[o_code[o_row]]
        if unknown_o.any():
            rows.append(_report_row("orders_unknown", unknown_o.sum(), "kept"))

    # ---- each touch -> the customer's next order at or after it --------------------------
    t_row = np.flatnonzero(t_ok)
    t_row = t_row[stable_argsort(t_ns[t_row])]  # [T] kept touches in time order (ties: table order)
    so_ns = o_ns[o_row]
    nxt = _next_order(t_code[t_row], t_ns[t_row], o_code[o_row], so_ns)
    has_order = nxt >= 0
    nxt = np.where(has_order, nxt, 0)
    order_ns = so_ns[nxt] if n_orders else np.zeros(len(nxt), dtype=np.int64)
    in_window = has_order & (order_ns - t_ns[t_row] <= lookback_ns)
    old = has_order & ~in_window
    if old.any():
        rows.append(_report_row("touches_old", old.sum(), "left_out", days=lookback_days))
    # touches after a customer's last order (or of customers who never ordered): open journeys
    tr = t_row[~has_order]
    tr_code = t_code[tr]
    last_c = np.full(n_customers, np.iinfo(np.int64).min)
    np.maximum.at(last_c, tr_code, t_ns[tr])
    last = last_c[tr_code]
    buyer = np.zeros(n_customers, dtype=bool)
    buyer[o_code[o_row]] = True
    n_after = int(buyer[tr_code].sum())
    if n_after:
        rows.append(_report_row("touches_after", n_after, "kept_null"))
    recent = last - t_ns[tr] <= lookback_ns
    if (~recent).any():
        rows.append(_report_row("null_old", (~recent).sum(), "left_out", days=lookback_days))
    tr, tr_code = tr[recent], tr_code[recent]
    open_grp, open_codes = pd.factorize(tr_code, sort=True)  # open journeys in customer id order
    n_open = len(open_codes)
    open_end = np.full(n_open, np.iinfo(np.int64).min)
    np.maximum.at(open_end, open_grp, t_ns[tr])
    open_row = np.empty(n_open, dtype=np.int64)  # one touch of each open journey's customer (for its id)
    open_row[open_grp] = tr
    conv = t_row[in_window]
    journey_all = np.concatenate([nxt[in_window], n_orders + open_grp])
    srt = stable_argsort(journey_all)  # touches are already in time order
    jr = journey_all[srt]  # [T] journey of each touch, sorted by journey then time
    t_sel = np.concatenate([conv, tr])[srt]
    tns, tch = t_ns[t_sel], ch_code[t_sel].astype(np.int64)
    del journey_all, srt, t_sel

    # journeys: converting ones are the orders (in time order), then one open one per customer
    n_j = n_orders + n_open
    end_ns = np.concatenate([so_ns, open_end])
    converted = np.concatenate([np.ones(n_orders), np.zeros(n_open)])
    value = np.concatenate([value[o_row], np.zeros(n_open)])

    if collapse_repeats and len(jr):
        dup = np.zeros(len(jr), dtype=bool)
        dup[1:] = (jr[1:] == jr[:-1]) & (tch[1:] == tch[:-1])
        if dup.any():
            rows.append(_report_row("repeats", dup.sum(), "collapsed"))
            jr, tns, tch = jr[~dup], tns[~dup], tch[~dup]
    if max_path_length is not None and len(jr):
        ends = np.cumsum(np.bincount(jr, minlength=n_j))
        cut = ends[jr] - np.arange(len(jr)) - 1 >= int(max_path_length)
        if cut.any():
            rows.append(_report_row("cut", cut.sum(), "left_out", n=int(max_path_length)))
            jr, tns, tch = jr[~cut], tns[~cut], tch[~cut]

    # empty converting journeys (orders with no touch in the window)
    empty = (np.bincount(jr, minlength=n_j) == 0) & (converted == 1)
    if empty.any():
        if empty_paths == "direct":
            rows.append(_report_row("orders_empty", empty.sum(), "direct"))
            add = np.flatnonzero(empty)
            if DIRECT not in chan_names:
                chan_names.append(DIRECT)
            at = np.searchsorted(jr, add)  # these journeys have no touch: one 'direct' step each, in place
            jr, tns = np.insert(jr, at, add), np.insert(tns, at, end_ns[add])
            tch = np.insert(tch, at, chan_names.index(DIRECT))
        else:
            rows.append(_report_row("orders_empty", empty.sum(), "left_out"))
    keep_j = np.bincount(jr, minlength=n_j) > 0
    # renumber journeys 0..J-1
    jr = (np.cumsum(keep_j) - 1)[jr]
    kept_j = np.flatnonzero(keep_j)
    end_ns, converted, value = end_ns[kept_j], converted[kept_j], value[kept_j]
    n_j = len(kept_j)
    if n_j == 0 or converted.sum() == 0:
        raise InsufficientDataError(
            "no journey ends in an order: there is nothing to attribute",
            examples=[f"{r['item']}: {r['count']} ({r['action']})" for r in rows],
            fix="check that touchpoints and orders share customer ids, that orders are paid, "
                "and that lookback_days is long enough",
        )

    seen = np.bincount(tch, minlength=len(chan_names)) > 0  # the few channels: no sort of every touch
    used = np.flatnonzero(seen)
    codes = (np.cumsum(seen) - 1)[tch]
    names = np.asarray(chan_names, dtype=object)[used]
    order = np.argsort(names.astype(str))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    codes = rank[codes.reshape(-1)]
    channels = names[order]
    path_id, strings, steps = _encode_paths(jr, codes, n_j, channels)
    paths = _aggregate(path_id, strings, steps, converted, value)
    days = (end_ns[jr] - tns) / 86_400e9
    touches = pd.DataFrame({"journey": jr, "channel": pd.Categorical.from_codes(codes, categories=channels),
                            "days_before": days, "converted": converted[jr], "value": value[jr]})
    # ids stay Arrow strings end to end: customer and order of each journey ("" for open ones),
    # gathered only when someone reads Journeys.journeys (no model does)
    # (the closure keeps only the orders' two id columns, not the touches)
    conv, is_open = kept_j[kept_j < n_orders], kept_j[kept_j >= n_orders] - n_orders
    o_ids, open_cust = orders[order_id], t_cust.take(open_row[is_open])
    del t_cust

    def journey_table() -> pd.DataFrame:
        ids = pa.table({
            "customer_id": pa.chunked_array([o_cust.take(o_row[conv]), open_cust], type=pa.large_string()),
            "order_id": pa.chunked_array([_ids(o_ids).take(o_row[conv]),
                                          pc.fill_null(pa.nulls(len(is_open), pa.large_string()), "")],
                                         type=pa.large_string()),
        }).to_pandas()
        return ids.assign(converted=converted.astype(int), value=value,
                          path=pd.Categorical.from_codes(path_id, categories=strings))
    rows.append(_report_row("conv_journeys", converted.sum(), "used"))
    rows.append(_report_row("null_journeys", n_j - converted.sum(), "used"))
    rows.append(_report_row("unique_paths", len(paths), "used"))
    return Journeys(paths=paths, report=pd.DataFrame(rows), touches=touches, journey_table=journey_table)


def journeys_from_paths(
    table: pd.DataFrame,
    *,
    path: str = "path",
    conversions: str = "conversions",
    non_conversions: str | None = "non_conversions",
    value: str | None = "value",
    separator: str = ">",
    collapse_repeats: bool = True,
    max_path_length: int | None = None,
    empty_paths: str = "direct",
) -> Journeys:
    """Read an aggregated path table (Google Analytics conversion paths / ChannelAttribution form).

    Required columns
    ----------------
    path (channels separated by ``separator``, e.g. ``douyin > wechat > tmall``), conversions.
    Optional: non_conversions (journeys of that path that did not convert; 0 if absent) and
    value (conversion value; if absent every conversion is worth 1, noted).

    Returns
    -------
    Journeys (without touch level data: time decay then counts steps instead of days, noted).

    Raises
    ------
    DataError : missing columns, negative or non-numeric counts.
    InsufficientDataError : no conversions.
    """
    if empty_paths not in EMPTY_PATHS:
        raise DataError(f"empty_paths={empty_paths!r} is not valid", fix=f"use one of {list(EMPTY_PATHS)}")
    _need(table, {"path": path, "conversions": conversions}, "path table")
    notes: list[str] = []
    rows = [_report_row("path_rows", len(table), "none")]

    def num(col: str | None, default: float | None) -> np.ndarray:
        if col is None or col not in table.columns or table[col].isna().all():  # absent, or an empty column
            return None if default is None else np.full(len(table), default, dtype=float)
        x = pd.to_numeric(table[col], errors="coerce")
        bad = x.isna() | (x < 0)
        if bad.any():
            raise DataError(f"path table column {col!r} has missing, non-numeric or negative values",
                            column=col, examples=table.loc[bad, [path, col]].head(5).to_dict("records"),
                            fix="counts and values must be numbers >= 0")
        return x.to_numpy(dtype=float)

    conv = num(conversions, None)
    null = num(non_conversions, 0.0)
    val = num(value, None)
    if val is None:
        val = conv.copy()
        notes.append("the path table has no conversion value: every conversion counts as 1")
        rows.append(_report_row("no_value", 1, "value_conv"))
    raw = table[path].astype("string").fillna("")
    row_code, uniq_raw = pd.factorize(raw)  # parse each distinct path string once
    n_rows = np.bincount(row_code, minlength=len(uniq_raw))
    parsed_u: list[list[str]] = []
    n_collapsed = n_cut = 0
    for s, n_same in zip(uniq_raw, n_rows):
        chans = [c.strip().lower() for c in str(s).split(separator)]
        chans = [c for c in chans if c]
        if collapse_repeats:
            before = len(chans)
            chans = [c for i, c in enumerate(chans) if i == 0 or c != chans[i - 1]]
            n_collapsed += (before - len(chans)) * n_same
        if max_path_length is not None and len(chans) > max_path_length:
            n_cut += (len(chans) - int(max_path_length)) * n_same
            chans = chans[-int(max_path_length):]
        parsed_u.append(chans)
    if n_collapsed:
        rows.append(_report_row("repeats", n_collapsed, "collapsed"))
    if n_cut:
        rows.append(_report_row("cut", n_cut, "left_out", n=int(max_path_length)))
    empty_u = np.array([len(p) == 0 for p in parsed_u], dtype=bool)
    empty = empty_u[row_code]
    if empty.any():
        what = {"conv": float(conv[empty].sum()), "null": float(null[empty].sum())}
        if empty_paths == "direct":
            rows.append(_report_row("empty_paths", empty.sum(), "direct", **what))
            parsed_u = [p or [DIRECT] for p in parsed_u]
        else:
            rows.append(_report_row("empty_paths", empty.sum(), "left_out", **what))
    strings_u = np.array([SEP.join(p) for p in parsed_u], dtype=object)
    steps_u = np.array([len(p) for p in parsed_u])
    nu = len(uniq_raw)
    keep = steps_u > 0
    df = pd.DataFrame({"path": strings_u, "conversions": np.bincount(row_code, weights=conv, minlength=nu),
                       "non_conversions": np.bincount(row_code, weights=null, minlength=nu),
                       "value": np.bincount(row_code, weights=val, minlength=nu), "n_steps": steps_u})[keep]
    paths = (df.groupby("path", as_index=False, sort=False)
               .agg(conversions=("conversions", "sum"), non_conversions=("non_conversions", "sum"),
                    value=("value", "sum"), n_steps=("n_steps", "first")))
    paths = paths[(paths["conversions"] + paths["non_conversions"]) > 0]
    paths = paths.sort_values(["conversions", "path"], ascending=[False, True], ignore_index=True)
    if paths["conversions"].sum() <= 0:
        raise InsufficientDataError("no path in the table has a conversion: there is nothing to attribute",
                                    column=conversions, fix="check the conversions column and its mapping")
    rows.append(_report_row("unique_paths", len(paths), "used"))
    notes.append("built from an aggregated path table: time decay counts steps before the conversion, "
                 "one step = one day")
    return Journeys(paths=paths, report=pd.DataFrame(rows), notes=tuple(notes))


def explode_paths(paths: pd.DataFrame):
    """Touch-level arrays of the unique paths.

    Returns (channels [C], path index [N], position [N], length [N], channel code [N]) where N is
    the total number of steps over the unique paths.
    """
    split = [p.split(SEP) for p in paths["path"]]
    lengths = np.array([len(s) for s in split], dtype=np.int64)
    flat = np.array([c for s in split for c in s], dtype=object)
    channels, code = np.unique(flat.astype(str), return_inverse=True)
    pidx = np.repeat(np.arange(len(split)), lengths)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    pos = np.arange(len(flat)) - starts[pidx]
    return list(channels), pidx, pos, lengths[pidx], code.reshape(-1)
