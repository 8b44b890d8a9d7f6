"""Trigger rules: who should get a message, about what, and when.

Each rule is a plain function ``rule(data, params, lang) -> DataFrame`` over :class:`TriggerData`
returning *every* moment in the data's history at which it fires (the replay needs the past; the
current audience is the recent part, :func:`current`). Columns: ``customer_id, trigger, product,
trigger_time, send_at, reason, suppress`` (``suppress`` is a rule's own reason to hold a candidate
back, e.g. ``added_to_cart``; empty when none) plus rule-specific extras (``p_alive``, ``tier``).

Rules (defaults in :data:`DEFAULTS`, overridden per client under ``notebooks: {triggers: {rules: ...}}``):

- ``cart_abandonment``: an add-to-cart; sent ``wait_hours`` later unless the customer ordered.
- ``browse_abandonment``: a product viewed for at least ``min_view_seconds`` (per view, or summed
  per session with ``per: session``), no add-to-cart of it within ``wait_hours``, no order in the
  ``recent_order_days`` before; sent after the wait.
- ``replenishment``: a product's reorder interval (the ``quantile`` of all customers' gaps between
  repeat purchases of it, products with at least ``min_repeats`` gaps) is about to pass since a
  customer's purchase of it: reminded ``lead_days`` before.
- ``winback``: time since the last order exceeds ``k`` x the customer's own median gap between
  orders (the segment's, or everyone's, when they have fewer than ``min_gaps`` gaps); P(alive) and
  tier attached from the CLV notebook when available.
- ``vip_at_risk``: a customer of a top tier (all tiers but the one with the lowest spend, unless
  ``tiers`` names them) whose P(alive) is below ``p_alive_below`` (needs the CLV notebook).
- ``second_purchase``: a first-time buyer who has not reordered within ``days`` days.
"""
from __future__ import annotations

import string
from typing import Callable

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..i18n import t
from ..registry import lookup
from . import labels as _labels  # noqa: F401  (registers the reason texts)
from .data import CANDIDATE_COLUMNS, TriggerData
from .timing import by_customer, next_time_after, prev_time_at_or_before

DAY = pd.Timedelta(days=1)

DEFAULTS: dict[str, dict] = {
    "cart_abandonment": {"wait_hours": 4.0, "fresh_days": 2},
    "browse_abandonment": {"min_view_seconds": 180.0, "per": "view", "session_gap_minutes": 30.0,
                           "wait_hours": 24.0, "recent_order_days": 7, "fresh_days": 2},
    "vip_at_risk": {"p_alive_below": 0.5, "tiers": []},
    "winback": {"k": 2.0, "min_gaps": 2, "fresh_days": 30},
    "replenishment": {"quantile": 0.75, "min_repeats": 20, "lead_days": 3, "fresh_days": 30},
    "second_purchase": {"days": 30, "fresh_days": 30},
}
#: Highest priority first: when the frequency cap allows one message, the earlier rule wins.
PRIORITY = ["cart_abandonment", "browse_abandonment", "vip_at_risk", "winback", "replenishment", "second_purchase"]


def rule_params(name: str, overrides: dict | None = None) -> dict:
    """The defaults of rule ``name`` updated with ``overrides``; unknown keys raise ConfigError."""
    base = dict(lookup(DEFAULTS, name, what="trigger rule"))
    extra = sorted(set(overrides or {}) - set(base) - {"enabled"})
    if extra:
        raise ConfigError(f"notebooks.triggers.rules.{name} sets unknown parameters {extra}",
                          fix=f"its parameters are {sorted(base)} (and enabled: false to switch it off)")
    base.update(overrides or {})
    return base


def _args(key: str, **fields) -> dict:
    """The reason of each firing, kept as its label key and raw fields until :func:`describe`
    words it: history has millions of firings, only the current ones need words."""
    return {"_key": key, **{f"_a_{k}": _positional(v) if isinstance(v, pd.Series) else v for k, v in fields.items()}}


