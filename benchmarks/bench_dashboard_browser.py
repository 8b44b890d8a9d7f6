"""The served dashboard in headless Chromium: page load to KPI cards, and a channel-filter redraw.

Baseline: issue 6's targets (first render < 3 s on the sample client, filter redraw < 1 s).
The page-load figure includes everything between ``page.goto`` and the GMV card's number:
Voila streaming the executed notebook (with a pre-heated kernel it was executed before the
visit, otherwise the visit waits for a kernel to start and run it: imports, the run's tables,
the cockpit), the browser loading Voila's JavaScript, and the widgets connecting to the kernel.
``bench_dashboard.py`` times the Python side alone.

Visits, on one server (``mopkit serve`` settings: one pre-heated kernel):
  cold   right after the server answers (the pre-heated kernel may still be executing),
  warm   after ``--settle`` seconds (the usual case: the kernel is ready),
  reload right after the warm visit (its replacement kernel is not ready yet);
then ``--no-preheat`` for the kernel-per-visit baseline (the earlier setting, 7-9 s here).

    .venv/bin/python benchmarks/bench_dashboard_browser.py [RUN_DIR] [--settle 12] [--no-preheat]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from mopkit.run import list_notebooks, run_client, sample_config_path
from mopkit.serve import start

CARD = '.mop-kpi[data-metric="gmv"] .mop-kpi-value'
NAV = ("(() => { const n = performance.getEntriesByType('navigation')[0];"
       " return [n.responseStart, n.responseEnd, n.domContentLoadedEventEnd, n.loadEventEnd]; })()")


def visit(browser, url: str, label: str) -> float:
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(url.rstrip("/")) else None)
    t0 = time.perf_counter()
    page.goto(url, timeout=180_000)
    page.locator(CARD).wait_for(timeout=180_000)
    load = time.perf_counter() - t0
    first_byte, html_done, dcl, onload = (x / 1000 for x in page.evaluate(NAV))
    redraws = []
    for option in ("天猫", "抖音", "全部渠道"):
        before = page.locator(CARD).inner_text()
        t0 = time.perf_counter()
        page.locator(".mop-channel select").select_option(label=option)
        page.wait_for_function("([s, o]) => { const e = document.querySelector(s); return e && e.innerText !== o; }",
                               arg=[CARD, before], timeout=60_000)
        redraws.append(time.perf_counter() - t0)
    print(f"{label:>22}: page load to KPI cards {load:.2f} s (target 3 s: {load / 3:.2f} x) "
          f"[first byte {first_byte:.2f}, page streamed {html_done:.2f}, DOMContentLoaded {dcl:.2f}, "
          f"load {onload:.2f}, widgets {load - onload:.2f}]; filter redraws "
          f"{', '.join(f'{r:.2f}' for r in redraws)} s (target 1 s: worst {max(redraws):.2f} x)"
          + (f"; external requests: {external}" if external else ""))
    page.close()
    return load


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run_dir", nargs="?")
    ap.add_argument("--settle", type=float, default=12.0, help="seconds to wait before the warm visit")
    ap.add_argument("--no-preheat", action="store_true", help="also time a kernel per visit (the old setting)")
    args = ap.parse_args()
    if args.run_dir:
        run = Path(args.run_dir)
    else:
        nbs = [p for p in list_notebooks() if p.stem.startswith(("00_", "04_"))]
        run = run_client(sample_config_path(), Path(tempfile.mkdtemp()), notebooks=nbs, report=False, progress=None).run_dir
    settings = [("pre-heated", dict())] + ([("kernel per visit", dict(pool_size=0))] if args.no_preheat else [])
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-dev-shm-usage"])
        for name, kw in settings:
            proc, url = start(run, **kw)
            try:
                if kw.get("pool_size") == 0:
                    visit(browser, url, f"{name}, visit 1")
                    visit(browser, url, f"{name}, visit 2")
                    continue
                visit(browser, url, f"{name}, cold server")
                time.sleep(args.settle)
                visit(browser, url, f"{name}, warm")
                visit(browser, url, f"{name}, reload")
            finally:
                proc.terminate()
                proc.wait(timeout=30)
        browser.close()


if __name__ == "__main__":
    main()
