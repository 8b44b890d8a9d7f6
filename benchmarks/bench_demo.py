"""Time `mopkit demo` end to end and per step, on the bundled sample merchant.

Baseline: the foundation issue's target of 30 s for the data pipeline (load + validation +
00_data_health + reports) on 2 cores; the analysis notebooks are timed and listed beside it.

    .venv/bin/python benchmarks/bench_demo.py
"""
from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

from mopkit.config import load_config
from mopkit.data.loader import load_tables
from mopkit.run import run_client, sample_config_path

TARGET_FOUNDATION_S = 30.0


def main() -> None:
    cfg = sample_config_path()
    t0 = time.perf_counter()
    loaded = load_tables(load_config(cfg))
    t_load = time.perf_counter() - t0
    rows = sum(len(df) for df in loaded.tables.values())
    with tempfile.TemporaryDirectory() as tmp:
        marks: list[tuple[str, float]] = []
        t_start = time.perf_counter()

        def progress(msg: str) -> None:
            marks.append((msg, time.perf_counter() - t_start))

        res = run_client(cfg, Path(tmp), progress=progress)
        total = time.perf_counter() - t_start
        report_start = next((t for m, t in marks if m.startswith("building")), total)
        t_report = total - report_start
    print(f"sample merchant: {rows:,} rows in {len(loaded.tables)} tables")
    print(f"{'step':<28}{'seconds':>9}")
    print(f"{'load + validate + privacy':<28}{t_load:>9.1f}")
    for n in res.notebooks:
        print(f"{n.name:<28}{n.seconds:>9.1f}  {n.status}")
    print(f"{'HTML pages + PDF report':<28}{t_report:>9.1f}")
    print(f"{'mopkit demo, end to end':<28}{total:>9.1f}")
    nb00 = next((n.seconds for n in res.notebooks if n.name.startswith("00_")), 0.0)
    foundation = t_load + nb00 + t_report
    print(f"foundation pipeline (load + 00_data_health + reports): {foundation:.1f} s "
          f"= {foundation / TARGET_FOUNDATION_S:.2f} x the {TARGET_FOUNDATION_S:.0f} s target")
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB "
          "(notebooks run in their own kernels)")
    print("run ok" if res.ok else "RUN FAILED:\n" + res.summary())


if __name__ == "__main__":
    main()
