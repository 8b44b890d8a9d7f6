"""The pandas build_journeys as it was before issue 16 (main at 23f49d2), kept verbatim as the truth
the DuckDB version is compared with in tests/test_attribution_journeys_duckdb.py. Not used by mopkit."""
import numpy as np
import pandas as pd

from mopkit.attribution.journeys import (DIRECT, EMPTY_PATHS, Journeys, _aggregate, _encode_paths, _need,
                                         _report_row)
from mopkit.data.orders import refund_of
from mopkit.errors import DataError, InsufficientDataError


def build_journeys_pandas(
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
    # (only change: Journeys now builds its journeys table on first use)
    return Journeys(paths=paths, report=pd.DataFrame(rows), touches=touches, journey_table=lambda: journeys)

