"""Planted marketing-mix behaviour of the sample merchant: ad spend drives new customers.

Each channel's daily spend follows a planned schedule with independent variation so the curves
are identifiable: 4-week budget levels, three 10-day pulses a year, daily noise, and a two-week
pause of each channel (xiaohongshu in April 2025, the others at other times). New customers (first paid orders) arrive
with daily expected count

    lambda_d = mult_d * (b0 * (1 + growth * d / D)  +  sum_c beta_c * hill(adstock(spend_c)_d, K_c, S_c))

(geometric adstock normalised by ``1 - theta``, Hill ``x^S / (x^S + K^S)``; see
:mod:`mopkit.mmm.transforms`; ``mult_d`` is the weekday x festival intensity of
:mod:`.sample_calendar`, mean 1, so ads work better on busy days and every order keeps the
planted weekday pattern), with ``b0`` set so the expected total is ``n_customers``; the
realised first-order days are a multinomial draw. Inside a day the time follows the hourly
intensity. Repeat purchases after the first stay BG/NBD, so ``truth.json["bgnbd"]`` holds as
before. First-order GMV per day from channel ``c`` is ``E[amount] * beta_c * hill(...)`` with
``E[amount]`` the Gamma-Gamma mean; repeat purchases of ad-acquired customers are a longer
effect outside the planted curve (they show up as baseline growth).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..mmm.transforms import geometric_adstock, hill

#: Planted curves: daily carry-over theta, half-saturation K (CNY per day of steady spend),
#: shape S, beta = new customers per day at saturation.
CURVES = {
    "douyin": {"theta": 0.5, "K": 300.0, "S": 1.2, "beta": 11.0},
    "wechat": {"theta": 0.2, "K": 500.0, "S": 1.0, "beta": 9.0},
    "xiaohongshu": {"theta": 0.7, "K": 400.0, "S": 1.8, "beta": 9.0},
    "tmall": {"theta": 0.3, "K": 700.0, "S": 1.5, "beta": 12.0},
    "search": {"theta": 0.1, "K": 900.0, "S": 1.0, "beta": 12.0},
}
#: CURVES and BASE_SPEND are for this many buyers; a smaller sample scales K, beta and spend by
#: n_customers / REFERENCE_CUSTOMERS (a smaller shop with the same returns per yuan).
REFERENCE_CUSTOMERS = 20_000
BASE_SPEND = {"douyin": 650.0, "wechat": 250.0, "xiaohongshu": 350.0, "tmall": 450.0, "search": 220.0}
LEVEL_RANGE = (0.2, 2.0)  # 4-week budget level, uniform multiplier
PULSES_PER_YEAR, PULSE_DAYS, PULSE_FACTOR = 3, 10, 2.5
DAILY_NOISE = 0.3  # LogNormal sigma of daily spend
FESTIVAL_PUSH: dict = {}  # no festival push: it would tie spend to the festival calendar
#: Two-week pauses (no spend at all): they anchor each curve at zero spend.
PAUSES = {"xiaohongshu": "2025-04-07", "douyin": "2024-08-05", "wechat": "2025-07-14", "tmall": "2024-04-08",
          "search": "2025-09-01"}
PAUSE_DAYS = 14


def curves(scale: float = 1.0) -> dict:
    """The planted curves for a sample ``scale`` times the reference size (K and beta scaled)."""
    return {c: {**p, "K": p["K"] * scale, "beta": p["beta"] * scale} for c, p in CURVES.items()}


def spend_schedule(rng: np.random.Generator, days: pd.DatetimeIndex, festive: np.ndarray, scale: float = 1.0) -> pd.DataFrame:
    """Planned daily spend per channel ``[D, C]`` (index days, columns channels)."""
    D = len(days)
    out = {}
    for c, base in BASE_SPEND.items():
        base = base * scale
        lvl = np.repeat(rng.uniform(*LEVEL_RANGE, D // 28 + 1), 28)[:D]
        pulse = np.ones(D)
        n_p = max(int(round(PULSES_PER_YEAR * D / 365)), 1)
        for s in rng.choice(np.arange(0, D - PULSE_DAYS), size=n_p, replace=False):
            pulse[s:s + PULSE_DAYS] = PULSE_FACTOR
        push = np.where(festive, FESTIVAL_PUSH.get(c, 1.0), 1.0)
        out[c] = base * lvl * pulse * push * rng.lognormal(0.0, DAILY_NOISE, D)
    sched = pd.DataFrame(out, index=days)
    for c, start in PAUSES.items():
        p0 = pd.Timestamp(start)
        sched.loc[(sched.index >= p0) & (sched.index < p0 + pd.Timedelta(days=PAUSE_DAYS)), c] = 0.0
    return sched


def ad_driven_customers(sched: pd.DataFrame, scale: float = 1.0) -> pd.DataFrame:
    """Expected new customers per day from each channel (planted curves applied to the schedule)."""
    return pd.DataFrame({c: p["beta"] * hill(geometric_adstock(sched[c].to_numpy(), p["theta"]), p["K"], p["S"])
                         for c, p in curves(scale).items()}, index=sched.index)


def first_purchases(rng: np.random.Generator, n: int, sched: pd.DataFrame, mult: np.ndarray, warp, growth: float):
    """First-purchase times (operational days) of ``n`` buyers and the expected daily counts."""
    D = len(sched)
    ads = ad_driven_customers(sched, n / REFERENCE_CUSTOMERS).sum(axis=1).to_numpy() * np.asarray(mult)
    shape = (1.0 + growth * np.arange(D) / D) * np.asarray(mult)
    b0 = (n - ads.sum()) / shape.sum()
    if b0 <= 0:
        raise ValueError("planted ad effects exceed the number of customers; lower CURVES beta")
    lam = b0 * shape + ads
    day = rng.choice(D, size=n, p=lam / lam.sum())
    lo, hi = warp.cum[day * 24], warp.cum[(day + 1) * 24]
    u = lo + rng.random(n) * (hi - lo)
    per_channel = (ad_driven_customers(sched, n / REFERENCE_CUSTOMERS).mul(np.asarray(mult), axis=0)).sum()
    return u, {"b0": float(b0), "expected_per_day": lam, "ad_share": float(ads.sum() / n),
               "per_channel": {c: float(v) for c, v in per_channel.items()}}


def make_ad_spend(rng, sched: pd.DataFrame, touches: pd.DataFrame, festive: np.ndarray, campaigns, params) -> pd.DataFrame:
    """Ad delivery rows whose daily channel cost is the schedule, split over campaigns by
    ``share * (touches that day + 1)``; ``impressions = round(cost / (cpc * ctr) * LogNormal(0, 0.15))``,
    ``clicks ~ Binomial(impressions, ctr)``. No rows on days a channel spends nothing."""
    days = sched.index
    counts = touches.assign(date=touches["touch_time"].dt.normalize()).groupby(["date", "channel", "campaign"]).size()
    rows = []
    for c in sched.columns:
        pa = params[c]
        w = []
        for name, share, fest_only in campaigns[c]:
            n = counts.reindex(pd.MultiIndex.from_arrays([days, [c] * len(days), [name] * len(days)]), fill_value=0).to_numpy()
            w.append(np.where(festive | (not fest_only), share * (n + 1.0), 0.0))
        w = np.array(w)
        w = w / w.sum(axis=0)
        for k, (name, _s, _f) in enumerate(campaigns[c]):
            cost = np.round(sched[c].to_numpy() * w[k], 2)
            keep = cost > 0
            imp = np.round(cost[keep] / (pa["cpc"] * pa["ctr"]) * rng.lognormal(0.0, 0.15, keep.sum())).astype("int64")
            clk = rng.binomial(imp, pa["ctr"]).astype("int64")
            rows.append(pd.DataFrame({"date": days[keep], "channel": c, "campaign": name, "impressions": imp,
                                      "clicks": clk, "cost": cost[keep]}))
    out = pd.concat(rows, ignore_index=True)
    return out.sort_values(["date", "channel", "campaign"], kind="stable").reset_index(drop=True)


def truth(sched: pd.DataFrame, info: dict, expected_amount: float, n_customers: int, recent_days: int = 91) -> dict:
    """The ``mmm`` block of ``truth.json``."""
    scale = n_customers / REFERENCE_CUSTOMERS
    return {
        "curves": {c: {**p, "beta_gmv_per_day": p["beta"] * expected_amount, "half_life_days": float(np.log(0.5) / np.log(p["theta"]))}
                   for c, p in curves(scale).items()},
        "scale": scale,
        "adstock": "geometric, normalised: a_t = (1 - theta) * sum_k theta^k x_{t-k}; K in CNY per day of steady spend",
        "response": "expected first-order GMV per day from channel c = mult_d * beta_gmv_per_day * hill(adstock(spend_c), K, S) "
                    "(mult_d: calendar.daily_multiplier, mean 1, so the average curve is beta_gmv_per_day * hill); "
                    "beta = new customers per day at saturation; repeat purchases of those customers are extra (BG/NBD)",
        "expected_first_order_value": expected_amount,
        "schedule": {"base_spend_per_day": BASE_SPEND, "level_range_4_weeks": list(LEVEL_RANGE),
                     "pulses_per_year": PULSES_PER_YEAR, "pulse_days": PULSE_DAYS, "pulse_factor": PULSE_FACTOR,
                     "daily_noise_lognormal_sigma": DAILY_NOISE, "festival_push": FESTIVAL_PUSH, "pauses": PAUSES, "pause_days": PAUSE_DAYS},
        "baseline_b0_customers_per_day": info["b0"],
        "ad_driven_share_of_new_customers": info["ad_share"],
        "expected_ad_driven_customers": info["per_channel"],
        "recent_daily_spend": {c: float(v) for c, v in sched.iloc[-recent_days:].mean().items()},
        "recent_days": recent_days,
    }


def true_curves(t: dict):
    """The planted curves from a ``truth["mmm"]`` block as :class:`mopkit.mmm.Curves` (GMV units)."""
    from ..mmm.model import Curves

    ch = tuple(t["curves"])
    g = lambda k: np.array([[t["curves"][c][k] for c in ch]], dtype=float)  # noqa: E731
    return Curves(ch, g("theta"), g("K"), g("S"), g("beta_gmv_per_day"))