def _positional(v):
    """A column's values without its index; text stays in Arrow (no conversion to Python strings)."""
    return v.array if isinstance(v, pd.Series) else np.asarray(v, dtype=object)


def describe(firings: pd.DataFrame, data: TriggerData, lang: str = "zh") -> pd.DataFrame:
    """``firings`` with ``reason`` worded in ``lang`` and the private ``_key``/``_a_*`` columns dropped."""
    out = firings.reset_index(drop=True)
    private = [c for c in out.columns if c == "_key" or c.startswith("_a_")]
    if "_key" not in out:
        return out.drop(columns=private)
    reason = out["reason"].astype(object).to_numpy(copy=True)
    for key in out["_key"].dropna().unique():
        m = (out["_key"] == key).to_numpy()
        sub = out.loc[m]
        fields = {}
        for col in private:
            if col == "_key" or sub[col].isna().all():
                continue
            v = sub[col].reset_index(drop=True)
            name = col[3:]
            if pd.api.types.is_datetime64_any_dtype(v):
                v = v.dt.strftime("%Y-%m-%d")
            elif name == "sku":
                v = _product(data, v)
            fields[name] = v
        reason[m] = _reason(lang, key, int(m.sum()), **fields).to_numpy()
    return out.assign(reason=reason).drop(columns=private)


def _reason(lang: str, key: str, n: int, **fields) -> pd.Series:
    """The label ``key`` with per-row ``fields`` (Series of strings or scalars), vectorised."""
    out = pd.Series([""] * n, dtype=object)
    for literal, field, _spec, _conv in string.Formatter().parse(t(key, lang)):
        out = out + literal
        if field is not None:
            v = fields[field]
            out = out + (v.astype(str).to_numpy() if isinstance(v, pd.Series) else str(v))
    return out


def _product(data: TriggerData, sku: pd.Series) -> pd.Series:
    """Product name where order_items gives one, else the SKU (positional, for reasons)."""
    sku = sku.reset_index(drop=True)
    if data.product_names is None or sku.empty:
        return sku
    return sku.map(data.product_names).fillna(sku)


def _frame(customer, trigger, product, trigger_time, send_at, reason, suppress="", **extra) -> pd.DataFrame:
    df = pd.DataFrame({"customer_id": np.asarray(customer, dtype="int64"), "trigger": trigger,
                       "product": _positional(product),
                       "trigger_time": pd.to_datetime(np.asarray(trigger_time)).astype("datetime64[ns]"),
                       "send_at": pd.to_datetime(np.asarray(send_at)).astype("datetime64[ns]"),
                       "reason": np.asarray(reason, dtype=object) if reason is not None else None,
                       "suppress": np.asarray(suppress, dtype=object) if not isinstance(suppress, str) else suppress})
    for k, v in extra.items():
        df[k] = v if np.isscalar(v) else (v if isinstance(v, pd.api.extensions.ExtensionArray) else np.asarray(v))
    return df


def _empty(name: str) -> pd.DataFrame:
    return _frame([], name, [], [], [], None)


def _days(td: pd.Series) -> pd.Series:
    return (td / DAY).round(0).astype("int64")


def _events_of(ev: pd.DataFrame, kind: str, min_seconds: float | None = None) -> pd.DataFrame:
    """Events of one type (and at least ``min_seconds`` long), sorted by time, positional index.

    Filters on numpy first and takes the text columns once, for the few rows kept: on 10M events
    every pass over the text columns costs seconds.
    """
    keep = (ev["event_type"] == kind).to_numpy(dtype=bool)
    if min_seconds is not None:
        keep = keep & (np.nan_to_num(ev["duration_s"].to_numpy(dtype=float), nan=0.0) >= min_seconds)
    idx = np.flatnonzero(keep)
    when = ev["event_time"].to_numpy()[idx]
    idx = idx[np.argsort(when, kind="stable")]
    return pd.DataFrame({"customer_id": ev["customer_id"].to_numpy()[idx], "event_time": ev["event_time"].to_numpy()[idx],
                         "sku": ev["sku"].take(idx).reset_index(drop=True), "duration_s": ev["duration_s"].to_numpy()[idx]})


