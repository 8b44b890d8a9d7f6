"""Time notebooks 05_triggers and 06_propensity on an existing run, and the kernel's peak memory.

Executes each notebook with papermill (as ``mopkit run`` does) into a COPY of the run folder
(outputs are rewritten there), reads the cell durations papermill records, and samples the
resident memory of the process tree (the kernel is a child process; tracemalloc cannot see
Arrow) every 50 ms to report the peak. Issue 16 targets at 10M orders: 06 <= ~25 s, 05 <= ~12 s,
a kernel <= ~3 GB (baseline measured before this change: 06 93.3 s, 05 48.6 s).
After the training sample cap and one-table-at-a-time indexing (side by side, loaded machine,
10M orders): 06 153.0 s -> 70.4 s, kernel peak 5.01 -> 3.39 GB; 05 (unchanged: the control)
59.8 s -> 44.9 s. Set MOPKIT_SALT for a client that is not the sample (05 needs the salt).

Usage: PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_nb_05_06.py RUN_COPY [--only 05 06]
"""
from __future__ import annotations

import argparse
import json
import threading
import time
from pathlib import Path

import psutil
import yaml

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = {"05": "05_triggers", "06": "06_propensity"}


class PeakRSS(threading.Thread):
    """Largest summed RSS of this process's children (the kernel and anything it starts)."""

    def __init__(self, every: float = 0.05):
        super().__init__(daemon=True)
        self.every, self.peak, self.stop_flag = every, 0, False

    def run(self):
        me = psutil.Process()
        while not self.stop_flag:
            total = 0
            for p in me.children(recursive=True):
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(self.every)


def run_one(run_dir: Path, stem: str) -> dict:
    import papermill as pm

    from mopkit.kernels import private_kernel

    out = run_dir / "notebooks" / f"{stem}.bench.ipynb"
    lang = (yaml.safe_load((run_dir / "config.yaml").read_text(encoding="utf-8")) or {}).get("language", "zh")
    mon = PeakRSS()
    mon.start()
    t0 = time.perf_counter()
    with private_kernel() as kernel:
        pm.execute_notebook(str(REPO / "notebooks" / f"{stem}.ipynb"), str(out), parameters={"run_dir": str(run_dir), "lang": lang},
                            cwd=str(run_dir), progress_bar=False, kernel_name="python3", log_output=False, **kernel)
    wall = time.perf_counter() - t0
    mon.stop_flag = True
    mon.join()
    nb = json.loads(out.read_text(encoding="utf-8"))
    cells = [round(c["metadata"].get("papermill", {}).get("duration") or 0.0, 1) for c in nb["cells"] if c["cell_type"] == "code"]
    return {"notebook": stem, "wall_s": round(wall, 1), "cells_s": round(sum(cells), 1), "cell_durations": cells,
            "kernel_peak_gb": round(mon.peak / 1e9, 2)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run_dir", type=Path, help="a copy of a run folder (its outputs are rewritten)")
    ap.add_argument("--only", nargs="*", default=["06", "05"])
    a = ap.parse_args()
    for k in a.only:
        print(json.dumps(run_one(a.run_dir.resolve(), NOTEBOOKS[k])), flush=True)


if __name__ == "__main__":
    main()
