"""Guards between candidates and the audience: suppressions, opt-outs, quiet hours, frequency cap.

Every candidate ends either in the audience or suppressed with exactly one reason (the first
that applies, in :data:`REASONS` order), so per trigger ``candidates = audience + suppressed``
(:func:`suppression_ledger` checks it, like the loader's health ledger).
"""
from __future__ import annotations

import bisect

import numpy as np
import pandas as pd

from ..errors import ConfigError
from .timing import next_time_after, shift_out_of_quiet_hours

#: Suppression reasons, in the order they are tested.
REASONS = ["added_to_cart", "ordered_recently", "ordered_during_wait", "opted_out", "frequency_cap"]


def apply_guards(candidates: pd.DataFrame, orders: pd.DataFrame, *, as_of=None, opt_out=None,
                 cap_hours: float = 16.0, quiet_hours=(22, 8), priority: list[str] | None = None,
                 not_before=None) -> pd.DataFrame:
    """Mark every candidate kept or suppressed, and schedule the kept ones.

    Parameters
    ----------
    candidates : rule output (``customer_id, trigger, trigger_time, send_at, suppress`` ...).
    orders : purchases (``customer_id, order_time``; :attr:`TriggerData.orders`).
    as_of : the data's last moment: an order is only known up to then.
    opt_out : customer ids who asked not to be contacted (the same kind of id as ``candidates``).
    cap_hours : at most one message per customer within this many hours, across all triggers;
        the trigger earlier in ``priority`` wins, then the earlier send time.
    quiet_hours : ``(start, end)`` local hours in which nothing is sent; sends move to ``end``:00.
    not_before : sends are not scheduled before this moment (the current audience: ``as_of``).

    Returns a copy with ``suppressed`` (reason, or ``""`` when kept) and ``send_at`` scheduled.
    """
    df = candidates.copy().reset_index(drop=True)
    order = list(priority or sorted(df["trigger"].unique()))
    unknown = sorted(set(df["trigger"]) - set(order))
    if unknown:
        raise ConfigError(f"priority does not rank the triggers {unknown}", fix=f"list every trigger, e.g. {order + unknown}")
    as_of = pd.Timestamp(as_of) if as_of is not None else df["send_at"].max()
    reason = df["suppress"].fillna("").astype(object).to_numpy(copy=True)
    # ordered between the trigger and the send (as far as the data reaches)
    nxt = next_time_after(df, "trigger_time", orders, "order_time")
    limit = df["send_at"].where(df["send_at"] <= as_of, as_of)
    free = reason == ""
    reason[free & (nxt.notna() & (nxt <= limit)).to_numpy()] = "ordered_during_wait"
    if opt_out is not None and len(opt_out):
        free = reason == ""
        reason[free & df["customer_id"].isin(list(opt_out)).to_numpy()] = "opted_out"
    send = df["send_at"]
    if not_before is not None:
        send = send.where(send >= pd.Timestamp(not_before), pd.Timestamp(not_before))
    df["send_at"] = shift_out_of_quiet_hours(send, quiet_hours)
    free = reason == ""
    rank = pd.Index(order).get_indexer(df["trigger"])  # vectorised (no per-row Python)
    capped = _frequency_cap(df.loc[free, ["customer_id", "send_at"]].assign(_rank=rank[free]), float(cap_hours))
    idx = np.flatnonzero(free)
    reason[idx[capped]] = "frequency_cap"
    df["suppressed"] = reason
    return df


def _frequency_cap(df: pd.DataFrame, cap_hours: float) -> np.ndarray:
    """Boolean mask (positional) of messages dropped by the cap.

    Greedy by priority: messages are admitted rank by rank (then earliest first); a message is
    dropped when an admitted one of the same customer is less than ``cap_hours`` away. Customers
    with one message are skipped; for the others a single pass in (customer, rank, time) order
    keeps each customer's admitted times sorted and checks only the two neighbours (bisect).
    """
    n = len(df)
    dropped = np.zeros(n, dtype=bool)
    if n == 0 or cap_hours <= 0:
        return dropped
    cap = int(pd.Timedelta(hours=cap_hours).value)
    cust = pd.factorize(df["customer_id"])[0]
    multi = np.bincount(cust)[cust] > 1  # a lone message can never collide
    pos = np.flatnonzero(multi)
    if not len(pos):
        return dropped
    when = df["send_at"].to_numpy(dtype="datetime64[ns]").astype("int64")[pos]
    rank = df["_rank"].to_numpy()[pos]
    order = np.lexsort((when, rank, cust[pos]))
    c_list, t_list, p_list = cust[pos][order].tolist(), when[order].tolist(), pos[order].tolist()
    current, kept = -1, []
    for c, tm, p in zip(c_list, t_list, p_list):
        if c != current:
            current, kept = c, [tm]
            continue
        i = bisect.bisect_left(kept, tm)
        if (i < len(kept) and kept[i] - tm < cap) or (i > 0 and tm - kept[i - 1] < cap):
            dropped[p] = True
        else:
            kept.insert(i, tm)
    return dropped


def suppression_ledger(guarded: pd.DataFrame, triggers: list[str] | None = None) -> pd.DataFrame:
    """Per trigger: candidates, each suppression reason, suppressed, audience (they reconcile).

    The reconciliation holds by construction; it is checked here all the same.
    """
    names = list(triggers or sorted(guarded["trigger"].unique()))
    tab = pd.crosstab(guarded["trigger"], guarded["suppressed"]).reindex(index=names, columns=["", *REASONS], fill_value=0)
    out = pd.DataFrame({"rule": names, "candidates": guarded["trigger"].value_counts().reindex(names, fill_value=0).to_numpy()})
    for r in REASONS:
        out[f"suppressed_{r}"] = tab[r].to_numpy()
    out["suppressed"] = out[[f"suppressed_{r}" for r in REASONS]].sum(axis=1)
    out["audience"] = tab[""].to_numpy()
    if not (out["candidates"] == out["audience"] + out["suppressed"]).all():  # pragma: no cover - by construction
        raise RuntimeError("trigger candidates do not reconcile with audience + suppressed")
    return out
