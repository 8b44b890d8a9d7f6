"""The cockpit in headless Chromium: served by Voila, the channel filter changes the KPI cards.

The run folder is prepared from the small sample client (no notebook executed); the dashboard
notebook is parameterised with that run and served by ``mopkit.serve.start`` (Voila on
127.0.0.1, a free port), then driven with Playwright.
"""
from __future__ import annotations

import nbformat
import pytest

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def dashboard_run(small_client, tmp_path_factory):
    from mopkit.run import NOTEBOOKS_DIR, prepare_run

    run_dir = prepare_run(small_client, tmp_path_factory.mktemp("dash_runs"))
    nb = nbformat.read(NOTEBOOKS_DIR / "04_dashboard.ipynb", as_version=4)
    # what papermill does: a cell right after the `parameters` cell overriding them
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", []))
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell(f'run_dir = {str(run_dir)!r}\nlang = "en"',
                                                      metadata={"tags": ["injected-parameters"]}))
    (run_dir / "notebooks").mkdir(exist_ok=True)
    nbformat.write(nb, run_dir / "notebooks" / "04_dashboard.ipynb")
    return run_dir


def test_channel_filter_changes_kpi_numbers(dashboard_run, chromium_path, tmp_path):
    from playwright.sync_api import sync_playwright

    from mopkit.serve import start

    log = open(tmp_path / "voila.log", "wb")
    proc, url = start(dashboard_run, log=log)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path,
                                        args=["--no-sandbox", "--disable-dev-shm-usage"])
            page = browser.new_page(viewport={"width": 1280, "height": 1600})
            page.goto(url, timeout=60_000)
            gmv = page.locator('.mop-kpi[data-metric="gmv"] .mop-kpi-value')
            gmv.wait_for(timeout=60_000)
            before = gmv.inner_text()
            orders_before = page.locator('.mop-kpi[data-metric="orders"] .mop-kpi-value').inner_text()
            assert before.startswith("¥")
            # a trend chart (SVG polyline) is drawn
            assert page.locator("svg.mop-trend polyline").count() >= 2

            page.locator(".mop-channel select").select_option(label="Douyin")
            page.wait_for_function(
                "([sel, old]) => { const e = document.querySelector(sel); return e && e.innerText !== old; }",
                arg=['.mop-kpi[data-metric="gmv"] .mop-kpi-value', before], timeout=30_000)
            after = gmv.inner_text()
            orders_after = page.locator('.mop-kpi[data-metric="orders"] .mop-kpi-value').inner_text()
            to_num = lambda s: float(s.replace("¥", "").replace(",", ""))  # noqa: E731
            # one channel's GMV and orders are part of all channels' totals
            assert 0 < to_num(after) < to_num(before)
            assert 0 < to_num(orders_after) < to_num(orders_before)
            shot = tmp_path / "dashboard.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
