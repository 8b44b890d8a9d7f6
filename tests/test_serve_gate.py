"""``mopkit serve`` behind its gateway: token, Host/Origin checks, kernel cap, clean stop.

A tiny stand-in run (one notebook printing a marker, served by the real Voila) keeps kernels
cheap; the gateway and Voila are the ones ``mopkit serve`` starts, on 127.0.0.1 only.
"""
from __future__ import annotations

import concurrent.futures as cf
import http.client
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from mopkit.serve import free_port, stop

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
    _stop(proc)  # normally already stopped by test_sigterm_leaves_no_process_behind
    log.close()


def _stop(proc) -> None:
    """SIGTERM `mopkit serve` (it stops Voila and the kernels); kill whatever of its family is left,
    so a failing test leaves no Voila or kernel behind (a bare kill would orphan them)."""
    stop(proc, timeout_s=40)


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
        _stop(proc)
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


def _kernel_id(pid) -> str | None:
    m = re.search(r"kernel-([0-9a-f-]{36})\.json", " ".join(psutil.Process(pid).cmdline()))
    return m and m.group(1)


def _wait(condition, timeout_s=90.0):
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.3)


def test_concurrent_visitors_within_the_cap_then_busy_page(server):
    """CAP visitors at once get the page, each with a kernel of its own; the next gets the busy
    page whether Voila's pre-heated pool is empty (refilled only seconds after a visit) or full
    again; once a visitor leaves, the next one gets in (on the pool's kernel)."""
    proc, port = server
    cookie = {"Cookie": f"mopkit_token={TOKEN}"}

    def busy() -> bool:
        status, h, body = _get(port, "/", cookie)
        assert status in (200, 503), status
        assert status == 503 or MARKER in body
        return status == 503 and h["Retry-After"].isdigit() and "busy" in body.lower()

    with cf.ThreadPoolExecutor(CAP) as ex:
        results = list(ex.map(lambda _: _get(port, "/", cookie), range(CAP)))
    assert [r[0] for r in results] == [200] * CAP
    assert all(MARKER in r[2] for r in results)
    held = [re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', r[2]).group(1) for r in results]
    assert len(set(held)) == CAP  # a kernel of their own ...
    assert set(held) <= {_kernel_id(k.pid) for k in _kernels(proc)}  # ... running
    assert busy()  # one more than the cap, right away: the pool is still being refilled
    # the pool refilled: a kernel nobody holds is running, still no room for one more visitor
    _wait(lambda: {_kernel_id(k.pid) for k in _kernels(proc)} - set(held))
    assert busy()
    assert len(_kernels(proc)) == CAP + 1  # the visitors' kernels + the pre-heated one
    # a visitor leaves (the page's beforeunload shuts its kernel down through the gateway)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", f"/voila/api/shutdown/{held[0]}", headers=cookie)
    assert conn.getresponse().status == 204
    _wait(lambda: held[0] not in {_kernel_id(k.pid) for k in _kernels(proc)})
    assert not busy()  # room again: the pre-heated kernel was never counted as a visitor's
    assert busy()


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


def test_gate_counts_the_kernels_handed_to_visitors_not_the_pool_or_other_children(tmp_path):
    """Kernel accounting without Voila: this process stands in for Voila, sleeping children for
    its kernels (named by their connection file, as jupyter_client names them)."""
    import gzip
    import uuid

    from mopkit.gate import Gate

    ids = [str(uuid.UUID(int=i + 1)) for i in range(3)]  # a, b: visitors' kernels; c: the pool's

    def child(*args):
        return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", *args])

    kids = [child("-f", str(tmp_path / f"kernel-{k}.json")) for k in ids] + [child("not-a-kernel")]
    try:
        gate = Gate(1, TOKEN, voila_pid=os.getpid(), max_kernels=2)
        assert gate.kernel_processes() == set(ids)
        assert gate.live_kernels() == 0  # pool kernel and other children are nobody's
        page = f'<script id="jupyter-config-data">{{"baseUrl": "/", "kernelId": "{ids[0]}"}}</script>'.encode()
        assert gate.handed_out(page) == ids[0]
        assert gate.handed_out(gzip.compress(page.replace(ids[0].encode(), ids[1].encode())), "gzip") == ids[1]
        assert gate.handed_out(b"<html>no kernel here</html>") is None
        assert gate.live_kernels() == 2
        kids[0].kill()
        kids[0].wait()
        assert gate.live_kernels() == 1 and gate.held == {ids[1]}  # an ended kernel frees its place
    finally:
        for k in kids:
            k.kill()
            k.wait()
