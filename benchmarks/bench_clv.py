"""Benchmark the RFM/CLV step on synthetic data (default: ~10M transactions from 1M customers).

Prints, against named baselines:
1. summary: mopkit.clv.clv_summary vs lifetimes.utils.summary_data_from_transaction_data, both on
   the same full data set (and on a 1M-row subsample), with an identical-output check; plus
   mopkit alone on the same orders with the loader's 128-bit pseudonyms (c_ + 32 hex digits);
2. fit: BG/NBD on weighted unique (frequency, recency, T) rows vs on all rows (same numpy
   engine), vs lifetimes' BetaGeoFitter on all rows (reference), the unique-row ratio, parameters;
3. the whole step (mopkit.clv.customer_value: RFM, summary, 3-model holdout choice, refit,
   Gamma-Gamma, per-customer predictions) in a fresh process: wall time and peak RSS (getrusage).

Synthetic data: a BG/NBD process (Fader, Hardie & Lee 2005) over three years, customers
acquired uniformly, purchase rates Gamma(r=0.15) (strong heterogeneity: about half the
customers buy once), drop-out after each purchase Beta(0.8, 2.0), intraday times, Gamma order
values, text customer ids like pseudonymised ones; seeded.

Usage: .venv/bin/python benchmarks/bench_clv.py [--customers 1000000] [--tx 10000000] [--skip-lifetimes-fit]
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

DAYS = 1095.0


def _simulate(lam, p, birth, rng):
    n = len(lam)
    cust, times = [np.arange(n)], [birth]
    t = birth.copy()
    idx = np.flatnonzero(rng.random(n) >= p)  # BG/NBD: a customer may drop out after each purchase
    while idx.size:
        t[idx] += rng.exponential(1.0, idx.size) / lam[idx]
        buy = idx[t[idx] <= DAYS]
        cust.append(buy)
        times.append(t[buy])
        idx = buy[rng.random(buy.size) >= p[buy]]
    return np.concatenate(cust), np.concatenate(times)


def synth(n_customers: int, n_tx: int, seed: int = 0, r: float = 0.15, a: float = 0.8, b: float = 2.0) -> pd.DataFrame:
    """Canonical-looking orders from a BG/NBD process; the rate scale is tuned on a pilot so the
    expected number of orders is about ``n_tx``; rows in time order."""
    rng = np.random.default_rng(seed)
    birth = rng.random(n_customers) * DAYS
    lam0 = rng.gamma(r, 1.0, n_customers)
    p = rng.beta(a, b, n_customers)
    target, scale = n_tx / n_customers, 0.05
    pilot = np.arange(min(n_customers, 50_000))
    for _ in range(6):
        c, _t = _simulate(lam0[pilot] * scale, p[pilot], birth[pilot], np.random.default_rng(seed + 1))
        scale *= ((target - 1) / (len(c) / len(pilot) - 1)) ** 1.3
    c, tt = _simulate(lam0 * scale, p, birth, rng)
    order = np.argsort(tt, kind="stable")
    c, tt = c[order], tt[order]
    ids = np.array([f"c_{i:010x}" for i in rng.permutation(n_customers) * 7919 + 17], dtype=object)
    return pd.DataFrame({
        "order_id": np.arange(len(c)),
        "customer_id": pd.array(ids[c], dtype="str"),
        "order_time": pd.Timestamp("2023-01-01") + pd.to_timedelta(np.floor(tt * 86400).astype("int64"), unit="s"),
        "amount": np.round(rng.gamma(4.0, 50.0, len(c)), 2),
        "status": "paid",
    })


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def same_summary(a: pd.DataFrame, b: pd.DataFrame) -> str:
    if not a.index.equals(b.index):
        return "NO (index differs)"
    exact = [c for c in ("frequency", "recency", "T") if not np.array_equal(a[c].to_numpy(), b[c].to_numpy())]
    if exact:
        return f"NO ({exact} differ)"
    m, mr = a["monetary_value"].to_numpy(), b["monetary_value"].to_numpy()
    rel = float(np.max(np.abs(m - mr) / np.maximum(np.abs(mr), 1e-300)))
    return f"yes (same ids and order; frequency/recency/T exactly equal; monetary_value max relative difference {rel:.1e})"


def step_child(path: str, time_unit: str) -> None:
    """Run the whole step in this fresh process and print time + peak RSS."""
    orders = pd.read_parquet(path)
    from mopkit.clv import customer_value  # noqa: PLC0415

    base = peak_gb()
    res, t_all = timed(lambda: customer_value(orders, time_unit=time_unit, holdout_days=180, horizon_days=365,
                                               tier_thresholds={"钻石": 3000, "VIP": 1000}, lang="zh"))
    cmp = res.comparison.table
    print(f"[step] customer_value (RFM + summary + calibration/holdout split + 3-model holdout choice + refit + "
          f"Gamma-Gamma + per-customer predictions) on {len(orders):,} orders / {len(res.customers):,} customers: "
          f"{t_all:.1f} s (target < 60 s)")
    print(f"[step] chose {res.model.model} by holdout RMSE, margin {res.comparison.margin:.1%} over the runner-up; "
          f"fit customers per model: {cmp['fit_customers'].to_dict()}")
    print(f"[step] peak RSS of that process: {peak_gb():.2f} GB incl. {base:.2f} GB for Python + the loaded orders "
          f"(target < 4 GB)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--tx", type=int, default=10_000_000)
    ap.add_argument("--time-unit", default="W")
    ap.add_argument("--skip-lifetimes-fit", action="store_true", help="skip lifetimes' all-rows BG/NBD fit (slow)")
    ap.add_argument("--step-child", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.step_child:
        step_child(args.step_child, args.time_unit)
        return

    from mopkit.clv import clv_summary, time_unit_args  # noqa: PLC0415
    from mopkit.clv.likelihoods import unique_rows  # noqa: PLC0415
    from mopkit.clv.models import TransactionModel  # noqa: PLC0415

    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
    orders, t = timed(lambda: synth(args.customers, args.tx))
    n_one = int((orders["customer_id"].value_counts() == 1).sum())
    print(f"synthetic orders: {len(orders):,} rows, {orders['customer_id'].nunique():,} customers "
          f"({n_one / args.customers:.0%} bought once; {t:.1f} s to make)")
    freq, mult = time_unit_args(args.time_unit)

    # 3. whole step first, in a fresh process (its peak memory must not include the baselines) --------
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "orders.parquet")
        orders.to_parquet(path)
        subprocess.run([sys.executable, __file__, "--step-child", path, "--time-unit", args.time_unit], check=True)

    # 1. summary -----------------------------------------------------------------------------------
    kw = dict(freq=freq, freq_multiplier=mult)
    from lifetimes.utils import summary_data_from_transaction_data as lt_summary  # noqa: PLC0415

    def lt(df):
        return lt_summary(df, "customer_id", "order_time", monetary_value_col="amount", **kw)

    summary, t_ours = timed(lambda: clv_summary(orders, **kw))
    ref, t_lt = timed(lambda: lt(orders))
    print(f"\n[summary] {len(orders):,} rows / {len(summary):,} customers: mopkit {t_ours:.2f} s, lifetimes "
          f"{t_lt:.2f} s -> {t_lt / t_ours:.1f}x faster (target >= 15x)")
    print(f"[summary] identical output: {same_summary(summary, ref)}")
    del ref
    # The loader's pseudonyms are longer (c_ + 32 hex digits = 128 bits): too wide for the packed
    # integer keys (at most 16 bytes), so they are grouped by DuckDB hashes with a collision check.
    codes, uniq = pd.factorize(orders["customer_id"])
    hexs = np.random.default_rng(1).bytes(16 * len(uniq)).hex()
    pseudo = np.array([f"c_{hexs[32 * i:32 * i + 32]}" for i in range(len(uniq))], dtype=object)
    orders_p = orders.assign(customer_id=pd.array(pseudo[codes], dtype="str"))
    del codes, uniq, pseudo
    _, t_p = timed(lambda: clv_summary(orders_p, **kw))
    print(f"[summary] same orders with 34-character pseudonyms like the loader's (c_ + 32 hex digits): mopkit {t_p:.2f} s "
          f"-> {t_lt / t_p:.1f}x against the lifetimes time above")
    del orders_p
    sub = orders[orders["customer_id"].isin(summary.index[: len(summary) // 10])]
    s_sub, t_ours1 = timed(lambda: clv_summary(sub, orders["order_time"].max(), **kw))
    r_sub, t_lt1 = timed(lambda: lt_summary(sub, "customer_id", "order_time", monetary_value_col="amount",
                                            observation_period_end=orders["order_time"].max(), **kw))
    print(f"[summary] {len(sub):,}-row subsample (10% of customers): mopkit {t_ours1:.2f} s, lifetimes {t_lt1:.2f} s "
          f"-> {t_lt1 / t_ours1:.1f}x; identical: {same_summary(s_sub, r_sub)}")

    # 2. weighted unique fit vs full fit ----------------------------------------------------------------
    cols = [summary[c].to_numpy(float) for c in ("frequency", "recency", "T")]
    n_u = len(unique_rows(*cols)[1])
    wk = clv_summary(orders, freq="W")
    n_uw = len(unique_rows(*(wk[c].to_numpy(float) for c in ("frequency", "recency", "T")))[1])
    print(f"\n[fit] unique (frequency, recency, T) rows: {n_u:,} of {len(summary):,} customers "
          f"({n_u / len(summary):.1%}) at day grain counted in weeks (time_unit W); "
          f"{n_uw:,} ({n_uw / len(summary):.1%}) if purchases were merged per calendar week")
    w, t_w = timed(lambda: TransactionModel("bgnbd", weighted=True).fit(summary))
    f, t_f = timed(lambda: TransactionModel("bgnbd", weighted=False).fit(summary))
    rel = max(abs(w.params_[k] / f.params_[k] - 1) for k in w.params_)
    print(f"[fit] BG/NBD numpy engine: weighted unique rows {t_w:.2f} s vs all rows {t_f:.2f} s -> {t_f / t_w:.1f}x "
          f"(same engine; the gain is the unique-row ratio); max relative parameter difference {rel:.1e}")
    print(f"[fit] params weighted {', '.join(f'{k}={v:.5f}' for k, v in w.params_.items())}")
    print(f"[fit] params all rows {', '.join(f'{k}={v:.5f}' for k, v in f.params_.items())}")
    if not args.skip_lifetimes_fit:
        lw, t_lw = timed(lambda: TransactionModel("bgnbd", weighted=True, engine="lifetimes").fit(summary))
        lf, t_lf = timed(lambda: TransactionModel("bgnbd", weighted=False, engine="lifetimes").fit(summary))
        rel2 = max(abs(w.params_[k] / lf.params_[k] - 1) for k in w.params_)
        print(f"[fit] lifetimes BetaGeoFitter on all rows (reference): {t_lf:.2f} s -> mopkit weighted numpy is "
              f"{t_lf / t_w:.1f}x faster (target >= 4x); lifetimes on weighted unique rows {t_lw:.2f} s "
              f"({t_lf / t_lw:.1f}x vs its all-rows fit); max relative parameter difference vs lifetimes all rows {rel2:.1e}")
    for name in ("pareto_nbd", "mbgnbd"):
        m, t_m = timed(lambda: TransactionModel(name).fit(summary))
        print(f"[fit] {name}: {t_m:.2f} s on {m.n_fit_customers_:,} of {m.n_customers_:,} customers "
              f"({m.n_rows_:,} unique rows)")
    print(f"\npeak RSS of this (baseline) process: {peak_gb():.2f} GB")


if __name__ == "__main__":
    main()
