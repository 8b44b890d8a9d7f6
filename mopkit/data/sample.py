"""A deterministic sample merchant: 花漾美妆旗舰店, a Chinese SMB cosmetics brand.

``generate_sample_merchant(seed)`` builds two years of canonical tables (orders, order_items,
customers, touchpoints, ad_spend, events) from known processes and returns the planted
parameters in ``truth`` so every analysis can be tested against them:

- purchases (status ``paid``): BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the
  easy way", Marketing Science 24(2)) with parameters in days, in operational time warped by a
  daily/hourly intensity (weekday pattern, festivals, Spring Festival dip; see
  :mod:`mopkit.data.sample_calendar`);
- spend per paid order: Gamma-Gamma (Fader & Hardie 2013, "The Gamma-Gamma model of monetary
  value"), ``amount`` is the draw rounded to 0.01 CNY;
- refunded (~3%) and cancelled (~2%) orders are *extra* rows, never a customer's first order, so
  the paid orders alone are exactly the BG/NBD/Gamma-Gamma process;
- baskets with a planted cleanser -> toner association (:mod:`mopkit.data.sample_products`);
- journeys from a known absorbing Markov chain (:mod:`mopkit.data.sample_journeys`);
- ad delivery driven by the touches, with planted CTR and CPC; browse events;
- browse abandonment and two past campaigns (one with a planted uplift, one without) around the
  existing orders (:mod:`mopkit.data.sample_triggers`).

Contact columns are FAKE (:mod:`mopkit.data.sample_people`). Nothing runs at import time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import sample_calendar as cal
from . import sample_journeys as jr
from . import sample_mmm as mmm_sample
from . import sample_people as people
from . import sample_platforms as plat
from . import sample_products as prod

from .sample_params import (  # noqa: F401  (the constants are part of this module's interface)
    VERSION, BGNBD, GAMMA_GAMMA, ACQUISITION_GROWTH, REFUND_RATE, CANCEL_RATE, PARTIAL_REFUND_SHARE, TRACKED_SHARE, BUYER_NULL_SHARE, LOOKBACK_DAYS, UNTRACKED_CHANNEL_MIX, EVENT_ORDER_SHARE, PROSPECT_EVENT_SHARE,
)


@dataclass
class SampleMerchant:
    """Generated canonical tables (raw, unpseudonymised contact columns) and planted truth."""

    tables: dict[str, pd.DataFrame]
    truth: dict = field(default_factory=dict)
    platform: np.ndarray | None = None  # platform of each order (mopkit.data.sample_platforms)


def _rngs(seed: int, n: int) -> list[np.random.Generator]:
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(n)]


def _customer_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    nums = rng.choice(90_000_000, size=n, replace=False) + 10_000_000
    return np.array([f"U{x:08d}" for x in nums], dtype=object)


def _simulate_bgnbd(rng, n, total, growth, first=None):
    """First purchase (operational days) and repeat purchases per customer; returns (cust, u).

    ``first``: given first-purchase times (the ad-driven acquisition of :mod:`.sample_mmm`);
    else a linear density in operational time."""
    v = rng.random(n)
    if first is None:
        x = (-1.0 + np.sqrt(1.0 + 2.0 * growth * (1.0 + growth / 2.0) * v)) / growth  # linear density
        first = x * total
    lam = rng.gamma(BGNBD["r"], 1.0 / BGNBD["alpha"], n)
    p = rng.beta(BGNBD["a"], BGNBD["b"], n)
    cust, times = [np.arange(n)], [first]
    t = first.copy()
    alive = np.ones(n, dtype=bool)
    while alive.any():
        idx = np.flatnonzero(alive)
        t[idx] += rng.exponential(1.0, idx.size) / lam[idx]
        ok = t[idx] <= total
        buy = idx[ok]
        cust.append(buy)
        times.append(t[buy])
        dies = rng.random(buy.size) < p[buy]  # drop out after a repeat purchase
        alive[:] = False
        alive[buy[~dies]] = True
    return np.concatenate(cust), np.concatenate(times), lam, p


def generate_sample_merchant(seed: int = 2024, n_customers: int = 20_000, start: str = "2024-01-01",
                             end: str = "2025-12-31") -> SampleMerchant:
    """Generate the sample merchant (deterministic in ``seed``).

    Parameters
    ----------
    seed : random seed; the same seed gives identical tables.
    n_customers : number of buyers (customers with at least one paid order).
    start, end : inclusive window, ISO dates.

    Returns
    -------
    SampleMerchant with ``tables`` (canonical ``orders``, ``order_items``, ``customers``,
    ``touchpoints``, ``ad_spend``, ``events``, ``campaigns``) and ``truth`` (JSON-serialisable planted parameters).
    """
    start, end = str(pd.Timestamp(start).date()), str(pd.Timestamp(end).date())
    r_cust, r_buy, r_amt, r_extra, r_items, r_path, r_touch, r_ad, r_ev, r_people, r_mmm = _rngs(seed, 11)
    days, mult, cal_info = cal.daily_multipliers(start, end)
    D = len(days)
    warp = cal.TimeWarp(mult)
    t0 = pd.Timestamp(start)
    end_s = D * 86400 - 1  # last second of the window, in seconds since start

    # --- paid orders: BG/NBD in operational time, Gamma-Gamma amounts ------------------------
    fest_mask = np.isin(days, _festive_days(days, cal_info))
    sched = mmm_sample.spend_schedule(r_mmm, days, fest_mask, n_customers / mmm_sample.REFERENCE_CUSTOMERS)  # ad spend drives first purchases
    first_u, acq = mmm_sample.first_purchases(r_mmm, n_customers, sched, mult, warp, ACQUISITION_GROWTH)
    ci, u, lam, pdrop = _simulate_bgnbd(r_buy, n_customers, warp.total, ACQUISITION_GROWTH, first=first_u)
    nu = r_amt.gamma(GAMMA_GAMMA["q"], 1.0 / GAMMA_GAMMA["gamma"], n_customers)
    amount = np.maximum(np.round(r_amt.gamma(GAMMA_GAMMA["p"], 1.0 / nu[ci]), 2), 0.01)
    secs = np.minimum(np.floor(warp.to_calendar(u) * 86400).astype("int64"), end_s)
    status = np.full(len(ci), "paid", dtype=object)

    # --- refunded / cancelled extra rows (never a first order) ---------------------------------
    n_paid = len(ci)
    n_ref = int(round(n_paid * REFUND_RATE / (1 - REFUND_RATE - CANCEL_RATE)))
    n_can = int(round(n_paid * CANCEL_RATE / (1 - REFUND_RATE - CANCEL_RATE)))
    sib = r_extra.integers(0, n_paid, n_ref + n_can)
    gap = np.round(r_extra.exponential(3 * 86400, sib.size)).astype("int64") + 60
    xs = secs[sib] + gap
    late = xs > end_s
    xs[late] = secs[sib][late] + (r_extra.random(late.sum()) * (end_s - secs[sib][late])).astype("int64")
    xc = ci[sib]
    xamt = np.maximum(np.round(r_extra.gamma(GAMMA_GAMMA["p"], 1.0 / nu[xc]), 2), 0.01)
    xstatus = np.array(["refunded"] * n_ref + ["cancelled"] * n_can, dtype=object)
    refund = np.zeros(sib.size)
    part = r_extra.random(n_ref) < PARTIAL_REFUND_SHARE
    frac = np.where(part, r_extra.uniform(0.3, 0.9, n_ref), 1.0)
    refund[:n_ref] = np.round(xamt[:n_ref] * frac, 2)

    cust_ids = _customer_ids(r_cust, n_customers + 200_000)
    buyer_ids, prospect_pool = cust_ids[:n_customers], cust_ids[n_customers:]
    o = pd.DataFrame({
        "cidx": np.concatenate([ci, xc]),
        "secs": np.concatenate([secs, xs]),
        "amount": np.concatenate([amount, xamt]),
        "status": np.concatenate([status, xstatus]),
        "refund_amount": np.concatenate([np.zeros(n_paid), refund]),
    })
    o = o.sort_values(["secs", "cidx"], kind="stable").reset_index(drop=True)
    o["order_id"] = [f"HY{i + 1:08d}" for i in range(len(o))]
    o["customer_id"] = buyer_ids[o["cidx"].to_numpy()]
    o["order_time"] = t0 + pd.to_timedelta(o["secs"].to_numpy(), unit="s")

    # --- items and discount --------------------------------------------------------------------
    items = prod.make_items(r_items, o["order_id"].to_numpy(), o["amount"].to_numpy())
    o["discount"] = np.round(items.attrs.pop("list_total") - o["amount"].to_numpy(), 2)

    # --- converting journeys attached to tracked paid orders ---------------------------------
    paid_idx = np.flatnonzero(o["status"].to_numpy() == "paid")
    n_tracked = int(round(TRACKED_SHARE * paid_idx.size))
    tracked = r_path.permutation(paid_idx)[:n_tracked]
    paths, converted = jr.simulate_paths(r_path, n_tracked)
    conv_paths = [p for p, c in zip(paths, converted) if c]
    null_paths = [p for p, c in zip(paths, converted) if not c]
    prev = o.groupby("cidx")["secs"].shift(1).to_numpy()  # previous order (any status) of the customer
    o_secs = o["secs"].to_numpy()
    lo = np.maximum(o_secs[tracked] - LOOKBACK_DAYS * 86400, 0)
    lo = np.where(np.isnan(prev[tracked]), lo, np.maximum(lo, np.nan_to_num(prev[tracked]) + 60)).astype("int64")
    conv_touch = _touch_times(r_touch, conv_paths, lo, o_secs[tracked], last_gap_mean=3 * 3600)
    channel = np.asarray(r_extra.choice(list(UNTRACKED_CHANNEL_MIX), size=len(o), p=list(UNTRACKED_CHANNEL_MIX.values())), dtype=object)
    ch_names = np.asarray(jr.CHANNELS, dtype=object)
    channel[tracked] = ch_names[[p[-1] for p in conv_paths]]
    o["channel"] = channel

    # --- non-converting journeys: some buyers after their last order, the rest prospects -------
    n_null = len(null_paths)
    last = o.groupby("cidx")["secs"].max()
    eligible = last.index.to_numpy()[last.to_numpy() < end_s - (LOOKBACK_DAYS + 5) * 86400]
    n_bn = min(int(round(BUYER_NULL_SHARE * n_null)), eligible.size)
    bn = r_touch.choice(eligible, size=n_bn, replace=False)
    null_owner = np.concatenate([buyer_ids[bn], prospect_pool[: n_null - n_bn]])
    lo_n = np.concatenate([last.loc[bn].to_numpy() + 86400, np.zeros(n_null - n_bn, dtype="int64")])
    s0 = lo_n + (r_touch.random(n_null) * (end_s - LOOKBACK_DAYS * 86400 - lo_n)).astype("int64")
    span = np.minimum((r_touch.random(n_null) * LOOKBACK_DAYS * 86400).astype("int64") + 3600, end_s - s0)
    null_touch = _touch_times(r_touch, null_paths, s0, s0 + span, last_gap_mean=None)

    touch_owner = np.concatenate([np.repeat(o["customer_id"].to_numpy()[tracked], [len(p) for p in conv_paths]),
                                  np.repeat(null_owner, [len(p) for p in null_paths])])
    touch_secs = np.concatenate([conv_touch, null_touch])
    touch_ch = ch_names[np.concatenate(conv_paths + null_paths)]
    tt = t0 + pd.to_timedelta(touch_secs, unit="s")
    festive = np.isin(tt.normalize(), _festive_days(days, cal_info))
    touches = pd.DataFrame({
        "customer_id": touch_owner.astype(object), "touch_time": tt, "channel": touch_ch,
        "campaign": jr.draw_campaigns(r_touch, touch_ch, festive),
        "interaction": jr.draw_interactions(r_touch, touch_ch),
    }).sort_values(["touch_time", "customer_id"], kind="stable").reset_index(drop=True)
    ad = mmm_sample.make_ad_spend(r_ad, sched, touches, fest_mask, jr.CAMPAIGNS, jr.AD_PARAMS)

    # --- events, customers ----------------------------------------------------------------------
    events = _make_events(r_ev, o, items, null_owner[n_bn:], s0[n_bn:], span[n_bn:], t0)
    from . import sample_triggers as trg  # browse abandonment and past campaigns (own random stream)
    ev_trg, campaigns, trg_truth = trg.plant(seed, o, prod.catalogue(), end=end, n_customers=n_customers)
    events = pd.concat([events, ev_trg], ignore_index=True).sort_values(
        ["event_time", "customer_id", "event_type", "sku"], kind="stable").reset_index(drop=True)
    from .sample_propensity import add_long_views  # planted browse signal (issue 14); own random stream
    events = add_long_views(seed, o, items, events, t0, end_s)
    first = pd.concat([
        o.groupby("customer_id")["order_time"].min(),
        touches.groupby("customer_id")["touch_time"].min(),
        events.groupby("customer_id")["event_time"].min(),
    ], axis=1).min(axis=1)
    contacts = people.fake_contacts(r_people, n_customers)
    customers = pd.DataFrame({"customer_id": buyer_ids, "first_seen": first.reindex(buyer_ids).to_numpy()})
    for k, v in contacts.items():
        customers[k] = pd.Series(v, dtype=object)
    customers = customers[["customer_id", "first_seen", "region", "name", "phone", "address", "wechat_id",
                           "douyin_id", "email"]].sort_values("customer_id").reset_index(drop=True)
    customers = plat.unique_phones(customers, seed)  # the phone links a person across platforms

    orders = o[["order_id", "customer_id", "order_time", "amount", "channel", "status", "refund_amount", "discount"]].copy()
    tables = {"orders": orders, "order_items": items, "customers": customers, "touchpoints": touches,
              "ad_spend": ad, "events": events, "campaigns": campaigns}
    tables = {k: _tidy(v) for k, v in tables.items()}
    from .sample_anomalies import plant_anomalies  # the cockpit's alerts: issue 12
    tables, anomalies = plant_anomalies(tables, end=end, seed=seed, keep=o["order_id"].to_numpy()[tracked])
    from .sample_truth import _f, build_truth  # local: keeps this module short
    truth = build_truth(anomalies=anomalies, seed=seed, n_customers=n_customers, start=start, end=end, tables=tables,
                        mult=mult, days=days, cal_info=cal_info, n_tracked=n_tracked,
                        n_null=n_null, n_buyer_null=n_bn, lam=lam, pdrop=pdrop, nu=nu,
                        mmm=mmm_sample.truth(sched, acq, GAMMA_GAMMA["p"] * GAMMA_GAMMA["gamma"] / (GAMMA_GAMMA["q"] - 1), n_customers))
    truth["triggers"] = _f(trg_truth)
    platform, truth["platforms"] = plat.assign_platforms(seed, tables["orders"], n_customers)
    return SampleMerchant(tables=tables, truth=truth, platform=platform)


def _festive_days(days: pd.DatetimeIndex, cal_info: dict) -> pd.DatetimeIndex:
    out = []
    for w in cal_info["festival_windows"]:
        if w["factor"] > 1:
            out.append(pd.date_range(w["start"], w["end"], freq="D"))
    return pd.DatetimeIndex(np.concatenate(out) if out else []).intersection(days)


def _touch_times(rng, paths, lo, hi, last_gap_mean):
    """Strictly increasing integer-second touch times per journey, all in ``[lo, hi)``.

    With ``last_gap_mean`` the last touch is ``hi - Exp(mean)`` (clipped into the window) and the
    others are uniform before it; without, all touches are uniform in the window.
    """
    n = np.array([len(p) for p in paths])
    lo = np.asarray(lo, dtype="int64")
    hi = np.asarray(hi, dtype="int64")
    width = np.maximum(hi - lo, n + 1)
    lo = hi - width
    if last_gap_mean is not None:
        gap = np.maximum(np.round(rng.exponential(last_gap_mean, n.size)).astype("int64"), 1)
        last = np.maximum(hi - gap, lo + n)
    else:
        last = hi - 1
    j = np.repeat(np.arange(n.size), n)
    pos = np.arange(j.size) - np.repeat(np.cumsum(n) - n, n)  # position within the journey
    is_last = pos == np.repeat(n - 1, n)
    room = np.maximum(last[j] - n[j] - lo[j], 0)
    val = lo[j] + (rng.random(j.size) * room).astype("int64")
    order = np.lexsort((val, j))
    val = val[order]
    out = np.where(is_last, last[j], val + pos)  # sorted uniforms + position keeps them increasing
    return out.astype("int64")


def _make_events(rng, o, items, prospects, p_lo, p_span, t0):
    """Browse events: before a share of paid orders (views of the bought SKUs, add-to-cart,
    favourites) and during some prospects' journeys (views of random SKUs)."""
    paid = o[o["status"] == "paid"]
    chosen = paid.sample(frac=EVENT_ORDER_SHARE, random_state=rng.integers(2**31))
    lines = items.merge(chosen[["order_id", "customer_id", "secs"]], on="order_id")
    nl = len(lines)
    frames = []
    nviews = rng.integers(1, 3, nl)
    rep = np.repeat(np.arange(nl), nviews)
    frames.append(pd.DataFrame({"customer_id": lines["customer_id"].to_numpy()[rep],
                                "secs": lines["secs"].to_numpy()[rep] - (rng.random(rep.size) * 3 * 86400).astype("int64") - 120,
                                "event_type": "view", "sku": lines["sku"].to_numpy()[rep],
                                "duration_s": np.round(rng.lognormal(3.5, 0.8, rep.size), 1)}))
    for kind, share, window, mu in (("add_to_cart", 0.7, 86400, 1.5), ("favorite", 0.1, 3 * 86400, 1.2)):
        m = rng.random(nl) < share
        frames.append(pd.DataFrame({"customer_id": lines["customer_id"].to_numpy()[m],
                                    "secs": lines["secs"].to_numpy()[m] - (rng.random(m.sum()) * window).astype("int64") - 60,
                                    "event_type": kind, "sku": lines["sku"].to_numpy()[m],
                                    "duration_s": np.round(rng.lognormal(mu, 0.5, m.sum()), 1)}))
    m = rng.random(len(prospects)) < PROSPECT_EVENT_SHARE
    k = rng.integers(1, 4, m.sum())
    rep = np.repeat(np.flatnonzero(m), k)
    skus = prod.catalogue()
    frames.append(pd.DataFrame({"customer_id": np.asarray(prospects)[rep],
                                "secs": p_lo[rep] + (rng.random(rep.size) * p_span[rep]).astype("int64"),
                                "event_type": "view",
                                "sku": skus["sku"].to_numpy()[rng.choice(len(skus), rep.size, p=skus["weight"].to_numpy())],
                                "duration_s": np.round(rng.lognormal(3.2, 0.9, rep.size), 1)}))
    ev = pd.concat(frames, ignore_index=True)
    ev = ev[ev["secs"] >= 0]
    ev = ev.assign(event_time=t0 + pd.to_timedelta(ev["secs"].to_numpy(), unit="s"))
    ev = ev[["customer_id", "event_time", "event_type", "sku", "duration_s"]]
    return ev.sort_values(["event_time", "customer_id", "event_type", "sku"], kind="stable").reset_index(drop=True)


def _tidy(df: pd.DataFrame) -> pd.DataFrame:
    """Canonical dtypes: times as datetime64[ns], money as float64, counts as int64, text as str."""
    df = df.copy()
    for c in df.columns:
        if c in ("order_time", "touch_time", "event_time", "first_seen", "date", "sent_at"):
            df[c] = pd.to_datetime(df[c]).astype("datetime64[ns]")
        elif c in ("amount", "refund_amount", "discount", "unit_price", "cost", "duration_s", "coupon_cost"):
            df[c] = df[c].astype("float64")
        elif c in ("quantity", "impressions", "clicks"):
            df[c] = df[c].astype("int64")
        else:
            df[c] = df[c].astype("str").where(df[c].notna(), None) if df[c].isna().any() else df[c].astype("str")
    df.attrs = {}
    return df.reset_index(drop=True)


def write_sample_files(sample: SampleMerchant, out_dir) -> dict[str, Path]:
    """Write export-like files, ``truth.json`` and ``client.yaml`` into ``out_dir``.

    See :mod:`mopkit.data.sample_io` for the file formats. Returns file name -> path.
    """
    from .sample_io import write_sample_files as _write

    return _write(sample, out_dir)
