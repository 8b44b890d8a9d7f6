"""Many clients in one command: ``mopkit batch CONFIG... | --clients DIR``.

Each client is run by ``mopkit run`` in a process of its own (``python -m mopkit.batch --one``),
so a client that fails — bad config, bad data, a crashed kernel, killed for memory — never
stops the others, and memory is returned to the machine when it ends. Notebook kernels use
Unix sockets in private folders (:mod:`mopkit.kernels`), so runs side by side cannot take each
other's ports.

Two ways to spread the runs, one code path (:func:`run_one` does a client's run wherever it is
called):

* a local pool of at most ``jobs`` runs at a time (default: the number of cores);
* an existing Dask distributed cluster (``scheduler="tcp://HOST:8786"``): each run is one task.
  Workers need mopkit installed, the client data and the runs folder at the same paths, and
  ``--nthreads 1`` (one run per worker process at a time; a run already uses a core or more).

The batch leaves ``<runs>/batch-<timestamp>.json`` (one row per client: status, duration, run
folder, report, headline KPIs, alert count, error, log file) and the processes' logs in
``<runs>/batch-<timestamp>/``.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import ConfigError, MopkitError
from .layout import thread_limits  # a local batch of `jobs` runs gives each run cores // jobs threads; Dask's nanny sets 1

LOG_TAIL_LINES = 12


@dataclass
class ClientJob:
    """One client's run in a batch (plain data: it travels to Dask workers)."""

    config: str
    runs_root: str
    log: str
    only: list[str] | None = None
    report: bool = True
    timeout: float | None = None  # seconds; None = no limit
    threads: int | None = None  # BLAS/OpenMP/torch threads of the run (unset: the libraries' default)
    label: str = ""  # the client's display name (or the config's folder when unreadable)
    slug: str = ""


@dataclass
class BatchResult:
    """What a batch did: one row per client (dicts, see :func:`run_one`) and the summary file."""

    rows: list[dict]
    summary_path: Path
    wall_seconds: float
    started: str
    where: str
    jobs: int = 0

    @property
    def ok(self) -> bool:
        return all(r["status"] == "ok" for r in self.rows)

    @property
    def failed(self) -> list[dict]:
        return [r for r in self.rows if r["status"] != "ok"]


def find_configs(configs: Iterable[str | Path] = (), clients_dir: str | Path | None = None) -> list[Path]:
    """The config files of a batch: each ``CONFIG`` (a file, or a folder holding ``client.yaml``)
    and every ``<clients_dir>/*/client.yaml``, in that order, without duplicates.

    Raises :class:`ConfigError` when a named config does not exist or nothing is found.
    """
    found: list[Path] = []
    for c in configs:
        p = Path(c).expanduser()
        p = p / "client.yaml" if p.is_dir() else p
        if not p.exists():
            raise ConfigError("client config not found", file=p, fix="check the path, or create one with: mopkit init NAME")
        found.append(p.resolve())
    if clients_dir is not None:
        d = Path(clients_dir).expanduser()
        if not d.is_dir():
            raise ConfigError("the clients folder does not exist", file=d, fix="pass the folder holding one sub-folder per client (clients/)")
        found += sorted(p.resolve() for p in d.glob("*/client.yaml"))
    unique = list(dict.fromkeys(found))
    if not unique:
        raise ConfigError("no client configs to run", file=clients_dir,
                          fix="pass config files, or --clients DIR with DIR/<client>/client.yaml files")
    return unique


def _label(config: Path) -> tuple[str, str]:
    """(display name, slug) from the config; the folder name when the config cannot be read."""
    from .config import load_config

    try:
        cfg = load_config(config)
        return cfg.name, cfg.slug
    except MopkitError:
        return config.parent.name, config.parent.name


def _tail(path: Path, n: int = LOG_TAIL_LINES) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-n:])


