"""The published cockpit: HTML size, publish time, first paint and filter redraw in Chromium.

Clients: the bundled sample merchant (its data loaded by ``prepare_run``, no notebook executed,
so panels fed by other notebooks' outputs show "not in this run") and a synthetic 1M-order
client (``bench_dashboard.synthetic``) written into a copy of that run folder.

Baselines named in the output: Plotly's ``plotly.min.js`` as bundled in the ``plotly`` 7.1.0 wheel
(4,815,814 bytes, measured from the wheel: the chart library alone, before any data) and the
Voila-served dashboard's page load with a pre-heated kernel (2.5-3.7 s, bench_dashboard_browser).
Targets (issue 12): < 5 MB for the sample, first paint < 2 s in headless Chromium.

    .venv/bin/python benchmarks/bench_publish.py [--orders 1000000]
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

PLOTLY_MIN_JS = 4_815_814
VOILA_LOAD_S = (2.5, 3.7)


def browser_times(html: Path) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-dev-shm-usage"])
        page = b.new_page(viewport={"width": 1400, "height": 1000})
        external = []
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else (external.append(r.request.url), r.abort()))
        t0 = time.perf_counter()
        page.goto(html.as_uri())
        page.wait_for_selector("body[data-ready]")
        ready = time.perf_counter() - t0
        paint = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0].startTime") / 1000
        redraws = []
        for sel in ('[data-preset="all"]', '[data-freq="W"]', '[data-preset="ytd"]', '[data-freq="M"]',
                    'nav button[data-page="ops"]', '[data-preset="lm"]', 'nav button[data-page="exec"]'):
            before = page.get_attribute("body", "data-ready")
            t1 = time.perf_counter()
            page.click(sel)
            page.wait_for_function("(b) => document.body.getAttribute('data-ready') !== b", arg=before)
            redraws.append(time.perf_counter() - t1)
        b.close()
    return {"paint": paint, "ready": ready, "redraw_med": statistics.median(redraws), "redraw_max": max(redraws),
            "external": len(external)}


def measure(name: str, run: Path) -> None:
    from mopkit.publish import build_payload, render_html

    t0 = time.perf_counter()
    payload = build_payload(run, "zh")
    t_payload = time.perf_counter() - t0
    html = render_html(payload)
    out = run / "html" / "cockpit_zh.html"
    out.parent.mkdir(exist_ok=True)
    out.write_text(html, encoding="utf-8")
    size = out.stat().st_size
    b = browser_times(out)
    print(f"{name:<26} publish {t_payload:5.2f} s  size {size / 1e6:5.2f} MB "
          f"(data {(size - 1_121_883) / 1e6:4.2f} MB; Plotly's library alone {PLOTLY_MIN_JS / 1e6:.2f} MB)  "
          f"first paint {b['paint']:.2f} s  all drawn {b['ready']:.2f} s (Voila page load {VOILA_LOAD_S[0]}-{VOILA_LOAD_S[1]} s)  "
          f"redraw median {b['redraw_med'] * 1000:.0f} ms max {b['redraw_max'] * 1000:.0f} ms  "
          f"external requests {b['external']}  [targets: < 5 MB (sample), paint < 2 s]", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=1_000_000)
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_dashboard import synthetic

    from mopkit.run import prepare_run, sample_config_path

    tmp = Path(tempfile.mkdtemp(prefix="bench-publish-"))
    try:
        run = prepare_run(sample_config_path(), tmp / "runs")
        measure("sample merchant", run)
        big = tmp / "big"
        shutil.copytree(run, big)
        for name, df in synthetic(args.orders).items():
            df.to_parquet(big / "data" / f"{name}.parquet")
        measure(f"synthetic {args.orders:,} orders", big)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
