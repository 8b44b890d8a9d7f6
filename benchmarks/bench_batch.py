"""Time a portfolio of sample-sized clients: `mopkit batch` (one run per core) against the same
clients one after another.

Baseline: the same clients run one after another (`run_batch(..., jobs=1)`: each still a
`mopkit run` in its own process, as a consultant would type them in a loop). Clients are sample
merchants of 20,000 customers with different seeds; by default only the data-health and KPI
notebooks run (plus the reports) so that 20 clients twice fit in a quarter of an hour on 2 cores.

    .venv/bin/python benchmarks/bench_batch.py [--clients 20] [--customers 20000] [--only 00 04] [--jobs N]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import yaml

from mopkit.batch import find_configs, run_batch
from mopkit.data.sample import generate_sample_merchant, write_sample_files


def make_clients(root: Path, n: int, customers: int) -> list[Path]:
    for i in range(n):
        folder = root / f"shop{i:02d}"
        write_sample_files(generate_sample_merchant(seed=100 + i, n_customers=customers), folder)
        cfg = yaml.safe_load((folder / "client.yaml").read_text(encoding="utf-8"))
        cfg["client"] = {"name": f"店铺{i:02d}", "slug": f"shop{i:02d}"}
        cfg["salt"] = f"bench-batch-salt-{i}"  # a client of its own needs its own secret salt (synthetic data here)
        (folder / "client.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return find_configs([], root)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--customers", type=int, default=20_000)
    ap.add_argument("--only", nargs="*", default=["00", "04"], help="notebooks (empty: all)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    a = ap.parse_args()
    only = a.only or None
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        t0 = time.perf_counter()
        configs = make_clients(Path(tmp) / "clients", a.clients, a.customers)
        print(f"{a.clients} clients x {a.customers:,} customers written in {time.perf_counter() - t0:.1f} s; "
              f"notebooks: {' '.join(only) if only else 'all'}; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
        seq = run_batch(configs, Path(tmp) / "runs_seq", jobs=1, only=only, progress=None)
        print(f"one after another: {seq.wall_seconds:.1f} s ({seq.wall_seconds / a.clients:.1f} s per client), "
              f"{len(seq.failed)} failed; load {os.getloadavg()[0]:.1f}")
        par = run_batch(configs, Path(tmp) / "runs_par", jobs=a.jobs, only=only, progress=None)
        print(f"mopkit batch -j {a.jobs}: {par.wall_seconds:.1f} s, {len(par.failed)} failed; load {os.getloadavg()[0]:.1f}")
        print(f"speed-up: {seq.wall_seconds / par.wall_seconds:.2f}x (ideal on {a.jobs} free cores: {a.jobs}x)")
        for res in (seq, par):
            if res.failed:  # a benchmark of failing runs measures nothing
                raise SystemExit(f"{len(res.failed)} clients failed, e.g.: {res.failed[0]}")


if __name__ == "__main__":
    main()