def _kill_tree(proc: subprocess.Popen) -> None:
    """Stop a run and everything it started (notebook kernels run in sessions of their own)."""
    import psutil

    try:
        family = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    proc.kill()
    for p in family:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass


def run_one(job: ClientJob) -> dict:
    """Run one client in a child process and describe the outcome. Never raises.

    Returns a dict: ``client, slug, config, status ("ok" | "failed"), seconds, run_dir, report,
    error, notebooks (name -> status), kpis (headline metrics), alerts (count or None), log,
    host``. Called by the local pool and, unchanged, by Dask workers.
    """
    from .portfolio import run_headline

    log = Path(job.log)
    log.parent.mkdir(parents=True, exist_ok=True)
    row = {"client": job.label, "slug": job.slug, "config": job.config, "status": "failed", "seconds": 0.0,
           "run_dir": None, "report": None, "error": "", "notebooks": {}, "kpis": [], "alerts": None,
           "log": str(log), "host": socket.gethostname()}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mopkit-batch-") as tmp:
        job_file, result_file = Path(tmp) / "job.json", Path(tmp) / "result.json"
        job_file.write_text(json.dumps(asdict(job)), encoding="utf-8")
        cmd = [sys.executable, "-m", "mopkit.batch", "--one", str(job_file), str(result_file)]
        with open(log, "w", encoding="utf-8") as out:
            env = {**os.environ, "PYTHONUNBUFFERED": "1"}
            if job.threads:  # runs side by side share the cores instead of each using them all
                env.update(thread_limits(job.threads, env))
            # same process group as the batch: Ctrl-C stops the runs too
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
            try:
                code = proc.wait(timeout=job.timeout)
            except subprocess.TimeoutExpired:
                _kill_tree(proc)
                proc.wait()
                code = None
            except BaseException:  # the batch itself is being stopped
                _kill_tree(proc)
                raise
        row["seconds"] = round(time.perf_counter() - t0, 2)
        if result_file.exists():
            row.update(json.loads(result_file.read_text(encoding="utf-8")))
        elif code is None:
            row["error"] = f"stopped after the time limit of {job.timeout:.0f} s"
        else:  # killed (out of memory?) or crashed before it could write its result
            row["error"] = f"the run's process ended with code {code} without a result; log tail:\n{_tail(log)}"
    if row["run_dir"]:
        try:
            row.update(run_headline(row["run_dir"]))
        except Exception as exc:  # a summary that cannot be read must not hide the run itself
            row["error"] = (row["error"] + "; " if row["error"] else "") + f"summary unreadable: {type(exc).__name__}: {exc}"
    return row


