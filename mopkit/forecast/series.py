"""Daily demand series from the canonical orders, with every gap and dropped row reported.

Targets
-------
``orders``     number of orders per day
``gmv``        GMV per day (``amount``; net of ``refund_amount`` when ``refunds="net"``)
``net_sales``  net sales per day (``amount - refund_amount``, :mod:`mopkit.data.orders`)
``units``      units per day (needs ``order_items.quantity``)

Refunds (``refunds=``, from ``notebooks.forecast.refunds`` in the client config)
-----------------------------------------------------------------------------------
``gross``    (default) every non-cancelled order counts at its paid amount: the one definition
             of orders and GMV (:mod:`mopkit.data.orders`) the KPI cockpit and the forecast-miss
             alert use.
``net``      fully refunded orders (status ``refunded``) are not demand: they are left out and
             counted; GMV of the other orders is ``amount - refund_amount`` (= net sales).
``exclude``  same as ``net`` for counts; GMV uses ``amount`` without subtracting partial refunds.

:func:`kpi_metric` names the KPI a (target, refunds) series equals, if any; the forecast
writes it in ``forecast.csv`` so the alert compares like with like.

Cancelled orders never count. Days without a single order inside the range are filled with 0
and flagged ``filled=True`` (a gap is real zero demand only if the shop was open: the report
shows the count so the consultant can check).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..data.orders import net_order_value, refund_of
from ..errors import DataError, InsufficientDataError
from ..i18n import register, t

register({
    "forecast.note.out_of_range": {"zh": "{n} 天在 {lo}..{hi} 之外，未计入", "en": "{n} day(s) outside {lo}..{hi} left out"},
    "forecast.note.filled": {"zh": "{n} 天没有订单，按 0 填补", "en": "{n} day(s) without orders filled with 0"},
})

__all__ = ["TARGETS", "REFUND_MODES", "SeriesResult", "daily_series", "check_series", "kpi_metric"]

TARGETS = ("orders", "gmv", "net_sales", "units")
REFUND_MODES = ("net", "gross", "exclude")


@dataclass
class SeriesResult:
    """A daily series and its ledger.

    frame   : DataFrame ``date`` (+ ``by`` column) , ``y`` (float), ``filled`` (bool).
    dropped : DataFrame ``reason``, ``rows``: orders not counted and why.
    target  : the target name; ``by``: the split column or None.
    """

    frame: pd.DataFrame
    dropped: pd.DataFrame
    target: str
    by: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def n_filled(self) -> int:
        return int(self.frame["filled"].sum())


def kpi_metric(target: str, refunds: str = "gross") -> str | None:
    """The KPI (:mod:`mopkit.cockpit.kpi`) a daily series of ``target`` under ``refunds`` equals, or
    None when no KPI has that definition (e.g. orders without the refunded ones)."""
    if target == "net_sales" or (target == "gmv" and refunds == "net"):
        return "net_sales"
    if target in ("orders", "gmv") and refunds == "gross":
        return target
    return None


def _choice(value: str, valid: tuple[str, ...], what: str) -> str:
    if value not in valid:
        raise DataError(f"unknown {what} {value!r}", column=what, fix=f"use one of {list(valid)}")
    return value


def daily_series(
    orders: pd.DataFrame,
    target: str = "orders",
    *,
    order_items: pd.DataFrame | None = None,
    by: str | None = None,
    refunds: str = "gross",
    start=None,
    end=None,
    order_id: str = "order_id",
    order_time: str = "order_time",
    amount: str = "amount",
    status: str = "status",
    refund_amount: str = "refund_amount",
    quantity: str = "quantity",
    unit_price: str = "unit_price",
    lang: str = "zh",
) -> SeriesResult:
    """Aggregate canonical orders into a gap-free daily series.

    Parameters
    ----------
    orders : canonical orders; required columns ``order_id``, ``order_time``, ``amount``;
        optional ``status`` (default paid), ``refund_amount`` (default 0), ``channel``.
    target : ``orders`` | ``gmv`` | ``net_sales`` | ``units``.
    order_items : canonical order lines (``order_id``, ``quantity``, ``unit_price``, ``category``);
        required for ``units`` and for ``by="category"``.
    by : optional split column: ``channel`` (orders) or ``category`` (order_items).
    refunds : ``net`` | ``gross`` | ``exclude`` (see module docstring).
    start, end : optional date range; default first to last order day.

    Returns
    -------
    SeriesResult (``frame`` has one row per day and group, sorted).

    Raises
    ------
    DataError
        Unknown target/refund mode, a missing column, or items needed but absent.
    InsufficientDataError
        No order is left to count.
    """
    _choice(target, TARGETS, "target")
    _choice(refunds, REFUND_MODES, "refunds")
    need = [order_id, order_time, amount] + ([by] if by and by != "category" else [])
    missing = [c for c in need if c not in orders.columns]
    if missing:
        raise DataError(f"orders lacks column(s) {missing}", column=missing[0], fix="load orders with mopkit.data.loader")
    use_items = target == "units" or by == "category"
    if use_items and (order_items is None or quantity not in order_items.columns):
        raise DataError(
            f"target {target!r}{' by category' if by == 'category' else ''} needs the order_items table with {quantity}",
            column=quantity,
            fix="add order_items to the client config, or forecast target 'orders' or 'gmv'",
        )
    df = orders.copy()
    st = df[status].astype(str) if status in df.columns else pd.Series("paid", index=df.index)
    ref = refund_of(df, refund_col=refund_amount)
    dropped = []
    keep = st != "cancelled"
    dropped.append(("cancelled order", int((~keep).sum())))
    if refunds in ("net", "exclude"):
        fully = keep & (st == "refunded")
        dropped.append(("refunded order (refunds=" + refunds + ")", int(fully.sum())))
        keep &= ~fully
    df, ref = df[keep], ref[keep]
    df["date"] = pd.to_datetime(df[order_time]).dt.normalize()
    if target == "gmv":
        df["_v"] = df[amount].astype(float) - (ref if refunds == "net" else 0.0)
    elif target == "net_sales":
        df["_v"] = net_order_value(df, amount_col=amount, refund_col=refund_amount)
    else:
        df["_v"] = 1.0
    keys = ["date"] + ([by] if by and by != "category" else [])
    if use_items:
        items = order_items[[order_id, quantity] + ([unit_price] if unit_price in order_items.columns else [])
                            + (["category"] if by == "category" else [])].merge(df[[order_id] + keys], on=order_id)
        if target == "units":
            items["_v"] = items[quantity].astype(float)
        elif target in ("gmv", "net_sales"):
            if target == "net_sales":
                raise DataError("net sales by category cannot be computed: refunds are recorded per order, not per line",
                                column=refund_amount, fix="forecast gmv by category, or net_sales overall")
            items["_v"] = items[quantity].astype(float) * items[unit_price].astype(float)
        else:  # orders by category: distinct orders containing the category
            items = items.drop_duplicates([order_id, "category"]).assign(_v=1.0)
        df = items
        keys = ["date"] + (["category"] if by == "category" else [])
    if df.empty:
        raise InsufficientDataError("no orders left to build a daily series", fix="check the status column and the analysis window")
    agg = df.groupby(keys, observed=True)["_v"].sum().rename("y").reset_index()
    lo = pd.Timestamp(start).normalize() if start is not None else agg["date"].min()
    hi = pd.Timestamp(end).normalize() if end is not None else agg["date"].max()
    out_of_range = int(((agg["date"] < lo) | (agg["date"] > hi)).sum())
    agg = agg[(agg["date"] >= lo) & (agg["date"] <= hi)]
    days = pd.date_range(lo, hi, freq="D", name="date")
    group = keys[1] if len(keys) > 1 else None
    if group:
        full = pd.MultiIndex.from_product([days, sorted(agg[group].unique())], names=["date", group])
        frame = agg.set_index(["date", group]).reindex(full)
    else:
        frame = agg.set_index("date").reindex(days)
    frame["filled"] = frame["y"].isna()
    frame["y"] = frame["y"].fillna(0.0).astype(float)
    frame = frame.reset_index().sort_values(["date"] + ([group] if group else []), ignore_index=True)
    notes = []
    if out_of_range:
        notes.append(t("forecast.note.out_of_range", lang, n=out_of_range, lo=lo.date(), hi=hi.date()))
    if frame["filled"].any():
        notes.append(t("forecast.note.filled", lang, n=int(frame["filled"].sum())))
    return SeriesResult(frame, pd.DataFrame(dropped, columns=["reason", "rows"]), target, group, notes)


def check_series(y, dates, column: str = "y") -> np.ndarray:
    """Validate a series for forecasting: finite and non-negative; return it as a float array.

    Raises
    ------
    DataError
        NaN/inf or negative values; the message names the column and the first offending dates.
    """
    arr = np.asarray(y, dtype=float)
    dates = pd.DatetimeIndex(pd.to_datetime(dates))
    bad = ~np.isfinite(arr)
    if bad.any():
        raise DataError(
            f"{int(bad.sum())} missing or infinite value(s) in the series",
            column=column,
            examples=[f"{d.date()}: {v}" for d, v in zip(dates[bad], arr[bad])],
            fix="build the series with mopkit.forecast.daily_series, which fills gaps explicitly",
        )
    neg = arr < 0
    if neg.any():
        raise DataError(
            f"{int(neg.sum())} negative value(s) in the series: demand cannot be negative",
            column=column,
            examples=[f"{d.date()}: {v:g}" for d, v in zip(dates[neg], arr[neg])],
            fix="check refunds larger than the day's sales; use refunds='gross' or fix the source rows",
        )
    return arr