def _sku_codes(*frames: pd.DataFrame) -> list[np.ndarray]:
    """One integer code per SKU, shared by ``frames`` (so they can be joined on integers)."""
    codes, _ = pd.factorize(pd.concat([f["sku"] for f in frames], ignore_index=True))
    bounds = np.cumsum([0] + [len(f) for f in frames])
    return [codes[bounds[k]:bounds[k + 1]] for k in range(len(frames))]


def _first_per_day(df: pd.DataFrame, sku_code: np.ndarray) -> np.ndarray:
    """Positions of the first row of each (customer, product, calendar day); ``df`` sorted by time."""
    day = df["event_time"].to_numpy().astype("datetime64[D]").astype("int64")
    keys = pd.DataFrame({"c": df["customer_id"].to_numpy(), "s": sku_code, "d": day})
    return np.flatnonzero(~keys.duplicated().to_numpy())


def cart_abandonment(data: TriggerData, params: dict, lang: str = "zh") -> pd.DataFrame:
    """Add-to-cart events, one per customer, product and day; sent ``wait_hours`` later.

    Whether the customer ordered during the wait is checked by the guards (``ordered_during_wait``).
    """
    if data.events is None:
        return _empty("cart_abandonment")
    c = _events_of(data.events, "add_to_cart")
    c = c.iloc[_first_per_day(c, _sku_codes(c)[0])].reset_index(drop=True)
    wait = pd.Timedelta(hours=float(params["wait_hours"]))
    args = _args("triggers.reason.cart", sku=c["sku"], hours=f"{float(params['wait_hours']):g}")
    return _frame(c["customer_id"], "cart_abandonment", c["sku"], c["event_time"], c["event_time"] + wait, None, **args)


def _sessions(ev: pd.DataFrame, gap_minutes: float) -> pd.DataFrame:
    """Views summed per customer, product and session (a gap of ``gap_minutes`` without any event
    of the customer starts a new session); time = the session's last view of the product."""
    gap = pd.Timedelta(minutes=float(gap_minutes))
    e = ev[["customer_id", "event_time"]].sort_values(["customer_id", "event_time"], kind="stable")
    new = (e["customer_id"] != e["customer_id"].shift()) | (e["event_time"].diff() > gap)
    session = new.cumsum().reindex(ev.index)
    views = ev[ev["event_type"] == "view"]
    views = views.assign(_session=session.loc[views.index])
    g = views.groupby(["customer_id", "sku", "_session"], sort=False)
    out = g.agg(event_time=("event_time", "max"), duration_s=("duration_s", "sum")).reset_index()
    return out.sort_values("event_time", kind="stable").reset_index(drop=True)[["customer_id", "event_time", "sku", "duration_s"]]


