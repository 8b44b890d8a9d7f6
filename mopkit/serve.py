"""Serve a run's dashboard with Voila on the loopback interface.

Only the dashboard notebook of the run is served (Voila's single-notebook mode: its root is the
run's ``notebooks/`` folder), sources stripped, idle kernels culled, and Voila's file allowlist
left at images only, so nothing like ``.env``, ``.git`` or the canonical data files can be fetched.
"""
from __future__ import annotations

import os
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
                  fill_delay_s: float = 3.0) -> list[str]:
    """The Voila command line for the run's dashboard.

    ``pool_size`` pre-heated kernels (notebook executed before any visit) are kept for the
    dashboard, each replaced ``fill_delay_s`` seconds after a visit takes it; ``pool_size=0``
    starts a kernel per visit instead. Idle kernels of closed pages are culled after
    ``cull_idle_s`` (kernels waiting in the pool are not).
    """
    nb = dashboard_notebook(run_dir)
    return [
        sys.executable, "-m", "voila", str(nb),
        f"--port={port}",
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        "--strip_sources=True",
        "--show_tracebacks=False",
        f"--template={TEMPLATE}",  # needs voila_env(): no stylesheet from a CDN
        # one kernel kept ready with the notebook already executed ("pre-heated"): a visit only
        # streams the rendered page and connects the widgets. The notebook reads nothing from
        # the request, and `mopkit.cockpit.dashboard.in_voila` knows a pre-heated kernel is live.
        *(["--VoilaConfiguration.preheat_kernel=True", f"--VoilaConfiguration.default_pool_size={pool_size}",
           # the replacement kernel starts after the visitor's browser has had its first
           # seconds (on 2 cores, executing it at once slowed the first render by ~1 s)
           f"--VoilaKernelManager.fill_delay={fill_delay_s}"] if pool_size > 0 else []),
        # a kernel per page load: cull the idle ones instead of keeping them forever
        f"--MappingKernelManager.cull_idle_timeout={cull_idle_s}",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_connected=False",
        # images only, never widened: a broad allowlist would serve .env, .git, data/
        "--VoilaConfiguration.file_allowlist", r".*\.(png|jpg|gif|svg)",
        *[arg for pattern in DENY for arg in ("--VoilaConfiguration.file_denylist", pattern)],
    ]


def start(run_dir: str | Path, port: int | None = None, *, wait_s: float = 60.0, log=None,
          **voila_kw) -> tuple[subprocess.Popen, str]:
    """Start Voila for the run in the background; return the process and the dashboard's URL.

    Waits until the port answers (the pre-heated kernel may still be executing the notebook:
    an early first visit waits for it). ``voila_kw`` go to :func:`voila_command`. The caller
    stops it (``proc.terminate()``).
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
    proc.terminate()
    raise RunError(f"voila did not answer on port {port} within {wait_s:.0f} s", fix="try another --port")


def serve(run_dir: str | Path, port: int = 8866) -> int:
    """Serve in the foreground until interrupted (``mopkit serve``)."""
    cmd = voila_command(run_dir, port)
    print(f"dashboard: http://127.0.0.1:{port}/  (Ctrl-C to stop)")
    try:
        return subprocess.call(cmd, cwd=str(Path(run_dir).resolve() / "notebooks"), env=voila_env())
    except KeyboardInterrupt:
        return 0