def _child(job_file: str, result_file: str) -> int:
    """The child process of :func:`run_one`: ``mopkit run`` of one client, result as JSON."""
    from .run import run_client, select_notebooks

    job = ClientJob(**json.loads(Path(job_file).read_text(encoding="utf-8")))
    result: dict = {"status": "failed", "run_dir": None, "report": None, "error": "", "notebooks": {}}
    try:
        # the batch shares the cores among runs: a run's notebooks side by side only within its share
        res = run_client(job.config, job.runs_root, notebooks=select_notebooks(job.only), report=job.report,
                         progress=lambda m: print(m, flush=True), jobs=job.threads or 1)
        print(res.summary(), flush=True)
        bad = [n.line() for n in res.notebooks if n.status == "failed"]
        if res.report_error:
            bad.append(f"report: {res.report_error}")
        result.update(status="ok" if res.ok else "failed", run_dir=str(res.run_dir),
                      report=str(res.report) if res.report else None, error="; ".join(bad),
                      notebooks={n.name: n.status for n in res.notebooks})
    except MopkitError as exc:
        print(f"mopkit: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        result["error"] = f"{type(exc).__name__}: {exc.message}" + (f" ({exc.file})" if exc.file else "")
    except Exception as exc:  # noqa: BLE001 - any failure of one client is reported, not raised
        traceback.print_exc()
        result["error"] = f"{type(exc).__name__}: {exc}"
    Path(result_file).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0 if result["status"] == "ok" else 1


def make_jobs(configs: list[Path], runs_root: Path, log_dir: Path, *, only=None, report=True,
              timeout=None, threads=None) -> list[ClientJob]:
    """One :class:`ClientJob` per config; logs are ``<log_dir>/<NN>-<slug>.log``."""
    jobs = []
    for i, cfg in enumerate(configs, 1):
        label, slug = _label(cfg)
        jobs.append(ClientJob(config=str(cfg), runs_root=str(runs_root), log=str(log_dir / f"{i:02d}-{slug}.log"),
                              only=list(only) if only else None, report=report, timeout=timeout, threads=threads,
                              label=label, slug=slug))
    return jobs


def _local(jobs: list[ClientJob], workers: int, say: Callable[[str], None]) -> Iterable[dict]:
    from concurrent.futures import ThreadPoolExecutor, as_completed

    # threads only wait: every run is a child process (run_one), so `workers` bounds the processes
    def start(job: ClientJob) -> dict:
        say(f"  started {job.label} ({job.slug})")
        return run_one(job)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mopkit-batch") as pool:
        futures = {pool.submit(start, j): j for j in jobs}
        try:
            for fut in as_completed(futures):
                yield fut.result()
        except BaseException:  # Ctrl-C: start no further client (running ones get the signal too)
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _dask(jobs: list[ClientJob], scheduler, say: Callable[[str], None]) -> Iterable[dict]:
    """Submit each run to a Dask distributed scheduler (address or ``distributed.Client``)."""
    try:
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover - distributed is a dependency
        raise ConfigError("--scheduler needs the Dask distributed package", fix="pip install 'dask[distributed]'") from None
    own = not isinstance(scheduler, Client)
    try:
        client = Client(scheduler, set_as_default=False, timeout=30) if own else scheduler
    except OSError as exc:
        raise ConfigError(f"cannot reach the Dask scheduler {scheduler}: {exc}",
                          fix="start it with `dask scheduler` and workers with `dask worker tcp://HOST:8786 --nthreads 1`") from None
    try:
        n = len(client.scheduler_info().get("workers", {}))
        say(f"Dask scheduler {client.scheduler.address}: {n} workers")
        stamp = dt.datetime.now().strftime("%Y%m%d%H%M%S%f")
        futures = {client.submit(run_one, j, pure=False, key=f"mopkit-run-{stamp}-{i}-{j.slug}"): j
                   for i, j in enumerate(jobs)}
        for fut in as_completed(futures, loop=client.loop):
            job = futures[fut]
            try:
                yield fut.result()
            except Exception as exc:  # the worker died or the task was lost
                yield {"client": job.label, "slug": job.slug, "config": job.config, "status": "failed", "seconds": 0.0,
                       "run_dir": None, "report": None, "error": f"Dask task failed: {type(exc).__name__}: {exc}",
                       "notebooks": {}, "kpis": [], "alerts": None, "log": job.log, "host": ""}
    finally:
        if own:
            client.close()


def run_batch(configs: list[str | Path], runs_root: str | Path | None = None, *, jobs: int | None = None,
              scheduler=None, only: list[str] | None = None, report: bool = True, timeout: float | None = None,
              progress: Callable[[str], None] | None = print) -> BatchResult:
    """Run every client of ``configs``, ``jobs`` at a time locally or on a Dask ``scheduler``.

    One client's failure never stops the others. Writes ``<runs>/batch-<timestamp>.json`` and
    returns a :class:`BatchResult` (``.ok`` is false when any client failed).
    """
    say = progress or (lambda _m: None)
    runs_root = (Path(runs_root) if runs_root else Path.cwd() / "runs").resolve()
    runs_root.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now()
    stamp = started.strftime("%Y%m%d-%H%M%S")
    log_dir = runs_root / f"batch-{stamp}"
    n = 1
    while log_dir.exists():
        log_dir = runs_root / f"batch-{stamp}-{n}"
        n += 1
    log_dir.mkdir(parents=True)
    workers = max(1, jobs or os.cpu_count() or 1)
    threads = None if scheduler or workers == 1 else max(1, (os.cpu_count() or 1) // workers)
    job_list = make_jobs([Path(c) for c in configs], runs_root, log_dir, only=only, report=report, timeout=timeout,
                         threads=threads)
    address = scheduler if isinstance(scheduler, str) else getattr(getattr(scheduler, "scheduler", None), "address", scheduler)
    where = f"dask {address}" if scheduler else f"local, {workers} at a time"
    say(f"mopkit batch: {len(job_list)} clients ({where}); logs in {log_dir}")
    t0 = time.perf_counter()
    rows: list[dict] = []
    stream = _dask(job_list, scheduler, say) if scheduler else _local(job_list, workers, say)
    for row in stream:
        rows.append(row)
        failed = sum(r["status"] != "ok" for r in rows)
        where_ran = f" on {row['host']}" if scheduler and row.get("host") else ""
        what = f"ok, {row['report'] or row['run_dir']}" if row["status"] == "ok" else f"FAILED: {row['error'].splitlines()[0] if row['error'] else '?'}"
        say(f"[{len(rows)}/{len(job_list)} done, {failed} failed, {time.perf_counter() - t0:.0f} s] "
            f"{row['client']}: {what} ({row['seconds']:.1f} s{where_ran})")
    order = {j.config: i for i, j in enumerate(job_list)}
    rows.sort(key=lambda r: order.get(r["config"], 0))
    wall = time.perf_counter() - t0
    summary = runs_root / f"{log_dir.name}.json"
    from .layout import write_json

    write_json({"started": started.isoformat(timespec="seconds"), "finished": dt.datetime.now().isoformat(timespec="seconds"),
                "wall_seconds": round(wall, 2), "sum_of_run_seconds": round(sum(r["seconds"] for r in rows), 2),
                "where": where, "jobs": workers if not scheduler else None, "notebooks": only or "all",
                "ok": all(r["status"] == "ok" for r in rows), "clients": rows}, summary)
    return BatchResult(rows, summary, wall, started.isoformat(timespec="seconds"), where, workers)


def _width(s: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _pad(s: str, w: int) -> str:
    return s + " " * max(0, w - _width(s))


def summary_table(result: BatchResult, max_kpis: int = 3) -> str:
    """The batch as a text table: client, status, duration, report, headline KPIs, alerts."""
    head = ["client", "status", "duration", "report", "headline KPIs", "alerts"]
    body = []
    for r in result.rows:
        kpis = "; ".join(f"{k['label']} {k['value']} {k['change']}" for k in r.get("kpis", [])[:max_kpis]) or "–"
        name = r["client"] if r["client"] == r["slug"] else f"{r['client']} ({r['slug']})"
        body.append([name, r["status"], f"{r['seconds']:.1f} s", r["report"] or "–", kpis,
                     "–" if r.get("alerts") is None else str(r["alerts"])])
    widths = [max(_width(x) for x in col) for col in zip(head, *body)]
    lines = ["  ".join(_pad(c, w) for c, w in zip(row, widths)).rstrip() for row in [head, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for r in result.failed:
        lines.append(f"FAILED {r['client']} ({r['config']}): {r['error']}\n  log: {r['log']}")
    lines.append(f"{len(result.rows) - len(result.failed)} of {len(result.rows)} clients ok in {result.wall_seconds:.1f} s "
                 f"({result.where}); summary: {result.summary_path}")
    return "\n".join(lines)


if __name__ == "__main__":  # the child process of run_one
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        sys.exit(_child(sys.argv[2], sys.argv[3]))
    print("usage: python -m mopkit.batch --one JOB.json RESULT.json (used by mopkit batch)", file=sys.stderr)
    sys.exit(2)
