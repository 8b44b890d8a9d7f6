"""Regenerate the committed sample merchant files in data_samples/sample_merchant/.

Usage: .venv/bin/python scripts/make_sample.py [--seed 2024] [--customers 20000] [--out DIR]
Deterministic: the same seed writes byte-identical files.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from mopkit.data.sample import generate_sample_merchant, write_sample_files

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--customers", type=int, default=20_000)
    ap.add_argument("--out", default=str(ROOT / "data_samples" / "sample_merchant"))
    args = ap.parse_args(argv)
    t = time.perf_counter()
    sample = generate_sample_merchant(seed=args.seed, n_customers=args.customers)
    gen = time.perf_counter() - t
    paths = write_sample_files(sample, args.out)
    total = time.perf_counter() - t
    size = 0
    for name, p in paths.items():
        size += p.stat().st_size
        print(f"{name:22s} {p.stat().st_size / 1e6:7.2f} MB")
    print(f"{'total':22s} {size / 1e6:7.2f} MB   generate {gen:.1f} s, generate+write {total:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
