"""Time one big client end to end, per stage, with the peak memory of the whole process tree.

Builds a synthetic client in canonical Parquet (orders, touchpoints, ad spend; canonical headers,
so no column mapping), runs ``mopkit run`` on it in a child process and samples the resident
memory of that process and all its children (the notebook kernels) with psutil every 0.1 s.

Baseline: the figures of issue 16 on this 2-core machine (before this work):
1M orders 90 s total, 2.7 GB peak; 10M orders 504 s, 18.5 GB. Targets: 1M under 40 s,
10M under 180 s and 8 GB.

    .venv/bin/python benchmarks/bench_big_client.py [--orders 1000000] [--only 00 01 04] [--keep DIR]

10M orders needs about 20 GB of free memory before this work; check ``free -g`` first.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import yaml

BASELINE = {1_000_000: (90.0, 2.7), 10_000_000: (504.0, 18.5)}  # seconds, GB (issue 16)
TARGET = {1_000_000: (40.0, None), 10_000_000: (180.0, 8.0)}
CHANNELS = np.array(["douyin", "wechat", "xiaohongshu", "tmall", "search"])


def make_client(folder: Path, n_orders: int, seed: int = 0) -> Path:
    """A synthetic client: n_orders orders from n_orders / 10 customers over two years, 1.5
    touchpoints per order, daily ad spend per channel. Canonical Parquet files + client.yaml."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    n_cust = max(1, n_orders // 10)
    start = np.datetime64("2024-01-01T00:00:00")
    span_s = 730 * 86400
    # gamma-heterogeneous purchase rates: many one-time buyers, a few heavy ones
    rate = rng.gamma(0.6, 1.0, n_cust)
    cust = rng.choice(n_cust, size=n_orders, p=rate / rate.sum())
    ids = np.char.add("c", np.arange(n_cust).astype(str))
    t = start + rng.integers(0, span_s, n_orders).astype("timedelta64[s]")
    status = rng.choice(np.array(["paid", "refunded", "cancelled"]), n_orders, p=[0.92, 0.05, 0.03])
    amount = np.round(rng.gamma(2.0, 80.0, n_orders), 2)
    orders = pd.DataFrame({
        "order_id": np.char.add("o", np.arange(n_orders).astype(str)), "customer_id": ids[cust], "order_time": t,
        "amount": amount, "channel": CHANNELS[rng.integers(0, 5, n_orders)], "status": status,
        "refund_amount": np.where(status == "refunded", amount, 0.0)})
    orders.to_parquet(folder / "orders.parquet", index=False)
    n_touch = n_orders * 3 // 2
    tcust = rng.integers(0, n_cust, n_touch)
    pd.DataFrame({"customer_id": ids[tcust], "touch_time": start + rng.integers(0, span_s, n_touch).astype("timedelta64[s]"),
                  "channel": CHANNELS[rng.integers(0, 5, n_touch)],
                  "interaction": np.array(["impression", "click", "view"])[rng.integers(0, 3, n_touch)]}
                 ).to_parquet(folder / "touchpoints.parquet", index=False)
    days = pd.date_range("2024-01-01", periods=730, freq="D")
    spend = pd.DataFrame({"date": np.repeat(days, 5), "channel": np.tile(CHANNELS, 730)})
    spend["cost"] = np.round(rng.gamma(4.0, n_orders / 2000, len(spend)), 2)
    spend.to_parquet(folder / "ad_spend.parquet", index=False)
    cfg = {"client": {"name": f"Big client {n_orders:,}", "slug": "big"}, "language": "en", "currency": "CNY",
           "window": {"start": "2024-01-01", "end": "2025-12-31"},
           "data": {"orders": {"path": "orders.parquet"}, "touchpoints": {"path": "touchpoints.parquet"},
                    "ad_spend": {"path": "ad_spend.parquet"}},
           "notebooks": {"forecast": {"epochs": 15, "folds": 2}}}
    (folder / "client.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return folder / "client.yaml"


class TreeMemory(threading.Thread):
    """Peak resident memory (bytes) of a process and all its descendants, sampled every 0.1 s."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.peak = 0
        self.peak_parent = 0
        self.parent_with_kernels = 0  # the parent's memory while notebook kernels run
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
                rss = []
                for p in procs:
                    try:
                        rss.append(p.memory_info().rss)
                    except psutil.Error:
                        rss.append(0)
                self.peak = max(self.peak, sum(rss))
                self.peak_parent = max(self.peak_parent, rss[0])
                if len(procs) > 1:
                    self.parent_with_kernels = max(self.parent_with_kernels, rss[0])
            except psutil.Error:
                pass
            time.sleep(0.1)


def run(config: Path, runs: Path, only: list[str] | None) -> dict:
    cmd = [sys.executable, "-m", "mopkit.cli", "run", str(config), "--runs", str(runs)]
    if only:
        cmd += ["--only", *only]
    t0 = time.perf_counter()
    # a real client needs a secret salt (mopkit refuses to pseudonymise without one); a fixed one here
    env = dict(os.environ, MOPKIT_SALT=os.environ.get("MOPKIT_SALT", "bench-big-client-salt"))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    mem = TreeMemory(proc.pid)
    mem.start()
    marks = []
    for line in proc.stdout:
        marks.append((time.perf_counter() - t0, line.rstrip()))
    proc.wait()
    total = time.perf_counter() - t0
    mem.done.set()
    mem.join()
    first_nb = next((t for t, m in marks if re.match(r"\[1/\d+\] \S+ …", m)), total)
    report = next((t for t, m in marks if m.startswith("building")), total)
    run_dir = next((Path(m.split(": ", 1)[1]) for _, m in marks if m.startswith("run folder: ")), None)
    if run_dir is None:
        raise SystemExit("the run did not start:\n" + "\n".join(m for _, m in marks[-20:]))
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    return {"code": proc.returncode, "total": total, "start+load": first_nb, "report": total - report,
            "notebooks_wall": report - first_nb,
            "notebooks": {n["name"]: (n["status"], n["seconds"]) for n in manifest["notebooks"]},
            "peak_gb": mem.peak / 1e9, "peak_parent_gb": mem.peak_parent / 1e9,
            "parent_with_kernels_gb": mem.parent_with_kernels / 1e9, "log": [m for _, m in marks]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, nargs="*", default=[1_000_000])
    ap.add_argument("--only", nargs="*", default=None, help="notebooks (default: all)")
    ap.add_argument("--keep", default=None, help="keep the client and run here")
    a = ap.parse_args()
    base = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="bench-big-"))
    print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, {psutil.virtual_memory().available / 1e9:.1f} GB free")
    for n in a.orders:
        t0 = time.perf_counter()
        cfg = make_client(base / f"client_{n}", n)
        print(f"\n{n:,} orders: synthetic client written in {time.perf_counter() - t0:.1f} s")
        r = run(cfg, base / f"runs_{n}", a.only)
        if r["code"] not in (0, 1):
            print("\n".join(r["log"][-20:]))
        print(f"  {'start + load + validate':<26}{r['start+load']:>8.1f} s")
        for name, (status, sec) in r["notebooks"].items():
            print(f"  {name:<26}{sec:>8.1f} s  {status}")
        print(f"  {'notebooks, wall clock':<26}{r['notebooks_wall']:>8.1f} s  (side by side: `mopkit run -j`, default one per core)")
        print(f"  {'report':<26}{r['report']:>8.1f} s")
        print(f"  {'total':<26}{r['total']:>8.1f} s   peak memory: process tree {r['peak_gb']:.2f} GB, "
              f"parent alone {r['peak_parent_gb']:.2f} GB, parent while kernels run {r['parent_with_kernels_gb']:.2f} GB")
        if n in BASELINE:
            bs, bm = BASELINE[n]
            ts, tm = TARGET[n]
            print(f"  baseline (issue 16): {bs:.0f} s, {bm} GB -> {bs / r['total']:.2f}x faster; target {ts:.0f} s"
                  + (f", {tm} GB" if tm else "") + f" (load average now {os.getloadavg()[0]:.1f})")
    if not a.keep:
        import shutil

        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
