"""Dashboard first render and filter-change redraw times (Python side).

Targets (issue 6): first render < 3 s on the sample client; a filter change redraws in < 1 s
with 1M orders. Times the Cockpit build (pre-aggregation, alerts, cohorts, basket, first draw)
and each redraw (``Cockpit.refresh``: KPI cards, trend, channel heatmap, waterfall).

    .venv/bin/python benchmarks/bench_dashboard.py [--orders 1000000]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd


def synthetic(n_orders: int, seed: int = 0) -> dict[str, pd.DataFrame]:
    """A synthetic client: ``n_orders`` orders over two years, 5 channels, daily ad spend."""
    rng = np.random.default_rng(seed)
    n_cust = max(n_orders // 4, 10)
    chans = np.array(["douyin", "wechat", "xiaohongshu", "tmall", "search"])
    days = pd.date_range("2024-01-01", "2025-12-31")
    t = days[0] + pd.to_timedelta(rng.integers(0, len(days) * 86400, n_orders), unit="s")
    orders = pd.DataFrame({
        "order_id": np.arange(n_orders).astype(str),
        "customer_id": rng.zipf(1.6, n_orders) % n_cust,
        "order_time": t,
        "amount": rng.gamma(2.0, 80.0, n_orders).round(2),
        "channel": chans[rng.choice(5, n_orders, p=[0.35, 0.25, 0.15, 0.15, 0.10])],
        "status": rng.choice(["paid", "refunded", "cancelled"], n_orders, p=[0.9, 0.06, 0.04]),
    })
    orders["refund_amount"] = np.where(orders["status"] == "refunded", orders["amount"], 0.0)
    n_lines = int(n_orders * 1.6)
    cats = np.array(["lip", "eye", "face", "skin", "body", "hair", "tool", "set"])
    items = pd.DataFrame({
        "order_id": orders["order_id"].to_numpy()[rng.integers(0, n_orders, n_lines)],
        "sku": rng.integers(0, 300, n_lines).astype(str),
        "category": cats[rng.integers(0, len(cats), n_lines)],
        "quantity": rng.integers(1, 4, n_lines), "unit_price": 50.0,
    })
    ads = pd.DataFrame([(d, c) for d in days for c in chans], columns=["date", "channel"])
    ads["impressions"] = rng.integers(5_000, 50_000, len(ads))
    ads["clicks"] = (ads["impressions"] * rng.uniform(0.01, 0.05, len(ads))).astype(int)
    ads["cost"] = (ads["clicks"] * rng.uniform(0.5, 2.0, len(ads))).round(2)
    return {"orders": orders, "order_items": items, "ad_spend": ads}


def bench(name: str, tables: dict[str, pd.DataFrame]) -> None:
    from mopkit.cockpit.dashboard import Cockpit

    t0 = time.perf_counter()
    app = Cockpit.from_tables(tables, lang="zh", as_of="2025-12-31")
    first = time.perf_counter() - t0
    changes = [("channel", "douyin"), ("freq", "D"), ("channel", "wechat"), ("freq", "M"),
               ("metric", "roas"), ("channel", "all"), ("start", pd.Timestamp("2025-06-01").date())]
    redraws = []
    for attr, value in changes:
        getattr(app, attr).value = value  # triggers Cockpit.refresh through the observer
        redraws.append(app.timings[-1])
    n = len(tables["orders"])
    print(f"{name:<28} orders={n:>9,}  first render {first:6.2f} s  "
          f"(of which first draw {app.timings[0]:.2f} s)  redraw median {statistics.median(redraws):.3f} s  "
          f"max {max(redraws):.3f} s  [targets: first < 3 s on the sample, redraw < 1 s at 1M]")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=1_000_000)
    args = ap.parse_args()
    from mopkit.data.sample import generate_sample_merchant
    from mopkit.plotting import apply_theme

    apply_theme("zh")
    s = generate_sample_merchant()
    bench("sample client", {k: s.tables[k] for k in ("orders", "order_items", "ad_spend")})
    t0 = time.perf_counter()
    big = synthetic(args.orders)
    print(f"(synthetic client generated in {time.perf_counter() - t0:.1f} s)")
    bench(f"synthetic {args.orders // 1000}k orders", big)


if __name__ == "__main__":
    main()
