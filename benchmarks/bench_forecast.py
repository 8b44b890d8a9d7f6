"""Benchmark: LSTM training + full rolling-origin backtest on two years of daily orders.

Target (issue 4): under 60 s on 2 CPU cores for the whole ``forecast_demand`` call (3 folds x
4 models, then the winner refitted on all data). Prints the time against that target and the
backtest WAPE of each model; the baseline to beat is seasonal naive (lag 7).

    .venv/bin/python benchmarks/bench_forecast.py [--folds 3] [--horizon 14] [--epochs 40]
"""
from __future__ import annotations

import argparse
import time

TARGET_S = 60.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--horizon", type=int, default=14)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--target", default="orders", choices=["orders", "gmv"])
    args = ap.parse_args()

    from mopkit.data.sample import generate_sample_merchant
    from mopkit.forecast import daily_series, forecast_demand

    t0 = time.perf_counter()
    sample = generate_sample_merchant(seed=2024)
    series = daily_series(sample.tables["orders"], args.target)
    t_data = time.perf_counter() - t0
    import torch  # imported here so its import time is not charged to the forecast

    t1 = time.perf_counter()
    res = forecast_demand(series, horizon=args.horizon, folds=args.folds, epochs=args.epochs, seed=args.seed)
    t_fc = time.perf_counter() - t1

    n = len(series.frame)
    print(f"series: {n} days of daily {args.target} (sample merchant, seed 2024), built in {t_data:.1f} s")
    print(f"torch {torch.__version__}, threads used by the LSTM: 1")
    print(f"forecast_demand (backtest {args.folds} folds x {args.horizon} days, 4 models, + final refit): "
          f"{t_fc:.1f} s  (target < {TARGET_S:.0f} s: {'OK' if t_fc < TARGET_S else 'MISSED'}, "
          f"{t_fc / TARGET_S:.2f} of budget)")
    lb = res.backtest.leaderboard
    naive = float(lb.set_index("model").loc["seasonal_naive", "wape"])
    print(f"{'model':<16}{'WAPE %':>8}{'MAPE %':>8}{'MASE':>7}{'bias %':>8}{'cover':>7}{'vs naive':>10}")
    for _, r in lb.iterrows():
        print(f"{r['model']:<16}{r['wape']:8.2f}{r['mape']:8.2f}{r['mase']:7.2f}{r['bias']:8.2f}"
              f"{r['coverage']:7.2f}{r['wape'] / naive:10.2f}")
    print(f"winner: {res.winner}; interval level {res.level:.0%}, empirical (cross-conformal) coverage {res.coverage:.0%}")
    if res.notes:
        print("notes:", *res.notes, sep="\n  ")


if __name__ == "__main__":
    main()
