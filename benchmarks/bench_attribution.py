"""Attribution speed on 1,000,000 journeys (issue 5 targets: all models < 10 s, exact Markov < 2 s).

Journeys are walks of the sample merchant's planted channel chain
(mopkit.data.sample_journeys), so the path mix is realistic (about 1,700 unique paths).

Timed:
  A. 1M journeys given one row per journey (path, converted, value) -> aggregate to unique
     paths -> every model (time decay counts steps);
  B. the same 1M journeys as touchpoints + orders (about 2.4M touches) -> build_journeys
     -> every model (time decay on touch times).
Baselines: the issue's targets (10 s for all models, 2 s for exact Markov).

Run:  .venv/bin/python benchmarks/bench_attribution.py [n_journeys]
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np
import pandas as pd

from mopkit.attribution import MODELS, MarkovAttribution, attribute, build_journeys, journeys_from_paths
from mopkit.data import sample_journeys as sj

TARGET_ALL, TARGET_MARKOV = 10.0, 2.0


def walk(rng: np.random.Generator, n: int) -> tuple[list[np.ndarray], np.ndarray]:
    """n journeys of the planted chain, vectorised (same chain as sample_journeys.simulate_paths)."""
    m = sj.transition_matrix()
    states = list(sj.STATES)
    P = np.zeros((len(states), len(states)))
    P[: len(m)] = m.to_numpy()
    cum = np.cumsum(P, axis=1)
    conv_i = states.index("conv")
    state = np.zeros(n, dtype=np.int64)
    steps = np.full((n, sj.MAX_STEPS), -1, dtype=np.int8)
    alive = np.ones(n, dtype=bool)
    for k in range(sj.MAX_STEPS):
        idx = np.flatnonzero(alive)
        if not idx.size:
            break
        nxt = np.minimum((rng.random(idx.size)[:, None] > cum[state[idx]]).sum(axis=1), len(states) - 1)
        state[idx] = nxt
        moving = nxt < conv_i
        steps[idx[moving], k] = nxt[moving] - 1
        alive[idx[~moving]] = False
    return steps, state == conv_i


def timed(label: str, fn):
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    print(f"  {label:<44s} {dt:7.2f} s")
    return out, dt


def main(n: int = 1_000_000) -> None:
    print(f"attribution benchmark: {n:,} journeys, {os.cpu_count()} CPUs visible")
    rng = np.random.default_rng(1)
    steps, conv = walk(rng, n)
    names = np.asarray(sj.CHANNELS, dtype=object)
    length = (steps >= 0).sum(axis=1)
    value = np.where(conv, np.round(rng.gamma(2.0, 120.0, n), 2), 0.0)
    print(f"  generated: {int(conv.sum()):,} conversions, {int(length.sum()):,} touches")

    # ---- A: journey rows -> unique paths -> models --------------------------------------------
    print("A. one row per journey (path string)")
    codes = np.where(steps >= 0, steps + 1, 0).astype(np.int8)
    uniq, inv = np.unique(codes, axis=0, return_inverse=True)
    strings = np.array([" > ".join(names[r[r > 0] - 1]) for r in uniq], dtype=object)
    rows = pd.DataFrame({"path": strings[inv.reshape(-1)], "conversions": conv.astype(int),
                         "non_conversions": (~conv).astype(int), "value": value})

    def aggregate():
        return journeys_from_paths(rows)

    ja, t_agg = timed("aggregate 1M rows -> journeys_from_paths", aggregate)
    print(f"  unique paths: {len(ja.paths):,}")
    t_models = {}
    for name in MODELS:
        _, t_models[name] = timed(f"model {name}", lambda: attribute(ja, [name]))
    for order in (2, 3):
        _, t = timed(f"model markov order {order}", lambda: MarkovAttribution(order=order).fit(ja))
    _, t_all = timed("all 8 models together (attribute)", lambda: attribute(ja, list(MODELS)))

    # ---- B: touchpoints + orders -> build_journeys -> models ----------------------------------
    print("B. touchpoints + orders")
    jid = np.repeat(np.arange(n), length)
    t0 = pd.Timestamp("2024-01-01").value // 10**9
    end = t0 + rng.integers(40 * 86400, 700 * 86400, n)  # journey end (the order, if it converts)
    starts = np.cumsum(length) - length
    from_end = length[jid] - 1 - (np.arange(jid.size) - starts[jid])  # 0 = last touch
    # touches every ~half day going back from 1 hour before the journey's end (strictly increasing)
    touch_s = end[jid] - 3600 - from_end * 43_200 - rng.integers(0, 43_000, jid.size)
    flat = steps[steps >= 0]
    touches = pd.DataFrame({"customer_id": jid.astype(str), "touch_time": pd.to_datetime(touch_s, unit="s"),
                            "channel": names[flat]})
    conv_idx = np.flatnonzero(conv)
    orders = pd.DataFrame({"order_id": conv_idx.astype(str), "customer_id": conv_idx.astype(str),
                           "order_time": pd.to_datetime(end[conv_idx], unit="s"), "amount": value[conv_idx]})
    jb, t_build = timed(f"build_journeys ({len(touches):,} touches)", lambda: build_journeys(touches, orders))
    _, t_all_b = timed("all 8 models together (time decay on touches)", lambda: attribute(jb, list(MODELS)))

    print("\nsummary")
    print(f"  exact Markov (order 1): {t_models['markov']:.2f} s  vs target {TARGET_MARKOV:.0f} s  "
          f"-> {t_models['markov'] / TARGET_MARKOV:.2f} of the budget")
    print(f"  all models, path input: {t_all:.2f} s (+ {t_agg:.2f} s aggregation) vs target {TARGET_ALL:.0f} s "
          f"-> {(t_all + t_agg) / TARGET_ALL:.2f} of the budget")
    print(f"  all models, touch input: {t_all_b:.2f} s (+ {t_build:.2f} s build_journeys) vs target {TARGET_ALL:.0f} s "
          f"-> {(t_all_b + t_build) / TARGET_ALL:.2f} of the budget")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