def browse_abandonment(data: TriggerData, params: dict, lang: str = "zh") -> pd.DataFrame:
    """Long product views (``duration_s >= min_view_seconds``) without add-to-cart or order.

    ``per="view"``: each view on its own; ``per="session"``: a customer's views of a product summed
    per session (a new session starts after ``session_gap_minutes`` without any event); the trigger
    time is the session's last view of it. One candidate per customer, product and day. Suppressed
    by the rule itself: ``added_to_cart`` (the product added to cart within the wait: cart
    abandonment takes over) and ``ordered_recently`` (an order in the ``recent_order_days`` before).
    """
    ev = data.events
    if ev is None:
        return _empty("browse_abandonment")
    thr = float(params["min_view_seconds"])
    per = params.get("per", "view")
    if per == "session":
        v = _sessions(ev, params["session_gap_minutes"])
        v = v[v["duration_s"].fillna(0) >= thr].reset_index(drop=True)
    elif per == "view":
        v = _events_of(ev, "view", thr)
    else:
        raise ConfigError(f"browse_abandonment.per {per!r} is not supported", fix="use 'view' or 'session'")
    carts = _events_of(ev, "add_to_cart")
    v_sku, c_sku = _sku_codes(v, carts)
    first = _first_per_day(v, v_sku)
    v, v_sku = v.iloc[first].reset_index(drop=True), v_sku[first]
    wait = pd.Timedelta(hours=float(params["wait_hours"]))
    send = v["event_time"] + wait
    next_cart = next_time_after(v.assign(_sku=v_sku), "event_time", carts.assign(_sku=c_sku), "event_time",
                                by=["customer_id", "_sku"])
    prev_order = prev_time_at_or_before(v, "event_time", data.orders, "order_time")
    recent = pd.Timedelta(days=float(params["recent_order_days"]))
    suppress = np.where(next_cart.notna() & (next_cart <= send), "added_to_cart",
                        np.where(prev_order.notna() & (prev_order >= v["event_time"] - recent), "ordered_recently", ""))
    secs = v["duration_s"].round(0).astype("int64")
    args = _args("triggers.reason.browse", sku=v["sku"], seconds=secs, hours=f"{float(params['wait_hours']):g}")
    return _frame(v["customer_id"], "browse_abandonment", v["sku"], v["event_time"], send, None, suppress, **args)


def replenishment(data: TriggerData, params: dict, lang: str = "zh") -> pd.DataFrame:
    """Reminders ``lead_days`` before a product's reorder interval passes since a purchase of it.

    The interval of a product is the ``quantile`` of the gaps (days, > 0) between a customer's
    consecutive purchases of it, over all customers; products with fewer than ``min_repeats``
    gaps get no reminder. A purchase fires when the customer has not bought the product again by
    then. Needs ``order_items``.
    """
    if data.order_items is None:
        return _empty("replenishment")
    pos = data.order_items["order_pos"].to_numpy()
    sku_code, skus = pd.factorize(data.order_items["sku"])
    cust = data.orders["customer_id"].to_numpy()[pos]
    when = data.orders["order_time"].to_numpy()[pos]
    order = np.lexsort((when, sku_code, cust))  # by customer, product, time
    cust, sku_code, when = cust[order], sku_code[order], when[order]
    dup = np.r_[False, (cust[1:] == cust[:-1]) & (sku_code[1:] == sku_code[:-1]) & (when[1:] == when[:-1])]
    cust, sku_code, when = cust[~dup], sku_code[~dup], when[~dup]
    same = np.r_[(cust[1:] == cust[:-1]) & (sku_code[1:] == sku_code[:-1]), False]
    nxt = np.where(same, np.r_[when[1:], when[-1:]], np.datetime64("NaT"))
    p = pd.DataFrame({"customer_id": cust, "_sku": sku_code, "order_time": when, "_next": nxt})
    gaps = pd.DataFrame({"_sku": sku_code, "gap": (p["_next"] - p["order_time"]) / DAY})
    gaps = gaps[gaps["gap"] > 0].groupby("_sku")["gap"]
    stats = pd.DataFrame({"n": gaps.size(), "interval": gaps.quantile(float(params["quantile"]))})
    stats = stats[stats["n"] >= int(params["min_repeats"])]
    p = p.merge(stats[["interval"]], left_on="_sku", right_index=True)
    due = p["order_time"] + pd.to_timedelta(p["interval"] - float(params["lead_days"]), unit="D")
    fires = (due > p["order_time"]) & (p["_next"].isna() | (p["_next"] > due)) & (due <= data.as_of)
    p, due = p[fires].reset_index(drop=True), due[fires].reset_index(drop=True)
    p["sku"] = np.asarray(skus, dtype=object)[p["_sku"].to_numpy()]
    args = _args("triggers.reason.replenish", sku=p["sku"], bought=p["order_time"], interval=p["interval"].round(0).astype("int64"))
    return _frame(p["customer_id"], "replenishment", p["sku"], due, due, None, **args)


