"""Loader speed and memory: N order rows in one CSV vs the same rows spread over K CSV files.

Baseline: the single file. Each variant is loaded in a fresh subprocess (``load_tables`` on a
client config: one source, or one glob over K files) so peak memory (max RSS) is its own.
Prints wall seconds, microseconds per row, peak RSS and the bytes of the canonical orders table.

Usage: PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_loader.py [--rows 10000000] [--files 20]

``--prepare CONFIG [--runs DIR]``: instead, time ``mopkit.prepare.prepare_run`` on a client config
(load, validate, pseudonymise, stitch and write ``data/*.parquet``) in a fresh process, with its
peak memory (VmHWM); the run folder is deleted afterwards. Baseline: issue 16's measurement of
that step at 10M orders / 15M touchpoints, 69.5 s and a 7.7 GB parent process.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

#: A made-up client needs its own secret salt (the loader refuses to pseudonymise without one).
SALT = "bench-loader-salt-not-a-secret"

_CHILD = r"""
import json, sys, time
from mopkit.config import load_config
from mopkit.data.loader import load_tables
t = time.perf_counter()
res = load_tables(load_config(sys.argv[1]))
sec = time.perf_counter() - t
o = res.tables["orders"]
# VmHWM, not getrusage's ru_maxrss: Linux carries the parent's high-water mark across fork + exec
hwm = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024
print(json.dumps({"sec": sec, "rows": len(o), "maxrss_mb": hwm,
                  "table_mb": o.memory_usage(deep=True).sum() / 2**20}))
"""


def write_rows(folder: Path, n: int, files: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    per = np.array_split(np.arange(n), files)
    t0 = np.datetime64("2024-01-01T00:00:00")
    for k, idx in enumerate(per):
        secs = rng.integers(0, 730 * 86400, idx.size)
        df = pd.DataFrame({
            "订单编号": np.char.add("O", idx.astype(str)),
            "买家ID": np.char.add("U", rng.integers(0, n // 3 + 1, idx.size).astype(str)),
            "下单时间": (t0 + secs.astype("timedelta64[s]")).astype(str),
            "实付金额": np.round(rng.gamma(2.0, 60.0, idx.size), 2),
            "订单状态": rng.choice(["已支付", "已退款", "已取消"], idx.size, p=[0.95, 0.03, 0.02]),
        })
        df.to_csv(folder / f"orders_{k:02d}.csv", index=False)


_PREPARE = r"""
import json, shutil, sys, time
from mopkit.prepare import prepare_run
t = time.perf_counter()
run_dir = prepare_run(sys.argv[1], sys.argv[2])
sec = time.perf_counter() - t
hwm = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024
shutil.rmtree(run_dir)
print(json.dumps({"sec": sec, "maxrss_mb": hwm}))
"""
#: Issue 16's figures for "start + load + validate" at 10M orders / 15M touchpoints (before this work).
PREPARE_BASELINE = {"sec": 69.5, "maxrss_mb": 7.7 * 1024}


def prepare(cfg: str, runs: str) -> int:
    out = subprocess.run([sys.executable, "-c", _PREPARE, cfg, runs], capture_output=True, text=True, check=True)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    b = PREPARE_BASELINE
    print(f"prepare_run {cfg}: {r['sec']:.1f} s, parent peak {r['maxrss_mb'] / 1024:.2f} GB "
          f"(baseline, issue 16 at 10M orders / 15M touchpoints: {b['sec']} s, {b['maxrss_mb'] / 1024:.1f} GB; "
          f"compare like with like)")
    return 0


def run(cfg: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(cfg)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--files", type=int, default=20)
    ap.add_argument("--prepare", metavar="CONFIG", help="time prepare_run on this client config instead")
    ap.add_argument("--runs", default=None, help="runs folder for --prepare (default: a temporary one)")
    a = ap.parse_args(argv)
    if a.prepare:
        if a.runs:
            return prepare(a.prepare, a.runs)
        with tempfile.TemporaryDirectory() as runs:
            return prepare(a.prepare, runs)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "one").mkdir()
        (tmp / "many").mkdir()
        t = time.perf_counter()
        write_rows(tmp / "one", a.rows, 1)
        write_rows(tmp / "many", a.rows, a.files)
        print(f"wrote {a.rows:,} rows as 1 file and as {a.files} files in {time.perf_counter() - t:.0f} s")
        for sub, path in (("one", "orders_00.csv"), ("many", "orders_*.csv")):
            (tmp / sub / "client.yaml").write_text(
                f"client: {{name: bench, slug: bench}}\nsalt: {SALT}\ndata:\n  orders:\n    - {{path: {path}}}\n", encoding="utf-8")
        res = {sub: run(tmp / sub / "client.yaml") for sub in ("one", "many")}
    for sub, r in res.items():
        label = "1 file (baseline)" if sub == "one" else f"{a.files} files"
        print(f"{label:18s} {r['sec']:7.1f} s  {r['sec'] / r['rows'] * 1e6:6.2f} us/row  peak RSS {r['maxrss_mb']:7.0f} MB  "
              f"orders table {r['table_mb']:6.0f} MB  (peak / table {r['maxrss_mb'] / r['table_mb']:.1f}x)")
    one, many = res["one"], res["many"]
    print(f"ratio {a.files} files / 1 file: time {many['sec'] / one['sec']:.2f}x, peak memory {many['maxrss_mb'] / one['maxrss_mb']:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
