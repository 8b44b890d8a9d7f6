"""From tables to audiences: run the rules, guard, schedule, split treatment / holdout, replay.

    data = prepare_data(orders, events=events, order_items=items, customers=customers, clv=clv)
    res = build_triggers(data, salt=salt, holdout_share=0.1, lang="zh")
    res.audience          # every kept row, all rules (pseudonymised ids only)
    res.summary           # per rule: candidates, suppressed (per reason), audience, groups, replay

The replay runs the same rules and guards over the last ``replay_days`` as if the triggers had
been on, and follows the customers ``conversion_days`` after each send (no message was sent
then, so this is what the audience does on its own: the baseline a campaign must beat).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..registry import lookup
from .data import TriggerData
from .guards import apply_guards, suppression_ledger
from .holdout import HOLDOUT, TREATMENT, assign_groups
from .offers import reachable, suggest_channel, suggest_offer
from .rules import DEFAULTS, PRIORITY, current, describe, fire, rule_params
from .timing import orders_between

AUDIENCE_COLUMNS = ["customer_id", "trigger", "product", "trigger_time", "send_at", "channel", "offer", "coupon_value",
                    "group", "reason", "p_alive", "tier"]


@dataclass
class TriggerResult:
    """What :func:`build_triggers` found. Tables are plain DataFrames."""

    audience: pd.DataFrame  # AUDIENCE_COLUMNS, kept rows of every rule
    guarded: pd.DataFrame  # every current candidate with its ``suppressed`` reason ("" = kept)
    summary: pd.DataFrame  # per rule (see build_triggers)
    replay_daily: pd.DataFrame  # date, rule, fired
    as_of: pd.Timestamp
    rules: list[str]
    params: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # codes: no_events, no_items, no_clv
    seconds: dict = field(default_factory=dict)  # per rule: time to compute its firings


def build_triggers(data: TriggerData, *, salt: str, rules: dict | None = None, priority: list[str] | None = None,
                   holdout_share: float = 0.10, cap_hours: float = 16.0, quiet_hours=(22, 8), opt_out=None,
                   replay_days: int = 90, conversion_days: int = 7, channel_priority: list[str] | None = None,
                   coupon_by_tier: dict | None = None, margin: float = 0.5, max_discount_share: float = 0.5,
                   lang: str = "zh") -> TriggerResult:
    """Run every enabled rule, then guards, schedule, groups and replay.

    ``rules`` maps a rule name to overrides of its :data:`~mopkit.triggers.rules.DEFAULTS`
    (``enabled: false`` switches it off). The summary has, per rule: ``rule, candidates,
    suppressed_<reason>..., suppressed, audience, treatment, holdout, replay_days,
    replay_fired_per_day, replay_conversion_7d, replay_revenue_per_fired, expected_revenue_30d,
    expected_revenue_is_estimate`` (the last columns NaN for a rule without replay).
    """
    cfg = {name: rule_params(name, (rules or {}).get(name)) for name in DEFAULTS}
    unknown = sorted(set(rules or {}) - set(DEFAULTS))
    if unknown:
        rule_params(unknown[0])  # raises UnknownNameError listing the rules
    for name in priority or []:
        lookup(DEFAULTS, name, what="trigger rule in priority")
    order = list(dict.fromkeys([*(priority or []), *PRIORITY]))  # rules not ranked come last, in the default order
    enabled = [n for n in order if cfg[n].get("enabled", True)]
    notes = [code for code, missing in (("no_events", data.events is None), ("no_items", data.order_items is None),
                                        ("no_clv", data.clv is None)) if missing]
    firings, seconds = {}, {}
    for name in enabled:
        t0 = time.perf_counter()
        firings[name] = fire(name, data, {k: v for k, v in cfg[name].items() if k != "enabled"}, lang)
        seconds[name] = time.perf_counter() - t0

    opt_out = data.codes(opt_out) if opt_out is not None else None  # the rules work on integer codes
    # current audience
    cur = pd.concat([current(f, data.as_of, cfg[n].get("fresh_days")) for n, f in firings.items()], ignore_index=True)
    cur = describe(cur, data, lang)
    guarded = apply_guards(cur, data.orders, as_of=data.as_of, opt_out=opt_out, cap_hours=cap_hours,
                           quiet_hours=quiet_hours, priority=order, not_before=data.as_of)
    kept = guarded[guarded["suppressed"] == ""].copy()
    for col in ("p_alive", "tier"):
        if col not in kept:
            kept[col] = np.nan if col == "p_alive" else ""
    kept["tier"] = kept["tier"].fillna("").astype(str)
    reach = reachable(data.customers, data.orders)
    kept["channel"] = suggest_channel(kept["customer_id"], reach, channel_priority)
    kept["coupon_value"] = suggest_offer(kept, data.orders, coupon_by_tier=coupon_by_tier, margin=margin,
                                         max_discount_share=max_discount_share)
    kept["offer"] = ""  # worded by the notebook's language (offer_text)
    kept["group"] = ""
    kept["customer_id"] = data.decode(kept["customer_id"].to_numpy())  # back to the (pseudonymised) ids
    guarded["customer_id"] = data.decode(guarded["customer_id"].to_numpy())
    for name in enabled:
        m = (kept["trigger"] == name).to_numpy()
        kept.loc[m, "group"] = assign_groups(kept.loc[m, "customer_id"], name, salt, holdout_share)
    audience = kept[AUDIENCE_COLUMNS].sort_values(["trigger", "send_at", "customer_id"], kind="stable").reset_index(drop=True)

    summary = suppression_ledger(guarded, enabled)
    groups = pd.crosstab(audience["trigger"], audience["group"]).reindex(index=enabled, columns=[TREATMENT, HOLDOUT], fill_value=0)
    summary["treatment"] = groups[TREATMENT].to_numpy()
    summary["holdout"] = groups[HOLDOUT].to_numpy()
    rep, daily = replay(firings, data, cfg, order=order, replay_days=replay_days, conversion_days=conversion_days,
                        opt_out=opt_out, cap_hours=cap_hours, quiet_hours=quiet_hours)
    summary = summary.merge(rep, on="rule", how="left")
    params = dict(rules=cfg, priority=order, holdout_share=holdout_share, cap_hours=cap_hours,
                  quiet_hours=list(quiet_hours or []), replay_days=replay_days, conversion_days=conversion_days)
    return TriggerResult(audience, guarded, summary, daily, data.as_of, enabled, params, notes, seconds)


def replay(firings: dict[str, pd.DataFrame], data: TriggerData, cfg: dict, *, order: list[str], replay_days: int = 90,
           conversion_days: int = 7, opt_out=None, cap_hours: float = 16.0, quiet_hours=(22, 8)) -> tuple[pd.DataFrame, pd.DataFrame]:
    """How often each rule would have fired per day over the last ``replay_days``, and what the
    customers did in the ``conversion_days`` after each send.

    Only sends with ``conversion_days`` of data after them count towards conversion and revenue.
    ``expected_revenue_30d`` = fired per day x 30 x revenue per fired send within
    ``conversion_days``: an *estimate* of what the audience spends, not of what a message adds
    (that needs a holdout: see :mod:`mopkit.triggers.campaigns`). ``vip_at_risk`` has no replay.
    """
    lo = data.as_of - pd.Timedelta(days=replay_days)
    parts = [f[(f["trigger_time"] > lo) & (f["trigger_time"] <= data.as_of)] for n, f in firings.items() if n != "vip_at_risk"]
    rows = []
    daily = pd.DataFrame(columns=["date", "rule", "fired"])
    if parts:
        hist = pd.concat(parts, ignore_index=True)
        g = apply_guards(hist, data.orders, as_of=data.as_of, opt_out=opt_out, cap_hours=cap_hours,
                         quiet_hours=quiet_hours, priority=order)
        g = g[g["suppressed"] == ""].reset_index(drop=True)
        g["_end"] = g["send_at"] + pd.Timedelta(days=conversion_days)
        n, v = orders_between(g, "send_at", "_end", data.orders, order=data.orders_by_customer())
        g["_conv"], g["_rev"] = n > 0, v
        mature = (g["_end"] <= data.as_of).to_numpy()
        daily = (g.assign(date=g["send_at"].dt.normalize()).groupby(["date", "trigger"]).size()
                 .rename("fired").reset_index().rename(columns={"trigger": "rule"}))
        for name in firings:
            if name == "vip_at_risk":
                continue
            m = (g["trigger"] == name).to_numpy()
            mm = m & mature
            per_day = m.sum() / replay_days
            conv = g["_conv"].to_numpy()[mm].mean() if mm.any() else np.nan
            rev = g["_rev"].to_numpy()[mm].mean() if mm.any() else np.nan
            rows.append({"rule": name, "replay_days": replay_days, "replay_fired_per_day": per_day,
                         "replay_conversion_7d": conv, "replay_revenue_per_fired": rev,
                         "expected_revenue_30d": per_day * 30 * rev if mm.any() else np.nan})
    rep = pd.DataFrame(rows, columns=["rule", "replay_days", "replay_fired_per_day", "replay_conversion_7d",
                                      "replay_revenue_per_fired", "expected_revenue_30d"])
    rep["expected_revenue_is_estimate"] = True
    return rep, daily
