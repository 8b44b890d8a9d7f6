"""The dashboard server serves nothing outside the run's dashboard.

The browser test of the served dashboard is tests/test_dashboard_browser.py.
"""
from __future__ import annotations

import http.client
from urllib.parse import urlparse

import pytest

from mopkit.serve import start, stop


@pytest.fixture(scope="module")
def served(small_run):
    run = small_run.run_dir
    (run / ".env").write_text("SECRET=canary-env\n", encoding="utf-8")
    (run / "notebooks" / "secret.txt").write_text("canary-txt\n", encoding="utf-8")
    proc, url = start(run)
    try:
        yield run, url
    finally:
        stop(proc)  # Voila and its pre-heated kernel
        (run / ".env").unlink()
        (run / "notebooks" / "secret.txt").unlink()


def _get(url: str, raw_path: str) -> tuple[int, bytes]:
    """GET a raw, un-normalised path (a browser would fold the ../ before sending it)."""
    u = urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    conn.request("GET", raw_path)
    r = conn.getresponse()
    return r.status, r.read()


@pytest.mark.parametrize(
    "path",
    [
        "/voila/files/../.env",
        "/voila/files/%2e%2e/.env",
        "/voila/files/..%2f.env",
        "/voila/files/%2e%2e%2f%2e%2e%2f.env",
        "/voila/files/%2e%2e%2fdata%2forders.parquet",
        "/voila/static/../../.env",
        "/voila/files/secret.txt",  # inside the served folder, but not an allowed file type
        "/voila/files/" + "../" * 6 + "etc/passwd",
        "/api/contents",
        "/tree",
    ],
)
def test_path_traversal_and_other_files_are_refused(served, path):
    _run, url = served
    status, body = _get(url, path)
    assert status in (302, 403, 404), (path, status)  # 302: jupyter_server sends API calls to its login page
    assert b"canary" not in body and b"SECRET" not in body and b"root:" not in body


def test_images_beside_the_dashboard_are_served(served):
    """Positive control: the refusals above are the allowlist at work, not a dead server."""
    run, url = served
    png = run / "notebooks" / "chart.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
    try:
        status, body = _get(url, "/voila/files/chart.png")
    finally:
        png.unlink()
    assert status == 200 and body.startswith(b"\x89PNG")


def test_dashboard_page_fetches_nothing_from_the_internet(served):
    """The page must render offline and where CDNs are blocked: no external stylesheet or script."""
    import re

    _run, url = served
    status, body = _get(url, "/")
    assert status == 200
    external = re.findall(rb'(?:href|src)="(https?://[^"]+)"', body)
    assert not [u for u in external if b"127.0.0.1" not in u], external
