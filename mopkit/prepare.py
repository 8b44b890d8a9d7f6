"""Prepare a run: validate the config and data once, and lay out a new run folder.

Below :mod:`mopkit.context` (a notebook opened by hand prepares the sample through it) and
:mod:`mopkit.run` (papermill), so neither needs the other.
"""
from __future__ import annotations

import copy
import datetime as dt
import hashlib
import platform
from importlib import metadata
from pathlib import Path

import yaml

from .config import ClientConfig, load_config
from .data.loader import as_loaded, load_tables
from .errors import RunError
from .layout import DATA_DIR, OUTPUTS_DIR, REPO_ROOT, write_json

PACKAGES = ("mopkit", "pandas", "numpy", "lifetimes", "torch", "papermill", "nbconvert", "voila", "duckdb", "statsmodels", "weasyprint")


def sample_config_path() -> Path:
    """The bundled sample client's config (``data_samples/sample_merchant/client.yaml``)."""
    return REPO_ROOT / "data_samples" / "sample_merchant" / "client.yaml"


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
    loaded = load_tables(config, compact=True)  # repeated text as categoricals until each table is written
    runs_root = Path(runs_root) if runs_root else Path.cwd() / "runs"
    run_dir = _new_run_dir(runs_root, config.slug)
    (run_dir / DATA_DIR).mkdir()
    (run_dir / OUTPUTS_DIR).mkdir()
    rows = {}
    for name in list(loaded.tables):  # one table as text at a time, freed once written
        df = as_loaded(loaded.tables.pop(name))
        df.to_parquet(run_dir / DATA_DIR / f"{name}.parquet", index=False)
        rows[name] = len(df)
        del df
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
        "rows": rows,
        "versions": _versions(),
        "created": dt.datetime.now().isoformat(timespec="seconds"),
        "notebooks": [],
    }
    write_json(manifest, run_dir / "manifest.json")
    return run_dir
