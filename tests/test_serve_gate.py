"""``mopkit serve`` behind its gateway: token, Host/Origin checks, kernel cap, clean stop.

A tiny stand-in run (one notebook printing a marker, served by the real Voila) keeps kernels
cheap; the gateway and Voila are the ones ``mopkit serve`` starts, on 127.0.0.1 only.
"""
from __future__ import annotations

import concurrent.futures as cf
import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from mopkit.serve import free_port

TOKEN = "t0k3n-for-tests"
MARKER = "hello-from-the-cockpit"
CAP = 3


# a widget whose click is handled in the kernel: the page works only if the websocket is relayed
WIDGET = """
import ipywidgets as w
button, label = w.Button(description="ping"), w.Label("waiting")
button.on_click(lambda _: setattr(label, "value", "pong-from-kernel"))
w.VBox([button, label])
"""


def _start(tmp_path_factory, *args):
    run = tmp_path_factory.mktemp("gate_run")
    (run / "notebooks").mkdir()
    (run / "manifest.json").write_text('{"client": {"language": "en"}}', encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(f"print({MARKER!r})"), nbformat.v4.new_code_cell(WIDGET)]
    nbformat.write(nb, run / "notebooks" / "04_dashboard.ipynb")
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    log = open(run / "serve.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "mopkit.cli", "serve", str(run), "--port", str(port),
                             "--token", TOKEN, *args], stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if b"dashboard:" in (run / "serve.log").read_bytes():
            break
        assert proc.poll() is None, (run / "serve.log").read_text()
        time.sleep(0.2)
    return proc, port, log


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc, port, log = _start(tmp_path_factory, "--max-kernels", str(CAP), "--cull-idle", "600")
    yield proc, port
    if proc.poll() is None:
        proc.kill()
    log.close()


def _kernels(proc) -> list:
    return [c for c in psutil.Process(proc.pid).children(recursive=True) if "ipykernel" in " ".join(c.cmdline())]


def test_widgets_work_through_the_gateway_and_idle_kernels_are_culled_with_the_tab_open(tmp_path_factory, tmp_path):
    from playwright.sync_api import sync_playwright

    proc, port, log = _start(tmp_path_factory, "--max-kernels", "2", "--cull-idle", "4")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-dev-shm-usage"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/?token={TOKEN}", timeout=60_000)
            page.get_by_text("ping").click(timeout=60_000)
            page.get_by_text("pong-from-kernel").wait_for(timeout=30_000)  # a round trip through the kernel
            assert "token=" not in page.url
            page.screenshot(path=str(tmp_path / "served_widget.png"))
            held = {k.pid for k in _kernels(proc)}  # the visitor's kernel is among them
            assert held
            deadline = time.monotonic() + 40  # idle 4 s, checked every 2 s: the tab stays open
            while time.monotonic() < deadline and held <= {k.pid for k in _kernels(proc)}:
                time.sleep(1)
            assert not held <= {k.pid for k in _kernels(proc)}, "no idle kernel was culled"
            browser.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=40)
        log.close()


def _get(port, path="/", headers=None, timeout=120):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("GET", path, headers=headers or {})
    r = conn.getresponse()
    return r.status, dict(r.getheaders()), r.read().decode("utf-8", "replace")


def test_token_is_required(server):
    _proc, port = server
    for path, headers in (("/", {}), ("/?token=wrong", {}), ("/", {"Cookie": "mopkit_token=wrong"}),
                          ("/voila/static/voila.js", {})):
        status, _h, body = _get(port, path, headers)
        assert status == 403 and MARKER not in body, (path, status)
        assert "token" in body
    # the link with the token: kept in an HttpOnly cookie and taken out of the address bar
    status, h, _ = _get(port, f"/?token={TOKEN}")
    assert status == 302 and h["Location"] == "/"
    assert "mopkit_token=" in h["Set-Cookie"] and "HttpOnly" in h["Set-Cookie"] and "SameSite=Strict" in h["Set-Cookie"]


def test_foreign_host_and_origin_are_refused(server):
    _proc, port = server
    cookie = {"Cookie": f"mopkit_token={TOKEN}"}
    status, _h, body = _get(port, "/", {**cookie, "Host": "rebind.attacker.example"})
    assert status == 403 and MARKER not in body
    status, _h, _b = _get(port, "/api/kernels/abc/channels",
                          {**cookie, "Origin": "http://rebind.attacker.example", "Upgrade": "websocket",
                           "Connection": "Upgrade", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
    assert status == 403


def test_concurrent_visitors_within_the_cap_then_busy_page(server):
    proc, port = server
    cookie = {"Cookie": f"mopkit_token={TOKEN}"}
    with cf.ThreadPoolExecutor(CAP) as ex:
        results = list(ex.map(lambda _: _get(port, "/", cookie), range(CAP)))
    assert [r[0] for r in results] == [200] * CAP
    assert all(MARKER in r[2] for r in results)
    status, h, body = _get(port, "/", cookie)  # one more than the cap
    assert status == 503 and h["Retry-After"].isdigit() and "busy" in body.lower()
    assert CAP <= len(_kernels(proc)) <= CAP + 1  # the visitors' kernels (+ the pre-heated one)


def test_sigterm_leaves_no_process_behind(server):
    proc, port = server
    family = psutil.Process(proc.pid).children(recursive=True)
    assert any("voila" in " ".join(p.cmdline()) for p in family)
    assert any("ipykernel" in " ".join(p.cmdline()) for p in family)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=40) == 0
    _gone, alive = psutil.wait_procs(family, timeout=10)
    assert alive == []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    with pytest.raises(OSError):
        conn.request("GET", "/")
        conn.getresponse()
