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

import copy
import datetime as dt
import hashlib
import platform
import sys
import time
import traceback
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Callable

import yaml

from .config import ClientConfig, load_config
from .context import DATA_DIR, OUTPUTS_DIR, write_json
from .data.loader import load_tables
from .errors import ConfigError, RunError

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
#: Tables a notebook needs beyond ``orders``: each entry is a group of alternatives, one of which
#: must be present; otherwise the notebook is skipped with a note.
REQUIRES = {"attribution": [("touchpoints", "paths")]}
#: Parameters every notebook takes from the runner rather than the config.
RUNNER_PARAMS = ("run_dir", "language")
PACKAGES = ("mopkit", "pandas", "numpy", "lifetimes", "torch", "papermill", "nbconvert", "voila", "duckdb", "statsmodels", "weasyprint")


def sample_config_path() -> Path:
    """The bundled sample client's config (``data_samples/sample_merchant/client.yaml``)."""
    return REPO_ROOT / "data_samples" / "sample_merchant" / "client.yaml"


def notebook_key(path: Path) -> str:
    """``01_rfm_clv.ipynb`` -> ``rfm_clv``: the key of its parameters under ``notebooks:``."""
    stem = path.stem
    head, _, rest = stem.partition("_")
    return rest if head.isdigit() and rest else stem


def list_notebooks(folder: Path = NOTEBOOKS_DIR) -> list[Path]:
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = "not installed"
    return out


def _new_run_dir(runs_root: Path, slug: str) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = runs_root / slug
    for n in range(1000):
        cand = base / (stamp if n == 0 else f"{stamp}-{n}")
        try:
            cand.mkdir(parents=True, exist_ok=False)
            return cand
        except FileExistsError:
            continue
    raise RunError("could not create a new run folder", file=base, fix="clean up old runs")


def _config_copy(config: ClientConfig) -> dict:
    raw = copy.deepcopy(config.raw)
    for name in config.sources:
        spec = raw["data"][name]
        entries = spec if isinstance(spec, list) else [spec]
        entries = [{"path": e} if isinstance(e, str) else e for e in entries]
        for e in entries:  # absolute paths (a glob stays a glob)
            p = Path(str(e["path"])).expanduser()
            e["path"] = str(p if p.is_absolute() else (config.path.parent / p).resolve())
        raw["data"][name] = entries if isinstance(spec, list) else entries[0]
    raw.pop("salt", None)  # the salt never goes into a run folder
    return raw


def prepare_run(config_path: str | Path, runs_root: str | Path | None = None) -> Path:
    """Validate the config and data, and lay out a new run folder. Returns its path.

    Raises :class:`ConfigError` / :class:`DataError` before anything is executed.
    """
    config = load_config(config_path)
    loaded = load_tables(config)
    runs_root = Path(runs_root) if runs_root else Path.cwd() / "runs"
    run_dir = _new_run_dir(runs_root, config.slug)
    (run_dir / DATA_DIR).mkdir()
    (run_dir / OUTPUTS_DIR).mkdir()
    for name, df in loaded.tables.items():
        df.to_parquet(run_dir / DATA_DIR / f"{name}.parquet", index=False)
    loaded.health.to_csv(run_dir / DATA_DIR / "health.csv", index=False)
    if loaded.stitching is not None:
        loaded.stitching.to_csv(run_dir / DATA_DIR / "stitching.csv", index=False)
    (run_dir / "config.yaml").write_text(yaml.safe_dump(_config_copy(config), allow_unicode=True, sort_keys=False), encoding="utf-8")
    manifest = {
        "client": {"name": config.name, "slug": config.slug, "language": config.language},
        "config_file": str(config.path),
        "config": _config_copy(config),
        "inputs": {  # one entry per file; a table with several files lists them all
            name: [{"path": str(s.path), "sha256": _sha256(s.path), "bytes": s.path.stat().st_size} for s in srcs]
            for name, srcs in config.sources.items()
        },
        "rows": {name: len(df) for name, df in loaded.tables.items()},
        "versions": _versions(),
        "created": dt.datetime.now().isoformat(timespec="seconds"),
        "notebooks": [],
    }
    write_json(manifest, run_dir / "manifest.json")
    return run_dir


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

    t0 = time.perf_counter()
    try:
        pm.execute_notebook(str(nb), str(out), parameters=params, cwd=str(run_dir), progress_bar=False,
                            kernel_name="python3", log_output=False,
                            # the kernel's own start/stop log lines are noise in the run's output;
                            # cell errors still reach us through PapermillExecutionError
                            extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
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
) -> RunResult:
    """Run every notebook for one client into a new run folder and build the reports.

    A notebook that fails does not stop the others; one whose optional inputs are missing is
    skipped with a note. Check ``result.ok`` (the CLI exits non-zero when it is false).
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
    result = RunResult(run_dir)
    (run_dir / "notebooks").mkdir()
    present = {p.stem for p in (run_dir / DATA_DIR).glob("*.parquet")}
    for i, nb in enumerate(nbs, 1):
        key = notebook_key(nb)
        missing = [group for group in REQUIRES.get(key, []) if not set(group) & present]
        if missing:
            need = " and ".join(" or ".join(group) for group in missing)
            res = NotebookResult(nb.stem, "skipped", note=f"needs the {need} table, which the config does not supply")
        else:
            say(f"[{i}/{len(nbs)}] {nb.stem} …")
            params = {"run_dir": str(run_dir), "language": config.language, **config.notebook_params(key)}
            res = _execute(nb, run_dir / "notebooks" / nb.name, params, run_dir)
        say(f"[{i}/{len(nbs)}] {res.line()}")
        result.notebooks.append(res)
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
