"""Benchmark the RFM/CLV step on synthetic data (default: 10M transactions from 1M customers).

Prints, against named baselines:
1. summary: mopkit.clv.clv_summary vs lifetimes.utils.summary_data_from_transaction_data
   (lifetimes is timed on a subsample of --lt-rows transactions because it is very slow at 10M;
   the ratio is stated at equal size, and outputs are checked identical on that subsample);
2. fit: BG/NBD on weighted unique (frequency, recency, T) rows vs on all rows (same parameters);
3. the whole step (mopkit.clv.customer_value: RFM, summary, holdout model choice, refit,
   Gamma-Gamma, per-customer predictions) time and the process's peak memory (getrusage).

Usage: .venv/bin/python benchmarks/bench_clv.py [--customers 1000000] [--tx 10000000] [--lt-rows 1000000]
"""
from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd


def synth(n_customers: int, n_tx: int, seed: int = 0) -> pd.DataFrame:
    """Canonical-looking orders: BG/NBD-like repeat buying over two years, Gamma order values."""
    rng = np.random.default_rng(seed)
    days = 730.0
    birth = rng.random(n_customers) * days
    lam = rng.gamma(0.6, 1.0, n_customers)
    lam *= (n_tx / n_customers - 1) / np.mean(lam * (days - birth) * 0.55)  # scale to hit n_tx on average
    p = rng.beta(1.0, 12.0, n_customers)
    cust, times = [np.arange(n_customers)], [birth]
    t = birth.copy()
    alive = np.ones(n_customers, dtype=bool)
    while alive.any():
        idx = np.flatnonzero(alive)
        t[idx] += rng.exponential(1.0, idx.size) / lam[idx]
        buy = idx[t[idx] <= days]
        cust.append(buy)
        times.append(t[buy])
        alive[:] = False
        alive[buy[rng.random(buy.size) >= p[buy]]] = True
    c = np.concatenate(cust)
    tt = np.concatenate(times)
    if len(c) > n_tx:
        keep = np.sort(rng.choice(len(c), n_tx, replace=False))
        keep = np.union1d(keep, np.arange(n_customers))  # every customer keeps the first purchase
        c, tt = c[keep], tt[keep]
    ids = pd.array([f"c_{i:012x}" for i in rng.permutation(16 ** 6)[:n_customers] * 7919], dtype="str")
    return pd.DataFrame({
        "order_id": np.arange(len(c)),
        "customer_id": pd.Series(ids).take(c).to_numpy(),
        "order_time": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.floor(tt * 86400).astype("int64"), unit="s"),
        "amount": np.round(rng.gamma(4.0, 50.0, len(c)), 2),
        "status": "paid",
    })


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--tx", type=int, default=10_000_000)
    ap.add_argument("--lt-rows", type=int, default=1_000_000)
    ap.add_argument("--time-unit", default="W")
    args = ap.parse_args()

    from mopkit.clv import clv_summary, customer_value, time_unit_args
    from mopkit.clv_models import TransactionModel

    t = time.perf_counter()
    orders = synth(args.customers, args.tx)
    print(f"synthetic orders: {len(orders):,} rows, {orders['customer_id'].nunique():,} customers ({time.perf_counter() - t:.1f} s to make)")
    freq, mult = time_unit_args(args.time_unit)

    # 1. summary ------------------------------------------------------------------------------
    t = time.perf_counter()
    summary = clv_summary(orders, freq=freq, freq_multiplier=mult)
    t_ours_full = time.perf_counter() - t
    sub_customers = orders["customer_id"].drop_duplicates().iloc[: max(1, int(args.customers * args.lt_rows / len(orders)))]
    sub = orders[orders["customer_id"].isin(sub_customers)]
    end = orders["order_time"].max()
    from lifetimes.utils import summary_data_from_transaction_data

    t = time.perf_counter()
    ours_sub = clv_summary(sub, end, freq=freq, freq_multiplier=mult)
    t_ours_sub = time.perf_counter() - t
    t = time.perf_counter()
    ref = summary_data_from_transaction_data(sub, "customer_id", "order_time", monetary_value_col="amount",
                                             observation_period_end=end, freq=freq, freq_multiplier=mult).sort_index()
    t_lt_sub = time.perf_counter() - t
    same = (ours_sub.index.equals(ref.index.astype(ours_sub.index.dtype))
            and np.allclose(ours_sub.to_numpy(), ref.to_numpy(), rtol=1e-12, atol=0))
    print(f"\n[summary] mopkit on all {len(orders):,} rows: {t_ours_full:.2f} s")
    print(f"[summary] on the same {len(sub):,}-row subsample: mopkit {t_ours_sub:.2f} s, lifetimes {t_lt_sub:.2f} s "
          f"-> {t_lt_sub / t_ours_sub:.1f}x faster (equal size); identical output: {same}")
    print(f"[summary] lifetimes extrapolated linearly to {len(orders):,} rows: ~{t_lt_sub * len(orders) / len(sub):.0f} s "
          f"-> ~{t_lt_sub * len(orders) / len(sub) / t_ours_full:.0f}x (extrapolation, not measured)")

    # 2. weighted unique fit vs full fit -------------------------------------------------------
    t = time.perf_counter()
    w = TransactionModel("bgnbd", weighted=True).fit(summary)
    t_w = time.perf_counter() - t
    t = time.perf_counter()
    f = TransactionModel("bgnbd", weighted=False).fit(summary)
    t_f = time.perf_counter() - t
    rel = max(abs(w.params_[k] / f.params_[k] - 1) for k in w.params_)
    print(f"\n[fit] BG/NBD on {w.n_rows_:,} unique histories (weighted): {t_w:.2f} s; on all {f.n_rows_:,} customers: "
          f"{t_f:.2f} s -> {t_f / t_w:.1f}x faster; max relative parameter difference {rel:.1e}")
    print(f"[fit] params weighted {', '.join(f'{k}={v:.4f}' for k, v in w.params_.items())}")
    print(f"[fit] params full     {', '.join(f'{k}={v:.4f}' for k, v in f.params_.items())}")
    del f

    # 3. whole step ------------------------------------------------------------------------------
    t = time.perf_counter()
    res = customer_value(orders, time_unit=args.time_unit, holdout_days=180, horizon_days=365,
                         tier_thresholds={"钻石": 3000, "VIP": 1000}, language="zh")
    t_all = time.perf_counter() - t
    print(f"\n[step] customer_value (RFM + summary + 3-model holdout choice + refit + Gamma-Gamma + predictions) on "
          f"{len(orders):,} orders / {len(res.customers):,} customers: {t_all:.1f} s (target < 60 s); chose {res.model.model}")
    print(f"[step] peak memory of this process (incl. the lifetimes baselines above): {peak_gb():.2f} GB (target < 4 GB)")


if __name__ == "__main__":
    main()
