"""Per-client runs: load the data once, execute every notebook with papermill, export reports.

A run lives in ``runs/<slug>/<timestamp>/`` and is never overwritten::

    config.yaml          the client config as used (data paths made absolute)
    data/*.parquet       canonical tables (validated, pseudonymised, stitched) + data/health.csv, data/stitching.csv
    notebooks/*.ipynb    executed notebooks
    html/*.html          one page per notebook, code hidden
    report.pdf           the combined client report
    outputs/             results as CSV/JSON/XLSX (see README "Outputs")
    manifest.json        config, input hashes, package versions, per-notebook status and timing
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .config import ClientConfig, load_config
from .errors import ConfigError, RunError
from .layout import DATA_DIR, OUTPUTS_DIR, REPO_ROOT, notebook_key, thread_limits, write_json
from .prepare import prepare_run, sample_config_path  # noqa: F401  (re-exported: mopkit.run.prepare_run)

NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
#: Tables a notebook needs beyond ``orders``: each entry is a group of alternatives, one of which
#: must be present; otherwise the notebook is skipped with a note.
REQUIRES = {"attribution": [("touchpoints", "paths")], "budget": [("ad_spend",)]}
#: Notebooks that read another's outputs, and which (by key). A notebook starts once those of its
#: inputs that are part of the run have finished; the others run side by side (``jobs``).
AFTER = {"dashboard": ("rfm_clv", "forecast", "attribution", "budget"), "triggers": ("rfm_clv",),
         "budget": ("attribution",), "business_case": ("rfm_clv", "attribution", "triggers", "budget")}
#: Notebooks whose kernel alone holds about half of what a big client may use, and the client
#: size from which they run with no other notebook beside them. Attribution joins every touch to
#: every order: ~6 GB at 10M orders and 15M touches, where the other kernels peak at 3-3.6 GB; side
#: by side with one of them the run would pass 8 GB. Below the size, side by side as usual.
ALONE = {"attribution": 3_000_000}  # orders + touchpoints rows
#: Parameters every notebook takes from the runner rather than the config.
RUNNER_PARAMS = ("run_dir", "lang")


def list_notebooks(folder: Path = NOTEBOOKS_DIR) -> list[Path]:
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))


def select_notebooks(only: list[str] | None = None) -> list[Path]:
    """The notebooks to run: all, or those whose name starts or ends with one of ``only``
    (``["00", "dashboard"]`` -> 00_data_health, 04_dashboard)."""
    nbs = list_notebooks()
    if only:
        nbs = [p for p in nbs if any(p.stem.startswith(o) or p.stem.endswith(o) for o in only)]
    return nbs


def release_memory() -> None:
    """Give the memory of freed tables back to the operating system.

    After :func:`prepare_run` the loaded tables are garbage, but their memory stays with this
    process: Arrow's allocator (pandas' string columns) keeps freed pages for reuse, and so does
    glibc's heap. While the notebook kernels run, that memory would sit idle in the parent on
    top of each kernel's own copy (about 240 MB at 1M orders). This returns it.
    """
    import ctypes
    import ctypes.util
    import gc

    gc.collect()
    try:
        import pyarrow

        pyarrow.default_memory_pool().release_unused()
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        pass
    libc = ctypes.util.find_library("c")
    if libc and sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(libc).malloc_trim(0)  # glibc only; other C libraries have no such call
        except (OSError, AttributeError):  # pragma: no cover
            pass


@dataclass
class NotebookResult:
    name: str
    status: str  # ok | failed | skipped
    seconds: float = 0.0
    note: str = ""
    cell: int | None = None
    error: str = ""

    def line(self) -> str:
        if self.status == "ok":
            return f"{self.name}: ok ({self.seconds:.1f} s)"
        if self.status == "skipped":
            return f"{self.name}: skipped: {self.note}"
        return f"{self.name}: FAILED in cell {self.cell}: {self.error}"


@dataclass
class RunResult:
    run_dir: Path
    notebooks: list[NotebookResult] = field(default_factory=list)
    report: Path | None = None
    report_error: str = ""

    @property
    def ok(self) -> bool:
        return all(n.status != "failed" for n in self.notebooks) and not self.report_error

    def summary(self) -> str:
        lines = [f"run folder: {self.run_dir}"] + [f"  {n.line()}" for n in self.notebooks]
        if self.report:
            lines.append(f"  report: {self.report}")
        if self.report_error:
            lines.append(f"  report FAILED: {self.report_error}")
        return "\n".join(lines)


def notebook_parameters(nb_path: Path) -> dict:
    """The parameters a notebook declares (its ``parameters`` cell), as papermill sees them."""
    import papermill as pm

    return pm.inspect_notebook(str(nb_path))


def check_parameters(config: ClientConfig, notebooks: list[Path]) -> None:
    """Refuse config parameters a notebook does not declare, listing the ones it does."""
    known_keys = {notebook_key(p) for p in [*list_notebooks(), *notebooks]}
    unknown_nb = set(config.notebooks) - known_keys
    if unknown_nb:
        raise ConfigError(f"notebooks.{sorted(unknown_nb)[0]} names no notebook", file=config.path,
                          fix=f"notebook keys are {sorted(known_keys)}")
    for p in notebooks:
        given = config.notebook_params(notebook_key(p))
        if not given:
            continue
        declared = notebook_parameters(p)
        bad = sorted(set(given) - set(declared))
        if bad:
            raise ConfigError(
                f"notebooks.{notebook_key(p)} sets parameters {bad} that {p.name} does not take",
                file=config.path, fix=f"its parameters are {sorted(k for k in declared if k not in RUNNER_PARAMS)}",
            )


def _execute(nb: Path, out: Path, params: dict, run_dir: Path) -> NotebookResult:
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from .kernels import private_kernel

    t0 = time.perf_counter()
    try:
        # Unix sockets in a private folder, not TCP ports: runs side by side cannot collide
        with private_kernel() as kernel:
            pm.execute_notebook(str(nb), str(out), parameters=params, cwd=str(run_dir), progress_bar=False,
                                kernel_name="python3", log_output=False,
                                # the kernel's own start/stop log lines are noise in the run's output;
                                # cell errors still reach us through PapermillExecutionError
                                extra_arguments=["--IPKernelApp.log_level=CRITICAL"], **kernel)
    except PapermillExecutionError as exc:
        evalue = str(exc.evalue).strip().splitlines()
        return NotebookResult(nb.stem, "failed", time.perf_counter() - t0, cell=exc.exec_count,
                              error=f"{exc.ename}: {evalue[0] if evalue else ''}".strip())
    except Exception as exc:  # kernel died, notebook unreadable, ...
        return NotebookResult(nb.stem, "failed", time.perf_counter() - t0, error=f"{type(exc).__name__}: {exc}")
    return NotebookResult(nb.stem, "ok", time.perf_counter() - t0)


def run_client(
    config_path: str | Path,
    runs_root: str | Path | None = None,
    *,
    notebooks: list[Path] | None = None,
    report: bool = True,
    progress: Callable[[str], None] | None = print,
    jobs: int | None = None,
) -> RunResult:
    """Run every notebook for one client into a new run folder and build the reports.

    A notebook that fails does not stop the others; one whose optional inputs are missing is
    skipped with a note. Check ``result.ok`` (the CLI exits non-zero when it is false).
    Up to ``jobs`` notebooks (default: the machine's cores) run side by side, each in its own
    kernel; one that reads another's outputs (:data:`AFTER`) waits for it.
    """
    say = progress or (lambda _m: None)
    config = load_config(config_path)
    nbs = notebooks if notebooks is not None else list_notebooks()
    if not nbs:
        raise RunError("no notebooks to run", file=NOTEBOOKS_DIR, fix="run mopkit from a checkout that has notebooks/")
    check_parameters(config, nbs)
    from .plotting import cjk_font

    cjk_font()  # no font that draws Chinese: stop now with the install command, not in every notebook
    say(f"validating data for {config.name} …")
    run_dir = prepare_run(config.path, runs_root)
    release_memory()  # the tables are on disk now; every kernel reads its own copy
    result = RunResult(run_dir)
    (run_dir / "notebooks").mkdir()
    present = {p.stem for p in (run_dir / DATA_DIR).glob("*.parquet")}
    jobs = max(1, jobs or os.cpu_count() or 1)
    with _threads_per_kernel(max(1, (os.cpu_count() or 1) // jobs)):
        done = _run_notebooks(nbs, lambda nb: _one(nb, config, run_dir, present), jobs, say, _alone(nbs, run_dir))
    result.notebooks = [done[nb] for nb in nbs]
    if report:
        say("building HTML pages and the PDF report …")
        from .report import build_reports

        try:
            result.report = build_reports(run_dir, result.notebooks)
        except Exception as exc:  # the run's notebooks and outputs stay usable
            result.report_error = f"{type(exc).__name__}: {exc}"
            traceback.print_exc(file=sys.stderr)
    _finish_manifest(run_dir, result)
    return result


@contextlib.contextmanager
def _threads_per_kernel(n: int):
    """Kernels started inside inherit BLAS/OpenMP/torch thread counts of ``n`` (cores shared by
    notebooks running side by side), unless the variables are set already; restored on exit."""
    added = thread_limits(n, os.environ)
    os.environ.update(added)
    try:
        yield
    finally:
        for v in added:
            os.environ.pop(v, None)


def _one(nb: Path, config: ClientConfig, run_dir: Path, present: set[str]) -> NotebookResult:
    key = notebook_key(nb)
    missing = [group for group in REQUIRES.get(key, []) if not set(group) & present]
    if missing:
        need = " and ".join(" or ".join(group) for group in missing)
        return NotebookResult(nb.stem, "skipped", note=f"needs the {need} table, which the config does not supply")
    params = {"run_dir": str(run_dir), "lang": config.language, **config.notebook_params(key)}
    return _execute(nb, run_dir / "notebooks" / nb.name, params, run_dir)


def _run_notebooks(nbs: list[Path], execute: Callable[[Path], NotebookResult], jobs: int,
                   say: Callable[[str], None], alone: set[Path] = frozenset()) -> dict[Path, NotebookResult]:
    """Execute ``nbs`` with at most ``jobs`` at a time, each after the notebooks it reads
    (:data:`AFTER`) among ``nbs``; in notebook order otherwise. A notebook in ``alone`` runs with
    no other beside it: once it is ready, no other starts until it has run. Threads suffice:
    each notebook's work happens in its own kernel process, the thread only waits on it."""
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    keys = {nb: notebook_key(nb) for nb in nbs}
    position = {nb: i for i, nb in enumerate(nbs, 1)}
    needs = {nb: {o for o in nbs if keys[o] in AFTER.get(keys[nb], ())} for nb in nbs}
    waiting, running, done = list(nbs), {}, {}

    def start(nb: Path) -> None:
        waiting.remove(nb)
        say(f"[{position[nb]}/{len(nbs)}] {nb.stem} …")
        running[pool.submit(execute, nb)] = nb

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        while waiting or running:
            ready = [nb for nb in waiting if needs[nb] <= done.keys()]
            solo = next((nb for nb in ready if nb in alone), None)
            if solo is not None:  # drain, then run it by itself
                if not running:
                    start(solo)
            elif not any(nb in alone for nb in running.values()):
                for nb in ready[: max(0, jobs - len(running))]:
                    start(nb)
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in finished:
                nb = running.pop(fut)
                done[nb] = fut.result()
                say(f"[{position[nb]}/{len(nbs)}] {done[nb].line()}")
    return done


def _alone(nbs: list[Path], run_dir: Path) -> set[Path]:
    """The notebooks of :data:`ALONE` that this client's size makes run by themselves."""
    import pyarrow.parquet as pq

    rows = sum(pq.read_metadata(p).num_rows for p in (run_dir / DATA_DIR).glob("*.parquet")
               if p.stem in ("orders", "touchpoints"))
    return {nb for nb in nbs if rows >= ALONE.get(notebook_key(nb), float("inf"))}


def _finish_manifest(run_dir: Path, result: RunResult) -> None:
    import json

    path = run_dir / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["notebooks"] = [n.__dict__ | {"seconds": round(n.seconds, 2)} for n in result.notebooks]
    manifest["report"] = str(result.report.relative_to(run_dir)) if result.report else None
    manifest["report_error"] = result.report_error or None
    manifest["outputs"] = sorted(str(p.relative_to(run_dir)) for p in (run_dir / OUTPUTS_DIR).rglob("*") if p.is_file())
    manifest["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    manifest["ok"] = result.ok
    write_json(manifest, path)
