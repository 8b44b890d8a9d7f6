"""The served dashboard in headless Chromium: page load to KPI cards, and a channel-filter redraw.

Baseline: issue 6's targets (first render < 3 s on the sample client, filter redraw < 1 s).
The page-load figure includes what Voila does per visit — start a kernel, import pandas and
matplotlib, read the run's tables, build the cockpit — which `bench_dashboard.py` (Python side
only) leaves out.

    .venv/bin/python benchmarks/bench_dashboard_browser.py [RUN_DIR]   # default: a fresh demo run
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from mopkit.run import list_notebooks, run_client, sample_config_path
from mopkit.serve import start

CARD = '.mop-kpi[data-metric="gmv"] .mop-kpi-value'


def main() -> None:
    if len(sys.argv) > 1:
        run = Path(sys.argv[1])
    else:
        nbs = [p for p in list_notebooks() if p.stem.startswith(("00_", "04_"))]
        run = run_client(sample_config_path(), Path(tempfile.mkdtemp()), notebooks=nbs, report=False, progress=None).run_dir
    proc, url = start(run)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-dev-shm-usage"])
            for visit in (1, 2):
                page = browser.new_page(viewport={"width": 1280, "height": 1000})
                t0 = time.perf_counter()
                page.goto(url, timeout=180_000)
                page.locator(CARD).wait_for(timeout=180_000)
                load = time.perf_counter() - t0
                redraws = []
                for label in ("天猫", "抖音", "全部渠道"):
                    before = page.locator(CARD).inner_text()
                    t0 = time.perf_counter()
                    page.locator(".mop-channel select").select_option(label=label)
                    page.wait_for_function("([s, o]) => { const e = document.querySelector(s); return e && e.innerText !== o; }",
                                           arg=[CARD, before], timeout=60_000)
                    redraws.append(time.perf_counter() - t0)
                print(f"visit {visit}: page load to KPI cards {load:.2f} s (target 3 s: {load / 3:.2f} x); "
                      f"filter redraws {', '.join(f'{r:.2f}' for r in redraws)} s (target 1 s: worst {max(redraws):.2f} x)")
                page.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
