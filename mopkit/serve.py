"""Serve a run's dashboard with Voila, behind a gateway that makes it safe to open to a client.

``mopkit serve RUN --ip 0.0.0.0 --allow-host cockpit.example.com`` starts Voila on a private
loopback port and :mod:`mopkit.gate` on ``--ip``: a token per run (refused without it), Host and
Origin checks (no DNS rebinding), a cap on live kernels with a "busy, retry" page, idle kernels
culled even while a tab stays open, and SIGTERM/SIGINT stopping Voila and every kernel it started.

Only the dashboard notebook of the run is served (Voila's single-notebook mode: its root is the
run's ``notebooks/`` folder), sources stripped, idle kernels culled, and Voila's file allowlist
left at images only, so nothing like ``.env``, ``.git`` or the canonical data files can be fetched.
"""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from .errors import RunError

DASHBOARD = "04_dashboard"
#: Never served even if an allowlist were widened: canonical data, configs, dot-files.
DENY = (r".*/data/.*", r".*\.parquet", r".*\.ya?ml", r"(.*/)?\..*")
#: Voila page template shipped in templates/voila/templates/mopkit (found through JUPYTER_PATH):
#: the stock "lab" page without its Font Awesome stylesheets from a CDN (see the template).
TEMPLATE = "mopkit"
TEMPLATES_ROOT = Path(__file__).resolve().parents[1] / "templates"


def dashboard_notebook(run_dir: str | Path) -> Path:
    """The executed dashboard notebook of a run (falls back to the data-health notebook)."""
    nbdir = Path(run_dir).resolve() / "notebooks"
    for stem in (DASHBOARD, "00_data_health"):
        p = nbdir / f"{stem}.ipynb"
        if p.exists():
            return p
    raise RunError("this run has no dashboard notebook", file=nbdir, fix="pass a run folder made by `mopkit run` (runs/<client>/<timestamp>)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def voila_env() -> dict:
    """The environment Voila runs in: ours, with mopkit's templates on ``JUPYTER_PATH``."""
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(TEMPLATES_ROOT), env.get("JUPYTER_PATH", "")) if p)
    return env


def voila_command(run_dir: str | Path, port: int, *, cull_idle_s: int = 600, pool_size: int = 1,
                  fill_delay_s: float = 3.0, token: str | None = None) -> list[str]:
    """The Voila command line for the run's dashboard.

    ``pool_size`` pre-heated kernels (notebook executed before any visit) are kept for the
    dashboard, each replaced ``fill_delay_s`` seconds after a visit takes it; ``pool_size=0``
    starts a kernel per visit instead. Idle kernels are culled after ``cull_idle_s``, also
    those whose tab is still open (kernels waiting in the pool are not). ``token``: Voila's own
    token (the gateway sends it on every request it forwards).
    """
    nb = dashboard_notebook(run_dir)
    return [
        sys.executable, "-m", "voila", str(nb),
        f"--port={port}",
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        "--strip_sources=True",
        *([f"--token={token}"] if token else []),
        "--show_tracebacks=False",
        f"--template={TEMPLATE}",  # needs voila_env(): no stylesheet from a CDN
        # one kernel kept ready with the notebook already executed ("pre-heated"): a visit only
        # streams the rendered page and connects the widgets. The notebook reads nothing from
        # the request, and `mopkit.cockpit.dashboard.in_voila` knows a pre-heated kernel is live.
        *(["--VoilaConfiguration.preheat_kernel=True", f"--VoilaConfiguration.default_pool_size={pool_size}",
           # the replacement kernel starts after the visitor's browser has had its first
           # seconds (on 2 cores, executing it at once slowed the first render by ~1 s)
           f"--VoilaKernelManager.fill_delay={fill_delay_s}"] if pool_size > 0 else []),
        # a kernel per page load: cull the idle ones, also behind a tab left open (a forgotten
        # tab would otherwise hold ~280 MB for as long as the browser runs)
        f"--MappingKernelManager.cull_idle_timeout={cull_idle_s}",
        f"--MappingKernelManager.cull_interval={min(60, max(cull_idle_s // 2, 1))}",
        "--MappingKernelManager.cull_connected=True",
        # images only, never widened: a broad allowlist would serve .env, .git, data/
        "--VoilaConfiguration.file_allowlist", r".*\.(png|jpg|gif|svg)",
        *[arg for pattern in DENY for arg in ("--VoilaConfiguration.file_denylist", pattern)],
    ]


