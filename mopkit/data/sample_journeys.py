"""Channel journeys of the sample merchant: a known first-order absorbing Markov chain.

States: ``start`` -> channels -> ``conv`` | ``null``. Self-transitions are zero, so collapsing
repeated channels in a path changes nothing and the chain is recoverable either way.
Removal effects and attribution shares are computed exactly from the true chain
(Anderl, Becker, von Wangenheim & Schumann 2016, "Mapping the customer journey: lessons learned
from graph-based online attribution modeling", IJRM 33(3)): removing channel ``c`` sends every
transition into ``c`` to ``null``; ``RE_c = 1 - P(conv | c removed) / P(conv)``; the Markov share
of ``c`` is ``RE_c / sum(RE)``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

CHANNELS = ("douyin", "wechat", "xiaohongshu", "tmall", "search")
ABSORBING = ("conv", "null")
#: True transition probabilities: from-state -> {to-state: p}. Rows sum to 1.
TRANSITIONS = {
    "start": {"douyin": 0.38, "wechat": 0.15, "xiaohongshu": 0.22, "tmall": 0.12, "search": 0.13},
    "douyin": {"wechat": 0.12, "xiaohongshu": 0.10, "tmall": 0.22, "search": 0.14, "conv": 0.07, "null": 0.35},
    "wechat": {"douyin": 0.08, "xiaohongshu": 0.05, "tmall": 0.12, "search": 0.05, "conv": 0.30, "null": 0.40},
    "xiaohongshu": {"douyin": 0.10, "wechat": 0.08, "tmall": 0.25, "search": 0.20, "conv": 0.07, "null": 0.30},
    "tmall": {"douyin": 0.05, "wechat": 0.05, "xiaohongshu": 0.04, "search": 0.08, "conv": 0.38, "null": 0.40},
    "search": {"douyin": 0.04, "wechat": 0.04, "xiaohongshu": 0.04, "tmall": 0.30, "conv": 0.28, "null": 0.30},
}
#: Interaction type mix per channel.
INTERACTIONS = {
    "douyin": {"impression": 0.5, "view": 0.3, "click": 0.2},
    "wechat": {"view": 0.5, "click": 0.5},
    "xiaohongshu": {"view": 0.6, "click": 0.4},
    "tmall": {"view": 0.4, "click": 0.3, "search": 0.3},
    "search": {"search": 0.6, "click": 0.4},
}
#: Campaigns per channel: (name, share, festival-only flag). Festival campaigns run only inside
#: festival windows whose factor is > 1, and then take their share; otherwise the always-on ones do.
CAMPAIGNS = {
    "douyin": (("抖音信息流-日常", 0.5, False), ("抖音达人种草", 0.5, False), ("抖音直播-大促", 0.5, True)),
    "wechat": (("微信朋友圈广告", 0.6, False), ("小程序会员复购", 0.4, False)),
    "xiaohongshu": (("小红书KOC笔记", 0.7, False), ("小红书信息流", 0.3, False)),
    "tmall": (("天猫直通车", 0.7, False), ("天猫大促会场", 0.6, True), ("天猫超级推荐", 0.3, False)),
    "search": (("百度品牌词", 0.6, False), ("百度通用词", 0.4, False)),
}
#: Planted ad delivery: impressions per recorded touch, click-through rate, cost per click (CNY).
AD_PARAMS = {
    "douyin": {"impressions_per_touch": 700.0, "ctr": 0.012, "cpc": 0.80},
    "wechat": {"impressions_per_touch": 300.0, "ctr": 0.020, "cpc": 1.00},
    "xiaohongshu": {"impressions_per_touch": 350.0, "ctr": 0.025, "cpc": 1.20},
    "tmall": {"impressions_per_touch": 180.0, "ctr": 0.035, "cpc": 1.50},
    "search": {"impressions_per_touch": 120.0, "ctr": 0.045, "cpc": 2.20},
}
STATES = ("start",) + CHANNELS + ABSORBING
MAX_STEPS = 40  # safety cap; P(a path this long) is negligible under the chain above


def transition_matrix() -> pd.DataFrame:
    """The true transition matrix (rows: from ``start`` and channels; columns: all states)."""
    m = pd.DataFrame(0.0, index=list(STATES[:-2]), columns=list(STATES))
    for s, row in TRANSITIONS.items():
        for t, p in row.items():
            m.loc[s, t] = p
    return m


def conversion_probability(matrix: pd.DataFrame, removed: str | None = None) -> float:
    """P(reach ``conv`` from ``start``) by absorbing-chain algebra, optionally with a channel removed."""
    trans = list(matrix.index)
    P = matrix.copy()
    if removed is not None:
        P.loc[:, "null"] += P.loc[:, removed]
        P.loc[:, removed] = 0.0
    Q = P.loc[trans, trans].to_numpy()
    R = P.loc[trans, ["conv"]].to_numpy()
    absorb = np.linalg.solve(np.eye(len(trans)) - Q, R)  # [transient, 1]
    return float(absorb[trans.index("start"), 0])


def markov_truth() -> dict:
    """Exact conversion probability, removal effects and Markov shares of the true chain."""
    m = transition_matrix()
    p = conversion_probability(m)
    re = {c: 1.0 - conversion_probability(m, c) / p for c in CHANNELS}
    tot = sum(re.values())
    trans = list(m.index)
    N = np.linalg.inv(np.eye(len(trans)) - m.loc[trans, trans].to_numpy())
    visits = {c: float(N[0, trans.index(c)]) for c in CHANNELS}
    return {
        "states": list(STATES),
        "transition_matrix": {s: {t: float(m.loc[s, t]) for t in STATES if m.loc[s, t] > 0} for s in m.index},
        "p_conversion": p,
        "removal_effects": re,
        "markov_shares": {c: v / tot for c, v in re.items()},
        "expected_visits_per_journey": visits,
        "expected_touches_per_journey": float(sum(visits.values())),
        "self_transitions": "none (diagonal is zero), so collapsing repeated channels is a no-op",
    }


def simulate_paths(rng: np.random.Generator, n_conversions: int, batch: int = 20_000):
    """Walk the chain journey by journey (in batches) until ``n_conversions`` journeys convert.

    Journeys after the ``n_conversions``-th converting one are discarded, so the mix of converting
    and null journeys is an unbiased draw of the chain.

    Returns ``(paths, converted)``: list of channel-index arrays and a bool array.
    """
    m = transition_matrix()
    idx = {s: i for i, s in enumerate(STATES)}
    P = np.zeros((len(STATES), len(STATES)))
    P[: len(m)] = m.to_numpy()
    cum = np.cumsum(P, axis=1)
    paths: list[np.ndarray] = []
    conv: list[bool] = []
    got = 0
    while got < n_conversions:
        state = np.zeros(batch, dtype=np.int64)  # all at start
        steps = np.full((batch, MAX_STEPS), -1, dtype=np.int64)
        alive = np.ones(batch, dtype=bool)
        for k in range(MAX_STEPS + 1):
            if not alive.any():
                break
            u = rng.random(batch)
            nxt = (u[:, None] > cum[state]).sum(axis=1)
            nxt = np.minimum(nxt, len(STATES) - 1)
            if k == MAX_STEPS:  # cap: force absorption in null
                nxt = np.where(alive, idx["null"], nxt)
            absorbed = alive & (nxt >= idx["conv"])
            moving = alive & ~absorbed
            if k < MAX_STEPS:
                steps[moving, k] = nxt[moving] - 1  # channel index 0..4
            state = np.where(alive, nxt, state)
            alive = moving
        is_conv = state == idx["conv"]
        for j in range(batch):
            paths.append(steps[j][steps[j] >= 0])
            conv.append(bool(is_conv[j]))
            got += int(is_conv[j])
            if got == n_conversions:
                break
    return paths, np.asarray(conv)


def draw_interactions(rng: np.random.Generator, channels: np.ndarray) -> np.ndarray:
    """Interaction type per touch from the channel's mix."""
    out = np.empty(len(channels), dtype=object)
    for c in CHANNELS:
        m = channels == c
        kinds = list(INTERACTIONS[c])
        out[m] = np.asarray(kinds, dtype=object)[rng.choice(len(kinds), size=int(m.sum()), p=list(INTERACTIONS[c].values()))]
    return out


