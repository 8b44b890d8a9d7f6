"""``mopkit serve`` with 10 simultaneous visitors: every page served, time, memory, clean stop.

Starts ``mopkit serve RUN_DIR --max-kernels 10`` (gateway + Voila, 127.0.0.1), sends 10
simultaneous page requests with the token, then one more (expects the "busy, retry" page),
measures the proportional memory (PSS, so shared libraries are not counted ten times) of the
gateway, Voila and all kernels, and stops it with SIGTERM (expects no process left).

Baseline: issue 12's target, under 1.5 GB for 10 visitors; before the gateway each visit's
kernel was kept 10 minutes at about 280 MB (RSS) and one page in thirty never loaded.

    .venv/bin/python benchmarks/bench_serve.py [RUN_DIR]   # default: a fresh run of the sample (notebook 04 only)
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

import psutil

TOKEN = "bench-token"


def get(port: int) -> tuple[int, float]:
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("GET", "/", headers={"Cookie": f"mopkit_token={TOKEN}"})
    r = conn.getresponse()
    r.read()
    return r.status, time.perf_counter() - t0


def memory_mb(pid: int) -> tuple[float, float, int]:
    procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    pss = rss = 0
    for p in procs:
        try:
            m = p.memory_full_info()
            pss += getattr(m, "pss", m.uss)
            rss += m.rss
        except psutil.Error:
            pass
    kernels = sum("ipykernel" in " ".join(p.cmdline()) for p in procs[1:] if p.is_running())
    return pss / 2**20, rss / 2**20, kernels


def main() -> None:
    from mopkit.serve import free_port

    if len(sys.argv) > 1:
        run = Path(sys.argv[1])
    else:
        import tempfile

        from mopkit.run import NOTEBOOKS_DIR, run_client, sample_config_path

        res = run_client(sample_config_path(), tempfile.mkdtemp(prefix="bench-serve-"),
                         notebooks=[NOTEBOOKS_DIR / "04_dashboard.ipynb"], report=False)
        run = Path(res.run_dir)

    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    proc = subprocess.Popen([sys.executable, "-m", "mopkit.cli", "serve", str(run), "--port", str(port),
                             "--token", TOKEN, "--max-kernels", "10"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env=env)
    assert b"dashboard:" in proc.stdout.readline()
    time.sleep(5)  # the pre-heated kernel
    try:
        t0 = time.perf_counter()
        with cf.ThreadPoolExecutor(10) as ex:
            res = list(ex.map(lambda _: get(port), range(10)))
        wall = time.perf_counter() - t0
        busy = get(port)[0]
        pss, rss, kernels = memory_mb(proc.pid)
        ok = sum(s == 200 for s, _ in res)
        print(f"10 visitors: {ok}/10 pages (HTTP 200) in {wall:.1f} s (slowest {max(t for _, t in res):.1f} s, "
              f"fastest {min(t for _, t in res):.1f} s); 11th visitor HTTP {busy} (busy page)")
        print(f"memory with {kernels} kernels: PSS {pss:,.0f} MB (RSS sum {rss:,.0f} MB)  [target < 1,500 MB]")
    finally:
        family = psutil.Process(proc.pid).children(recursive=True)
        t1 = time.perf_counter()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        _gone, alive = psutil.wait_procs(family, timeout=10)
        print(f"SIGTERM: stopped in {time.perf_counter() - t1:.1f} s, {len(alive)} of {len(family)} processes left")


if __name__ == "__main__":
    main()
