"""Serve a run's dashboard with Voila on the loopback interface.

Only the dashboard notebook of the run is served (Voila's single-notebook mode: its root is the
run's ``notebooks/`` folder), sources stripped, idle kernels culled, and Voila's file allowlist
left at images only, so nothing like ``.env``, ``.git`` or the canonical data files can be fetched.
"""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

from .errors import RunError

DASHBOARD = "04_dashboard"
#: Never served even if an allowlist were widened: canonical data, configs, dot-files.
DENY = (r".*/data/.*", r".*\.parquet", r".*\.ya?ml", r"(.*/)?\..*")


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


def voila_command(run_dir: str | Path, port: int, *, cull_idle_s: int = 600) -> list[str]:
    nb = dashboard_notebook(run_dir)
    return [
        sys.executable, "-m", "voila", str(nb),
        f"--port={port}",
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        "--strip_sources=True",
        "--show_tracebacks=False",
        # a kernel per page load: cull the idle ones instead of keeping them forever
        f"--MappingKernelManager.cull_idle_timeout={cull_idle_s}",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_connected=False",
        # images only, never widened: a broad allowlist would serve .env, .git, data/
        "--VoilaConfiguration.file_allowlist", r".*\.(png|jpg|gif|svg)",
        *[arg for pattern in DENY for arg in ("--VoilaConfiguration.file_denylist", pattern)],
    ]


def start(run_dir: str | Path, port: int | None = None, *, wait_s: float = 60.0, log=None) -> tuple[subprocess.Popen, str]:
    """Start Voila for the run in the background; return the process and the dashboard's URL.

    Waits until the port answers. The caller stops it (``proc.terminate()``).
    """
    port = port or free_port()
    proc = subprocess.Popen(voila_command(run_dir, port), cwd=str(Path(run_dir).resolve() / "notebooks"),
                            stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT)
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
        return subprocess.call(cmd, cwd=str(Path(run_dir).resolve() / "notebooks"))
    except KeyboardInterrupt:
        return 0
