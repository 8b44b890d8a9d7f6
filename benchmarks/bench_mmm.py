"""Benchmark: marketing-mix fit + bootstrap intervals + budget optimisation.

Two years of daily data, 6 channels with planted adstock + Hill curves (seeded), as in the
issue's speed target: under 60 s on 2 cores. Also the bundled sample merchant (5 channels).
Prints wall-clock times and the ratio to the 60 s budget.

Usage: PYTHONPATH=. .venv/bin/python benchmarks/bench_mmm.py [--boot 40]
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from mopkit import mmm

TARGET_S = 60.0  # issue 15: fit + intervals + optimisation on two years daily, 6 channels


def synthetic(seed: int = 0, T: int = 730, C: int = 6):
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-01-01", periods=T)
    theta = rng.uniform(0.05, 0.7, C)
    base = rng.uniform(200, 1500, C)
    K = base * rng.uniform(0.5, 2.0, C)
    S = rng.uniform(0.8, 2.5, C)
    beta = rng.uniform(1500, 5000, C)
    X = np.empty((T, C))
    for c in range(C):
        X[:, c] = base[c] * np.repeat(rng.uniform(0.2, 2.0, T // 14 + 1), 14)[:T] * rng.lognormal(0, 0.3, T)
        p = rng.integers(30, T - 30)
        X[p:p + 14, c] = 0.0
    doy = dates.day_of_year.to_numpy()
    y = 20000 * (1 + 0.3 * np.arange(T) / T) * (1 + 0.1 * np.sin(2 * np.pi * doy / 365.25))
    contrib = np.column_stack([beta[c] * mmm.hill(mmm.geometric_adstock(X[:, c], theta[c]), K[c], S[c]) for c in range(C)])
    y = y + contrib.sum(axis=1) + rng.normal(0, 600, T)
    frame = pd.DataFrame({"date": dates, "y": y, **{f"ch{c}": X[:, c] for c in range(C)}})
    frame.attrs["channels"] = [f"ch{c}" for c in range(C)]
    return frame, {"theta": theta, "K": K, "contrib": contrib.sum(axis=0)}


def run(frame, n_boot):
    t0 = time.perf_counter()
    res = mmm.budget_analysis(frame, n_boot=n_boot, seed=0, lang="en")
    total = time.perf_counter() - t0
    return res, total


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--boot", type=int, default=40)
    args = ap.parse_args(argv)
    frame, truth = synthetic()
    res, total = run(frame, args.boot)
    m = res.model
    print(f"synthetic: {len(frame)} days x {len(m.channels_)} channels, {args.boot} bootstrap refits")
    print(f"  fit + intervals + plan + scenarios: {total:6.1f} s   ({total / TARGET_S:.2f} x the {TARGET_S:.0f} s target)")
    print(f"  theta abs error max {np.max(np.abs(m.theta_ - truth['theta'])):.3f}; "
          f"K rel error max {np.max(np.abs(m.K_ / truth['K'] - 1)):.1%}; "
          f"contribution rel error max {np.max(np.abs(m.contributions_.sum().to_numpy() / truth['contrib'] - 1)):.1%}")
    print(f"  holdout MAPE {m.holdout_['mape']:.1%}, in-sample R2 {m.r2_:.3f}, plan gain {res.summary['expected_value_change']:,.0f} "
          f"[{res.summary['expected_value_change_low']:,.0f}, {res.summary['expected_value_change_high']:,.0f}] per 30 days")

    from mopkit.data.sample import generate_sample_merchant

    sm = generate_sample_merchant(seed=2024, n_customers=20_000)
    f = mmm.mmm_frame(sm.tables["orders"], sm.tables["ad_spend"])
    res, total = run(f, args.boot)
    print(f"sample merchant: {len(f)} days x {len(f.attrs['channels'])} channels: {total:6.1f} s, method {res.method}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
