"""Benchmark the trigger rules on synthetic data (default: 10M browse events, 1M customers).

Prints the time of each rule (all its firings over the history), of the guards on the current
candidates, of the replay (guards + 7-day outcomes over 90 days), of the holdout hash and of the
whole ``build_triggers`` call, against the issue's target: all rules < 30 s on 2 cores.

Synthetic data, seeded: 1M customers with loader-style pseudonyms (``c_`` + 12 hex digits);
events over the last 90 days (80 % views with log-normal durations, 15 % add-to-cart,
5 % favourites) over 200 SKUs, customers drawn with a skewed activity; 60 % of customers are
buyers with 1-8 paid orders over two years (about 2.4M orders, 1.5 lines each); P(alive) and
tiers for the buyers like notebook 01's output.

Usage: .venv/bin/python benchmarks/bench_triggers.py [--customers 1000000] [--events 10000000]
"""
from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd

import mopkit.triggers as T

TARGET_S = 30.0


def synth(n_customers: int, n_events: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    ids = pd.array([f"c_{x:012x}" for x in rng.choice(2**48, n_customers, replace=False)], dtype="str")
    end = pd.Timestamp("2025-12-31 23:59:59")
    # events: skewed activity per customer
    act = rng.pareto(1.5, n_customers) + 1
    who = rng.choice(n_customers, n_events, p=act / act.sum())
    secs = rng.integers(0, 90 * 86400, n_events)
    kind = rng.choice(np.array(["view", "add_to_cart", "favorite"]), n_events, p=[0.80, 0.15, 0.05])
    skus = np.array([f"SKU{i:03d}" for i in range(200)])
    events = pd.DataFrame({"customer_id": ids[who], "event_time": end - pd.to_timedelta(secs, unit="s"),
                           "event_type": pd.array(kind, dtype="str"), "sku": pd.array(skus[rng.integers(0, 200, n_events)], dtype="str"),
                           "duration_s": np.round(rng.lognormal(3.8, 1.0, n_events), 1)})
    # orders: 60 % buyers, 1-8 orders over two years
    buyers = rng.choice(n_customers, int(0.6 * n_customers), replace=False)
    k = rng.geometric(0.45, buyers.size).clip(1, 8)
    cust = np.repeat(buyers, k)
    osecs = rng.integers(0, 730 * 86400, cust.size)
    orders = pd.DataFrame({"order_id": pd.array([f"o{i}" for i in range(cust.size)], dtype="str"), "customer_id": ids[cust],
                           "order_time": end - pd.to_timedelta(osecs, unit="s"), "amount": np.round(rng.gamma(3, 60, cust.size), 2),
                           "status": "paid", "channel": rng.choice(np.array(["douyin", "tmall", "wechat"]), cust.size)})
    lines = rng.integers(1, 3, cust.size)
    items = pd.DataFrame({"order_id": np.repeat(orders["order_id"].to_numpy(), lines),
                          "sku": pd.array(skus[rng.integers(0, 200, lines.sum())], dtype="str")})
    clv = pd.DataFrame({"customer_id": ids[buyers], "p_alive": rng.beta(2, 2, buyers.size),
                        "tier": rng.choice(np.array(["普通", "VIP", "钻石"]), buyers.size, p=[0.85, 0.12, 0.03]),
                        "segment": rng.choice(np.array(["a", "b", "c"]), buyers.size)})
    clv["monetary"] = clv["tier"].map({"普通": 100.0, "VIP": 1500.0, "钻石": 4000.0})
    customers = pd.DataFrame({"customer_id": ids, "phone": np.where(rng.random(n_customers) < 0.5, "ph_x", None)})
    return events, orders, items, clv, customers


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--events", type=int, default=10_000_000)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    events, orders, items, clv, customers = synth(args.customers, args.events)
    print(f"synthetic data: {len(events):,} events, {len(orders):,} orders, {len(items):,} lines, "
          f"{args.customers:,} customers ({time.perf_counter() - t0:.1f} s)")
    t = time.perf_counter()
    data = T.prepare_data(orders, events=events, order_items=items, customers=customers, clv=clv)
    prep = time.perf_counter() - t
    print(f"prepare_data                {prep:6.1f} s")
    t = time.perf_counter()
    res = T.build_triggers(data, salt="bench", lang="zh")
    total = time.perf_counter() - t
    rules = sum(res.seconds.values())
    for name, s in res.seconds.items():
        row = res.summary.set_index("rule").loc[name]
        print(f"rule {name:22s} {s:6.1f} s   current candidates {int(row['candidates']):>9,}  audience {int(row['audience']):>9,}")
    print(f"all rules                   {rules:6.1f} s   target < {TARGET_S:.0f} s: {'met' if rules < TARGET_S else 'NOT met'} "
          f"({rules / TARGET_S:.2f} x target)")
    print(f"build_triggers (rules + guards + channels/offers + holdout hash + replay) {total:6.1f} s")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
