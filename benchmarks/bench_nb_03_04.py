"""Notebooks 03_attribution and 04_dashboard on a big client's run: seconds and kernel peak memory.

Issue 16 targets at 10M orders / 1M customers / 15M touchpoints: each notebook about 12 s or
less with its kernel under about 3 GB (two notebooks run side by side). Baseline (main at
23f49d2, 10M, executed cell durations): 03 45.8 s (41.7 s in build_journeys, kernel 12.7 GB in
the issue's run), 04 44.2 s.

The run folder is never changed: its data/, config.yaml, manifest.json and outputs/forecast.csv
are copied to a fresh temporary folder, where the notebooks run one after the other with
papermill (each in its own kernel). Peak memory is the kernel process tree's resident set,
sampled every 0.05 s with psutil (Arrow allocations are invisible to tracemalloc).

Run:  PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_nb_03_04.py RUN_DIR [--keep DIR] [--only 03 04]
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from mopkit.config import load_config
from mopkit.kernels import private_kernel

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = {"03": "03_attribution", "04": "04_dashboard"}


class KernelMemory(threading.Thread):
    """Peak summed RSS of this process's descendants (the kernel and anything it starts)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.me = psutil.Process()
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            total = 0
            for p in self.me.children(recursive=True):
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(0.05)


def copy_run(src: Path, dst: Path) -> None:
    shutil.copytree(src / "data", dst / "data")
    for name in ("config.yaml", "manifest.json"):
        shutil.copy2(src / name, dst / name)
    (dst / "outputs").mkdir()
    if (src / "outputs" / "forecast.csv").exists():  # 04's forecast alert reads it (made by 02)
        shutil.copy2(src / "outputs" / "forecast.csv", dst / "outputs" / "forecast.csv")


def execute(key: str, run_dir: Path) -> dict:
    import papermill as pm

    stem = NOTEBOOKS[key]
    cfg = load_config(run_dir / "config.yaml")
    params = {"run_dir": str(run_dir), "lang": cfg.language, **cfg.notebook_params(stem.split("_", 1)[1])}
    out = run_dir / "notebooks" / f"{stem}.ipynb"
    out.parent.mkdir(exist_ok=True)
    mem = KernelMemory()
    mem.start()
    t0 = time.perf_counter()
    with private_kernel() as kernel:
        pm.execute_notebook(str(ROOT / "notebooks" / f"{stem}.ipynb"), str(out), parameters=params,
                            cwd=str(run_dir), progress_bar=False, kernel_name="python3",
                            extra_arguments=["--IPKernelApp.log_level=CRITICAL"], **kernel)
    wall = time.perf_counter() - t0
    mem.done.set()
    mem.join()
    nb = json.loads(out.read_text(encoding="utf-8"))
    cells = [(c["metadata"].get("papermill", {}).get("duration") or 0.0, "".join(c["source"]).strip().splitlines())
             for c in nb["cells"] if c["cell_type"] == "code"]
    return {"notebook": stem, "wall": wall, "cells_total": sum(d for d, _ in cells), "peak_gb": mem.peak / 1e9,
            "slowest": sorted(((d, next((s for s in src if s and not s.startswith("#")), "")) for d, src in cells),
                              reverse=True)[:3]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_dir", type=Path)
    ap.add_argument("--keep", type=Path, help="run in this (new) folder and keep it, to compare outputs")
    ap.add_argument("--only", nargs="*", default=list(NOTEBOOKS), choices=list(NOTEBOOKS))
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-nb-")) / "run"
    copy_run(args.run_dir, work)
    print(f"{psutil.virtual_memory().available / 1e9:.1f} GB available; run copied to {work}")
    try:
        for key in args.only:
            r = execute(key, work)
            print(f"{r['notebook']:<16} wall {r['wall']:6.1f} s  cells {r['cells_total']:6.1f} s  "
                  f"kernel peak {r['peak_gb']:5.2f} GB")
            for d, line in r["slowest"]:
                print(f"    {d:6.1f} s  {line[:90]}")
    finally:
        if args.keep is None:
            shutil.rmtree(work.parent, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