def start(run_dir: str | Path, port: int | None = None, *, wait_s: float = 60.0, log=None,
          **voila_kw) -> tuple[subprocess.Popen, str]:
    """Start Voila for the run in the background; return the process and the dashboard's URL.

    Waits until the port answers (the pre-heated kernel may still be executing the notebook:
    an early first visit waits for it). ``voila_kw`` go to :func:`voila_command`. The caller
    stops it with :func:`stop` (``proc.terminate()`` alone would leave its kernels running).
    """
    port = port or free_port()
    proc = subprocess.Popen(voila_command(run_dir, port, **voila_kw), cwd=str(Path(run_dir).resolve() / "notebooks"),
                            stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT, env=voila_env())
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RunError(f"voila exited with code {proc.returncode}", fix="run `mopkit serve RUN_DIR` in a terminal to see its log")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, f"http://127.0.0.1:{port}/"
        time.sleep(0.2)
    stop(proc)  # and the pre-heated kernel it may have started
    raise RunError(f"voila did not answer on port {port} within {wait_s:.0f} s",
                   fix="run `mopkit serve RUN_DIR` in a terminal to see its log, or try another --port")


def stop(proc: subprocess.Popen, timeout_s: float = 15.0) -> None:
    """Stop Voila and every process it started (kernels run in sessions of their own, so a
    signal to Voila's process group would miss them): SIGTERM, then SIGKILL what is left."""
    import psutil

    try:
        family = psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        family = []
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    for p in family:
        try:
            p.terminate()
        except psutil.Error:
            pass
    _gone, alive = psutil.wait_procs(family, timeout=5)
    for p in alive:
        try:
            p.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=5)


def serve(run_dir: str | Path, port: int = 8866, *, ip: str = "127.0.0.1", token: str | None = None,
          allow_hosts=(), max_kernels: int = 5, cull_idle_s: int = 300, pool_size: int = 1,
          lang: str = "zh", ready=None) -> int:
    """Serve in the foreground until SIGTERM/SIGINT (``mopkit serve``).

    Parameters
    ----------
    ip, port : where the gateway listens (``0.0.0.0`` to open it beyond this machine; put a
        reverse proxy with HTTPS in front, see the README).
    token : the visitors' token (default: a new random one, printed with the link).
    allow_hosts : host names the server answers to besides loopback names and ``ip`` (the
        name clients type, e.g. ``cockpit.example.com``).
    max_kernels : visitors with a live kernel at once; the next gets a "busy, retry" page.
    cull_idle_s : an idle kernel is shut down after this many seconds, even with its tab open.
    ready : called with the link once serving (tests).
    """
    import asyncio

    from .gate import Gate, make_app

    token = token or secrets.token_urlsafe(24)
    upstream = free_port()
    # the link is printed once Voila answers on its private port
    proc, _ = start(run_dir, upstream, wait_s=120, cull_idle_s=cull_idle_s, pool_size=pool_size, token=token)

    async def main() -> None:
        gate = Gate(upstream, token, ip=ip, allow_hosts=allow_hosts, max_kernels=max_kernels,
                    voila_pid=proc.pid, lang=lang)
        server = make_app(gate).listen(port, address=ip, xheaders=False)
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stopping.set)
        shown = "127.0.0.1" if ip in ("0.0.0.0", "::") else ip
        link = f"http://{shown}:{port}/?token={token}"
        print(f"dashboard: {link}\n(send the link with its token; Ctrl-C or SIGTERM stops Voila and its kernels)", flush=True)
        if ready:
            ready(link)
        while not stopping.is_set() and proc.poll() is None:
            try:
                await asyncio.wait_for(stopping.wait(), timeout=1.0)
            except asyncio.TimeoutError:
                pass
        server.stop()

    try:
        asyncio.run(main())
    finally:
        stop(proc)
    return 0 if proc.returncode in (0, -signal.SIGTERM, None) else proc.returncode