def _typical_gap(orders: pd.DataFrame, clv: pd.DataFrame | None, min_gaps: int,
                 order: np.ndarray | None = None) -> tuple[pd.DataFrame, pd.Series]:
    """Orders with the next order time, and each customer's typical gap in days (``order``: the
    rows' order by customer and time, if known)."""
    o = orders[["customer_id", "order_time"]].take(by_customer(orders) if order is None else order)
    same = o["customer_id"] == o["customer_id"].shift(-1)
    o = o.assign(_next=o["order_time"].shift(-1).where(same))
    gap = ((o["_next"] - o["order_time"]) / DAY).dropna()
    gaps = pd.DataFrame({"customer_id": o.loc[gap.index, "customer_id"], "gap": gap})
    own = gaps.groupby("customer_id")["gap"].agg(["median", "size"])
    typical = own["median"].where(own["size"] >= min_gaps)
    if clv is not None and "segment" in clv:
        seg = clv.set_index("customer_id")["segment"]
        seg_gap = gaps.assign(segment=gaps["customer_id"].map(seg)).groupby("segment")["gap"].median()
        typical = typical.fillna(own.index.to_series().map(seg).map(seg_gap))
    typical = typical.fillna(gaps["gap"].median())
    return o, typical


def winback(data: TriggerData, params: dict, lang: str = "zh") -> pd.DataFrame:
    """Repeat customers whose time since an order passed ``k`` x their typical gap without a reorder.

    Fires at ``order_time + k * typical_gap`` when the next order (if any) came later, from a
    customer's second order on: after a first order it is ``second_purchase``'s turn. ``p_alive``/``tier`` from the CLV notebook
    (NaN / empty when it is unavailable).
    """
    o, typical = _typical_gap(data.orders, data.clv, int(params["min_gaps"]), data.orders_by_customer())
    # from a customer's second order on: after the first they were a one-order customer then
    # (second_purchase's case), whatever they did later — the replay must not know the future
    cust = o["customer_id"].to_numpy()
    o = o[np.r_[False, cust[1:] == cust[:-1]]]  # not a customer's first order (o is by customer)
    gap = o["customer_id"].map(typical)
    due = o["order_time"] + pd.to_timedelta(float(params["k"]) * gap, unit="D")
    fires = gap.notna() & (o["_next"].isna() | (o["_next"] > due)) & (due <= data.as_of)
    o, due, gap = o[fires].reset_index(drop=True), due[fires].reset_index(drop=True), gap[fires].reset_index(drop=True)
    p_alive, tier = _clv_columns(data, o["customer_id"])
    args = _args("triggers.reason.winback", last=o["order_time"], gap=gap.round(0).astype("int64"), k=f"{float(params['k']):g}")
    return _frame(o["customer_id"], "winback", "", due, due, None, p_alive=p_alive, tier=tier, **args)


