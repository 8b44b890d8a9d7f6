"""Customer-lifetime-value inputs: repeat-purchase summary and calibration/holdout split.

The summary has the same definitions as lifetimes' ``summary_data_from_transaction_data``
(purchases in the same period are merged into one, the first purchase is not a repeat,
``recency`` = last minus first purchase period, ``T`` = observation end minus first purchase
period, ``monetary_value`` = mean of the repeat periods' summed amounts) and the same numbers,
but is computed with value sorts over integer keys (numpy), so 10 million orders take about
two seconds.
lifetimes itself is never imported here (see :mod:`mopkit.clv.models`).

Time units
----------
``freq`` is the grain at which purchases are merged ("D" calendar day, "W" ISO week Monday to
Sunday, as pandas' ``to_period("W")``); durations are counted in those periods and divided by
``freq_multiplier``. The config's ``time_unit`` maps onto them with :func:`time_unit_args`:
``"D"`` -> days, ``"W"`` -> day grain counted in weeks (``freq="D", freq_multiplier=7``), which is
how the published CDNOW results were computed (Fader, Hardie & Lee 2005: 39-week calibration,
T up to 38.86 weeks).

References
----------
Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way: An Alternative to the
Pareto/NBD Model", Marketing Science 24(2).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .grouping import _codes_unsorted, _periods, _summary_from_codes, _summary_from_text_keys, customer_codes
from ..data.orders import net_order_value
from ..errors import DataError
TIME_UNITS = {"D": ("D", 1, 1.0), "W": ("D", 7, 7.0)}  # unit -> (freq, multiplier, days per unit)


def time_unit_args(time_unit: str) -> tuple[str, int]:
    """``(freq, freq_multiplier)`` for a config ``time_unit`` ("D" days or "W" weeks).

    Raises
    ------
    ValueError
        Unknown unit; the message lists the valid ones.
    """
    if time_unit not in TIME_UNITS:
        raise ValueError(f"time_unit {time_unit!r} is not supported; use one of {list(TIME_UNITS)}")
    freq, mult, _ = TIME_UNITS[time_unit]
    return freq, mult


def days_per_unit(time_unit: str) -> float:
    """How many days one model time unit lasts (1 for "D", 7 for "W")."""
    time_unit_args(time_unit)
    return TIME_UNITS[time_unit][2]


@dataclass(frozen=True)
class PreparedTransactions:
    """Purchases ready for RFM/CLV plus the count of rows left out per reason."""

    transactions: pd.DataFrame  # customer_id, order_time, amount (net of refunds)
    dropped: pd.DataFrame  # reason, rows


def prepare_transactions(
    orders: pd.DataFrame,
    observation_end=None,
    *,
    customer_col: str = "customer_id",
    time_col: str = "order_time",
    amount_col: str = "amount",
    status_col: str = "status",
    refund_col: str = "refund_amount",
) -> PreparedTransactions:
    """Turn canonical ``orders`` into purchases: one row per order that counts as a purchase.

    Required columns: ``customer_id``, ``order_time``, ``amount``; optional ``status``
    (paid/refunded/cancelled) and ``refund_amount``. The purchase value is ``amount -
    refund_amount``. Left out, and counted in ``dropped`` with the reason: cancelled orders,
    orders with no customer id, orders whose net value is 0 or less (fully refunded or free),
    orders after ``observation_end`` (a date; ``None`` = the last order's day, inclusive).

    Raises
    ------
    DataError
        A required column is missing or no purchase is left.
    """
    missing = [c for c in (customer_col, time_col, amount_col) if c not in orders.columns]
    if missing:
        raise DataError(f"orders lack the columns {missing} needed for RFM/CLV", column=missing[0],
                        fix="map them in the client config (data.orders.columns)")
    n0 = len(orders)
    status = orders[status_col].astype("string") if status_col in orders.columns else pd.Series("paid", index=orders.index)
    net = net_order_value(orders, amount_col=amount_col, refund_col=refund_col)  # one definition (mopkit.data.orders)
    times = pd.to_datetime(orders[time_col])
    end = _end_day(observation_end, times)
    reasons = [
        ("cancelled", (status == "cancelled").to_numpy(dtype=bool, na_value=False)),
        ("no customer id", orders[customer_col].isna().to_numpy()),
        ("net amount <= 0 (fully refunded or free)", (net <= 0).to_numpy(dtype=bool, na_value=True)),
        ("after observation end", (times.dt.normalize() > end).to_numpy()),
    ]
    keep = np.ones(n0, dtype=bool)
    rows = []
    for reason, mask in reasons:
        hit = keep & mask
        rows.append((reason, int(hit.sum())))
        keep &= ~mask
    tx = pd.DataFrame(
        {customer_col: orders[customer_col].to_numpy()[keep], time_col: times.to_numpy()[keep],
         amount_col: net.to_numpy()[keep]}
    )
    if tx.empty:
        raise DataError("no purchase is left for RFM/CLV after removing cancelled, refunded and late orders",
                        fix="check the status column mapping and observation_end")
    dropped = pd.DataFrame(rows, columns=["reason", "rows"])
    return PreparedTransactions(tx, dropped)


def _end_day(observation_end, times: pd.Series) -> pd.Timestamp:
    if observation_end is None or (isinstance(observation_end, str) and not observation_end.strip()):
        return pd.Timestamp(times.max()).normalize()
    return pd.Timestamp(observation_end).normalize()


def clv_summary(
    transactions: pd.DataFrame,
    observation_end=None,
    *,
    customer_col: str = "customer_id",
    time_col: str = "order_time",
    amount_col: str | None = "amount",
    freq: str = "D",
    freq_multiplier: float = 1,
) -> pd.DataFrame:
    """Frequency, recency, T (and mean repeat value) per customer, as lifetimes defines them.

    Required columns: ``customer_id``, ``order_time`` (and ``amount`` unless ``amount_col`` is
    None). Purchases after ``observation_end``'s period are ignored (``None`` = last purchase).

    Returns
    -------
    DataFrame indexed by customer id (sorted) with float columns ``frequency`` (repeat periods
    with a purchase), ``recency``, ``T`` and, with amounts, ``monetary_value`` (mean summed
    amount of the repeat periods, 0 for one-time buyers). Identical to
    ``lifetimes.utils.summary_data_from_transaction_data`` with the same arguments (the periods
    exactly; the mean values up to floating-point summation order).

    Method: pseudonym-like text ids (one byte length, varying characters lowercase hex, as the
    loader writes them) are packed into exact order-preserving integer keys
    (:func:`_hex_id_keys`) and the rows grouped by one value sort of ``key << row bits | row``
    (two when that exceeds 64 bits): no hashing, and the groups come out in id order; first and
    last period and repeat spend per customer by ``reduceat``, distinct periods counted directly
    when rows are time-ordered, otherwise by a sort of (customer, period). Other ids: one
    integer code per customer (:func:`customer_codes`; DuckDB hashes for large text ids), one
    sort of an int64 (customer, period) key, repeat spend by ``np.bincount``; the
    one-row-per-customer result is put in id order at the end.
    """
    if len(transactions) == 0:
        raise DataError("no transactions to summarise", fix="check the observation window")
    times = transactions[time_col]
    if times.dtype.kind != "M":
        times = pd.to_datetime(times)
    per = _periods(times.to_numpy(), freq)
    if observation_end is None or observation_end == "":
        end_per = int(per.max())
    else:
        end_per = int(_periods(np.array([pd.Timestamp(observation_end).to_datetime64()]), freq)[0])
    keep = per <= end_per
    ids = transactions[customer_col]
    amount = transactions[amount_col].to_numpy(dtype=float) if amount_col is not None else None
    if not keep.all():
        ids, per = ids[keep], per[keep]
        amount = amount[keep] if amount is not None else None
    fast = _summary_from_text_keys(ids, per, amount, end_per, freq_multiplier, customer_col)
    if fast is not None:
        return fast
    codes, index, order = _codes_unsorted(ids)  # aggregate in code order, sort the 1 row per customer after
    out = _summary_from_codes(codes, index, per, amount, end_per, freq_multiplier, customer_col)
    return out if order is None else out.take(order)



def calibration_holdout_split(
    transactions: pd.DataFrame,
    calibration_end,
    observation_end=None,
    *,
    customer_col: str = "customer_id",
    time_col: str = "order_time",
    amount_col: str | None = "amount",
    freq: str = "D",
    freq_multiplier: float = 1,
) -> pd.DataFrame:
    """Calibration summary up to ``calibration_end`` plus what each customer did afterwards.

    Calibration purchases are those on or before ``calibration_end``'s day; holdout purchases fall
    after it and on or before ``observation_end``'s day (``None`` = last purchase). Only customers
    seen in calibration appear (as in lifetimes' ``calibration_and_holdout_data``, which fails on
    pandas 3).

    Returns
    -------
    DataFrame indexed by customer id: ``frequency_cal, recency_cal, T_cal[, monetary_value_cal],
    frequency_holdout`` (distinct holdout periods with a purchase), ``[monetary_value_holdout]``
    (mean amount per holdout period, 0 if none), ``duration_holdout``.

    Raises
    ------
    DataError
        No purchase falls in the holdout period, or none in calibration.
    """
    times = pd.to_datetime(transactions[time_col])
    cal_day = pd.Timestamp(calibration_end).normalize()
    end_day = _end_day(observation_end, times)
    if end_day <= cal_day:
        raise DataError(f"the holdout period is empty: calibration ends {cal_day.date()}, observation ends {end_day.date()}",
                        fix="shorten holdout_days or move observation_end later")
    day = times.dt.normalize()
    cal_mask = (day <= cal_day).to_numpy()
    hold_mask = ((day > cal_day) & (day <= end_day)).to_numpy()
    if not cal_mask.any():
        raise DataError("no purchase falls in the calibration period", fix="shorten holdout_days")
    if not hold_mask.any():
        raise DataError("no purchase falls in the holdout period", fix="move observation_end later or lengthen holdout_days")
    kw = dict(customer_col=customer_col, time_col=time_col, amount_col=amount_col, freq=freq, freq_multiplier=freq_multiplier)
    cal = clv_summary(transactions[cal_mask], cal_day, **kw)
    cal.columns = [f"{c}_cal" for c in cal.columns]
    hold = transactions[hold_mask]
    hper = _periods(pd.to_datetime(hold[time_col]).to_numpy(dtype="datetime64[ns]"), freq)
    out = cal.copy()
    freq_h, value_h = _holdout_periods(hold[customer_col], hper, hold[amount_col].to_numpy(dtype=float)
                                       if amount_col is not None else None, out.index)
    out["frequency_holdout"] = freq_h
    if amount_col is not None:
        out["monetary_value_holdout"] = value_h
    cal_per = int(_periods(np.array([cal_day.to_datetime64()], dtype="datetime64[ns]"), freq)[0])
    end_per = int(_periods(np.array([end_day.to_datetime64()], dtype="datetime64[ns]"), freq)[0])
    out["duration_holdout"] = (end_per - cal_per) / freq_multiplier
    return out


def holdout_frequency(transactions: pd.DataFrame, calibration_end, holdout_end, index: pd.Index, *,
                      customer_col: str = "customer_id", time_col: str = "order_time", freq: str = "D") -> np.ndarray:
    """Distinct periods with a purchase after ``calibration_end``'s day and on or before
    ``holdout_end``'s day, per customer of ``index`` (0 if none): the ``frequency_holdout`` of
    :func:`calibration_holdout_split` for another holdout end, without summarising the
    calibration period again."""
    times = pd.to_datetime(transactions[time_col])
    day = times.dt.normalize()
    rows = ((day > pd.Timestamp(calibration_end).normalize()) & (day <= pd.Timestamp(holdout_end).normalize())).to_numpy()
    if not rows.any():
        return np.zeros(len(index))
    per = _periods(times[rows].to_numpy(dtype="datetime64[ns]"), freq)
    return _holdout_periods(transactions[customer_col][rows], per, None, index)[0]


def _holdout_periods(ids, per: np.ndarray, amount: np.ndarray | None, index: pd.Index):
    """Per customer of ``index``: distinct periods with a purchase among the rows, and the mean
    summed amount of those periods (0 if none). Grouped on integer codes, not on the text ids."""
    code, uniq = customer_codes(ids)
    per = per.astype(np.int64)
    p0, span = int(per.min()), int(per.max() - per.min()) + 1
    key, inv = np.unique(code.astype(np.int64) * span + (per - p0), return_inverse=True)  # (customer, period)
    cust = key // span
    n = len(uniq)
    periods = np.bincount(cust, minlength=n).astype(float)
    pos = uniq.get_indexer(index)  # -1: a calibration customer who bought nothing in the holdout
    found = pos >= 0
    freq = np.where(found, periods[np.maximum(pos, 0)], 0.0)
    if amount is None:
        return freq, None
    spend = np.bincount(cust, weights=np.bincount(inv, weights=amount, minlength=len(key)), minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(periods > 0, spend / periods, 0.0)
    return freq, np.where(found, mean[np.maximum(pos, 0)], 0.0)


# ---------------------------------------------------------------------------------------------
# The whole RFM/CLV step: one call from canonical orders to the per-customer table.