def draw_campaigns(rng: np.random.Generator, channels: np.ndarray, festive: np.ndarray) -> np.ndarray:
    """Campaign per touch: festival campaigns only on days inside a boosting festival window."""
    out = np.empty(len(channels), dtype=object)
    u = rng.random(len(channels))
    for c in CHANNELS:
        for fest_day in (False, True):
            m = (channels == c) & (festive == fest_day)
            camps = [(n, s) for n, s, f in CAMPAIGNS[c] if fest_day or not f]
            shares = np.cumsum([s for _, s in camps]) / sum(s for _, s in camps)
            k = np.minimum(np.searchsorted(shares, u[m], side="right"), len(camps) - 1)
            out[m] = np.asarray([n for n, _ in camps], dtype=object)[k]
    return out


def make_ad_spend(rng: np.random.Generator, touches: pd.DataFrame, days: pd.DatetimeIndex,
                  festive_days: np.ndarray) -> pd.DataFrame:
    """Daily ad delivery per channel and campaign, driven by the recorded touches.

    impressions = round(impressions_per_touch * (touches of the campaign that day + 1) * LogNormal(0, 0.15))
    clicks ~ Binomial(impressions, ctr);  cost = clicks * cpc * LogNormal(0, 0.08), rounded to 0.01.
    Festival-only campaigns have rows only on festival days.
    """
    day = touches["touch_time"].dt.normalize()
    counts = touches.assign(date=day).groupby(["date", "channel", "campaign"]).size()
    rows = []
    for c in CHANNELS:
        pa = AD_PARAMS[c]
        for name, _share, fest_only in CAMPAIGNS[c]:
            d = days[festive_days] if fest_only else days
            n = counts.reindex(pd.MultiIndex.from_arrays([d, [c] * len(d), [name] * len(d)]), fill_value=0).to_numpy()
            imp = np.round(pa["impressions_per_touch"] * (n + 1) * rng.lognormal(0.0, 0.15, len(d))).astype("int64")
            clk = rng.binomial(imp, pa["ctr"]).astype("int64")
            cost = np.round(clk * pa["cpc"] * rng.lognormal(0.0, 0.08, len(d)), 2)
            rows.append(pd.DataFrame({"date": d, "channel": c, "campaign": name, "impressions": imp,
                                      "clicks": clk, "cost": cost}))
    out = pd.concat(rows, ignore_index=True)
    return out.sort_values(["date", "channel", "campaign"], kind="stable").reset_index(drop=True)