def _clv_columns(data: TriggerData, customers: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    if data.clv is None:
        return np.full(len(customers), np.nan), np.full(len(customers), "", dtype=object)
    c = data.clv.set_index("customer_id")
    return (customers.map(c["p_alive"]).to_numpy(dtype=float),
            customers.map(c["tier"]).fillna("").astype(str).to_numpy(dtype=object))


def top_tiers(clv: pd.DataFrame) -> list[str]:
    """Every tier but the one whose customers spent least (by mean ``monetary``, else by size: the largest)."""
    if "monetary" in clv:
        order = clv.groupby("tier")["monetary"].mean().sort_values()
    else:
        order = -clv.groupby("tier").size().sort_values(ascending=False)
    return [str(x) for x in order.index[1:]]


def vip_at_risk(data: TriggerData, params: dict, lang: str = "zh") -> pd.DataFrame:
    """Customers of the top tiers whose P(alive) is below ``p_alive_below`` now (needs CLV output).

    A state, not an event: it fires at ``as_of`` and has no replay (past P(alive) is not kept).
    """
    if data.clv is None:
        return _empty("vip_at_risk")
    tiers = [str(x) for x in (params.get("tiers") or top_tiers(data.clv))]
    c = data.clv[data.clv["tier"].astype(str).isin(tiers) & (data.clv["p_alive"] < float(params["p_alive_below"]))]
    c = c.reset_index(drop=True)
    args = _args("triggers.reason.vip", tier=c["tier"].astype(str), p=(c["p_alive"] * 100).round(0).astype("int64"),
                 band=f"{float(params['p_alive_below']) * 100:.0f}")
    return _frame(c["customer_id"], "vip_at_risk", "", [data.as_of] * len(c), [data.as_of] * len(c), None,
                  p_alive=c["p_alive"].to_numpy(dtype=float), tier=c["tier"].astype(str).to_numpy(dtype=object), **args)


def second_purchase(data: TriggerData, params: dict, lang: str = "zh") -> pd.DataFrame:
    """First-time buyers without a second order ``days`` days after the first: fires then."""
    o = data.orders[["customer_id", "order_time"]].take(data.orders_by_customer())
    cust = o["customer_id"].to_numpy()
    head = np.r_[True, cust[1:] != cust[:-1]]  # a customer's first order (o is by customer)
    nxt = np.r_[head[1:], True]  # the row before the next customer's first
    first = o[head].set_index("customer_id")["order_time"]
    has_second = ~nxt[head]  # the first order is not also the last
    when2 = o["order_time"].to_numpy()[np.flatnonzero(head) + 1 * has_second]
    second = pd.Series(when2, index=first.index).where(has_second)
    due = first + pd.Timedelta(days=float(params["days"]))
    fires = (second.isna() | (second > due)) & (due <= data.as_of)
    first, due = first[fires], due[fires]
    args = _args("triggers.reason.second", first=first, days=int(params["days"]))
    return _frame(first.index, "second_purchase", "", due, due, None, **args)


RULES: dict[str, Callable[[TriggerData, dict, str], pd.DataFrame]] = {
    "cart_abandonment": cart_abandonment,
    "browse_abandonment": browse_abandonment,
    "vip_at_risk": vip_at_risk,
    "winback": winback,
    "replenishment": replenishment,
    "second_purchase": second_purchase,
}


def fire(name: str, data: TriggerData, params: dict | None = None, lang: str = "zh") -> pd.DataFrame:
    """Like :func:`run_rule`, with ``customer_id`` left as the data's integer codes."""
    fn = lookup(RULES, name, what="trigger rule")
    out = fn(data, rule_params(name, params), lang)
    extras = [c for c in out.columns if c not in CANDIDATE_COLUMNS]
    out["trigger_time"] = out["trigger_time"].dt.round("s")  # due times computed in fractional days
    out["send_at"] = out["send_at"].dt.round("s")
    order = np.lexsort((out["customer_id"].to_numpy(), out["trigger_time"].to_numpy()))  # by time, then customer
    return out[CANDIDATE_COLUMNS + extras].iloc[order].reset_index(drop=True)


def run_rule(name: str, data: TriggerData, params: dict | None = None, lang: str = "zh") -> pd.DataFrame:
    """Every firing of rule ``name`` in the data's history (params: overrides of its defaults),
    with its reason in words (``lang``)."""
    out = describe(fire(name, data, params, lang), data, lang)
    return out.assign(customer_id=data.decode(out["customer_id"].to_numpy()))


def current(firings: pd.DataFrame, as_of, fresh_days: float | None) -> pd.DataFrame:
    """Firings whose trigger time lies in the last ``fresh_days`` up to ``as_of`` (None: only ``as_of``)."""
    as_of = pd.Timestamp(as_of)
    lo = as_of - pd.Timedelta(days=float(fresh_days or 0))
    m = (firings["trigger_time"] <= as_of) & ((firings["trigger_time"] > lo) | (firings["trigger_time"] == as_of))
    return firings[m].reset_index(drop=True)
