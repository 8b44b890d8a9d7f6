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

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..data.orders import refund_of
from ..errors import DataError, InsufficientDataError
from ..i18n import register
from ..i18n import t as _t

SEP = " > "
DIRECT = "direct"
EMPTY_PATHS = ("direct", "drop")
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
    journeys: pd.DataFrame | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

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

    # ---- ids as integer codes (one code space for orders, touches and customers) ------------
    ids = pd.concat([orders[customer_id], touchpoints[customer_id]], ignore_index=True).astype("string")
    id_code, id_names = pd.factorize(ids)
    o_cust, t_cust = id_code[: len(orders)], id_code[len(orders):]

    # ---- orders -------------------------------------------------------------------------
    o = pd.DataFrame({
        "row": np.arange(len(orders)),
        "cust": o_cust,
        "time": pd.to_datetime(orders[order_time], errors="coerce").to_numpy(),
        # net sales of the order: the one definition (mopkit.data.orders)
        "value": (pd.to_numeric(orders[amount], errors="coerce") - refund_of(orders, refund_col=refund_amount)).to_numpy(dtype=float),
    })
    o["value"] = o["value"].clip(lower=0)
    rows.append(_report_row("orders_read", len(o), "none"))
    bad = (o["time"].isna() | o["value"].isna() | (o["cust"] < 0)).to_numpy()
    if bad.any():
        rows.append(_report_row("orders_invalid", bad.sum(), "left_out"))
    keep = ~bad
    if status in orders.columns:
        st = orders[status].astype("string").str.lower().to_numpy()
        cancelled = keep & (st == "cancelled")
        refunded = keep & (st == "refunded") & (o["value"].to_numpy() <= 0)
        if cancelled.any():
            rows.append(_report_row("orders_cancelled", cancelled.sum(), "left_out"))
        if refunded.any():
            rows.append(_report_row("orders_refunded", refunded.sum(), "left_out"))
        keep &= ~(cancelled | refunded)
    o = o[keep]

    # ---- touches ------------------------------------------------------------------------
    raw_code, raw_names = pd.factorize(touchpoints[channel])  # normalise the few distinct names only
    norm = pd.Series(raw_names, dtype="string").str.strip().str.lower()
    norm_code, norm_names = pd.factorize(norm)
    ch_code = np.where(raw_code >= 0, norm_code[np.maximum(raw_code, 0)], -1) if len(raw_names) else raw_code
    chan_names = list(norm_names)
    t = pd.DataFrame({
        "cust": t_cust,
        "time": pd.to_datetime(touchpoints[touch_time], errors="coerce").to_numpy(),
        "ch": ch_code,
    })
    rows.append(_report_row("touches_read", len(t), "none"))
    empty_name = chan_names.index("") if "" in chan_names else -2
    bad = (t["time"].isna() | (t["ch"] < 0) | (t["ch"] == empty_name) | (t["cust"] < 0)).to_numpy()
    if bad.any():
        rows.append(_report_row("touches_invalid", bad.sum(), "left_out"))
    t = t[~bad]
    if customers is not None:
        _need(customers, {"customer": customer_id}, "customers")
        known = id_names.get_indexer(pd.Index(customers[customer_id].astype("string").unique()))
        known = np.zeros(len(id_names), dtype=bool) if len(id_names) == 0 else np.isin(np.arange(len(id_names)), known[known >= 0])
        unknown = ~known[t["cust"].to_numpy()]
        if unknown.any():
            rows.append(_report_row("touches_unknown", unknown.sum(),
                                    "left_out" if unknown_customers == "drop" else "kept"))
            if unknown_customers == "drop":
                t = t[~unknown]
        unknown_o = ~known[o["cust"].to_numpy()]
        if unknown_o.any():
            rows.append(_report_row("orders_unknown", unknown_o.sum(), "kept"))

    # ---- each touch -> the customer's next order at or after it --------------------------
    o = o.sort_values("time", kind="stable").reset_index(drop=True)
    o["order_idx"] = np.arange(len(o))
    t = t.sort_values("time", kind="stable").reset_index(drop=True)
    m = pd.merge_asof(t, o[["time", "cust", "order_idx"]].rename(columns={"time": "order_time"}),
                      left_on="time", right_on="order_time", by="cust", direction="forward")
    has_order = m["order_idx"].notna().to_numpy()
    lookback = pd.Timedelta(days=float(lookback_days))
    gap = (m["order_time"] - m["time"]).to_numpy()
    in_window = has_order & (gap <= lookback.to_timedelta64())
    old = has_order & ~in_window
    if old.any():
        rows.append(_report_row("touches_old", old.sum(), "left_out", days=lookback_days))
    trailing = ~has_order
    # touches after a customer's last order (or of customers who never ordered): open journeys
    tr = m.loc[trailing, ["cust", "time", "ch"]]
    if len(tr):
        last = tr.groupby("cust")["time"].transform("max")
        recent = ((last - tr["time"]) <= lookback).to_numpy()
        buyer = np.zeros(len(id_names), dtype=bool)
        buyer[o["cust"].to_numpy()] = True
        n_after = int(buyer[tr["cust"].to_numpy()].sum())
        if n_after:
            rows.append(_report_row("touches_after", n_after,
                                    "kept_null"))
        if (~recent).any():
            rows.append(_report_row("null_old",
                                    (~recent).sum(), "left_out", days=lookback_days))
        tr = tr[recent]
    conv_t = m.loc[in_window, ["order_idx", "time", "ch"]]

    # journeys: converting ones are the orders; open ones one per customer
    open_end = tr.groupby("cust")["time"].max()
    open_customers = open_end.index.to_numpy()
    n_orders = len(o)
    j_conv = conv_t["order_idx"].to_numpy(dtype=np.int64)
    j_open = n_orders + tr.groupby("cust").ngroup().to_numpy()  # groups sorted like open_end
    journey_all = np.concatenate([j_conv, j_open])
    srt = np.argsort(journey_all, kind="stable")  # touches are already in time order
    tt = pd.DataFrame({
        "journey": journey_all[srt],
        "time": np.concatenate([conv_t["time"].to_numpy(), tr["time"].to_numpy()])[srt],
        "ch": np.concatenate([conv_t["ch"].to_numpy(), tr["ch"].to_numpy()])[srt],
    })
    n_j = n_orders + len(open_customers)
    end_time = np.concatenate([o["time"].to_numpy(), open_end.to_numpy()])
    converted = np.concatenate([np.ones(n_orders), np.zeros(len(open_customers))])
    value = np.concatenate([o["value"].to_numpy(dtype=float), np.zeros(len(open_customers))])
    j_cust = np.concatenate([o["cust"].to_numpy(), open_customers]).astype(np.int64)
    j_row = np.concatenate([o["row"].to_numpy(), np.full(len(open_customers), -1)])

    jr = tt["journey"].to_numpy()
    if collapse_repeats and len(tt):
        ch = tt["ch"].to_numpy()
        dup = np.zeros(len(tt), dtype=bool)
        dup[1:] = (jr[1:] == jr[:-1]) & (ch[1:] == ch[:-1])
        if dup.any():
            rows.append(_report_row("repeats", dup.sum(), "collapsed"))
        tt = tt[~dup].reset_index(drop=True)
        jr = tt["journey"].to_numpy()
    if max_path_length is not None and len(tt):
        counts = np.bincount(jr, minlength=n_j)
        ends = np.cumsum(counts)
        from_end = ends[jr] - np.arange(len(jr)) - 1
        cut = from_end >= int(max_path_length)
        if cut.any():
            rows.append(_report_row("cut", cut.sum(), "left_out", n=int(max_path_length)))
        tt = tt[~cut].reset_index(drop=True)
        jr = tt["journey"].to_numpy()

    # empty converting journeys (orders with no touch in the window)
    n_touch = np.bincount(jr, minlength=n_j)
    empty = (n_touch == 0) & (converted == 1)
    if empty.any():
        if empty_paths == "direct":
            rows.append(_report_row("orders_empty", empty.sum(), "direct"))
            add = np.flatnonzero(empty)
            if DIRECT not in chan_names:
                chan_names.append(DIRECT)
            tt = pd.concat([tt, pd.DataFrame({"journey": add, "time": end_time[add], "ch": chan_names.index(DIRECT)})],
                           ignore_index=True).sort_values(["journey", "time"], kind="stable", ignore_index=True)
            jr = tt["journey"].to_numpy()
        else:
            rows.append(_report_row("orders_empty", empty.sum(), "left_out"))
    keep_j = np.bincount(jr, minlength=n_j) > 0
    # renumber journeys 0..J-1
    new_id = np.cumsum(keep_j) - 1
    jr = new_id[jr]
    end_time, converted, value = end_time[keep_j], converted[keep_j], value[keep_j]
    j_cust, j_row = j_cust[keep_j], j_row[keep_j]
    n_j = int(keep_j.sum())
    if n_j == 0 or converted.sum() == 0:
        raise InsufficientDataError(
            "no journey ends in an order: there is nothing to attribute",
            examples=[f"{r['item']}: {r['count']} ({r['action']})" for r in rows],
            fix="check that touchpoints and orders share customer ids, that orders are paid, "
                "and that lookback_days is long enough",
        )

    used, codes = np.unique(tt["ch"].to_numpy(), return_inverse=True)
    names = np.asarray(chan_names, dtype=object)[used]
    order = np.argsort(names.astype(str))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    codes = rank[codes.reshape(-1)]
    channels = names[order]
    path_id, strings, steps = _encode_paths(jr, codes.reshape(-1), n_j, channels)
    paths = _aggregate(path_id, strings, steps, converted, value)
    days = (end_time[jr] - tt["time"].to_numpy()) / np.timedelta64(1, "D")
    touches = pd.DataFrame({"journey": jr, "channel": pd.Categorical.from_codes(codes.reshape(-1), categories=channels), "days_before": days.astype(float),
                            "converted": converted[jr], "value": value[jr]})
    order_ids = orders[order_id].astype("string").to_numpy()
    journeys = pd.DataFrame({"customer_id": np.asarray(id_names, dtype=object)[j_cust],
                             "order_id": np.where(j_row >= 0, order_ids[np.maximum(j_row, 0)], ""), "converted": converted.astype(int),
                             "value": value, "path": pd.Categorical.from_codes(path_id, categories=strings)})
    rows.append(_report_row("conv_journeys", converted.sum(), "used"))
    rows.append(_report_row("null_journeys", n_j - converted.sum(), "used"))
    rows.append(_report_row("unique_paths", len(paths), "used"))
    return Journeys(paths=paths, report=pd.DataFrame(rows), touches=touches, journeys=journeys)


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
