"""The run folder's layout and the files every layer shares: folder names, notebook keys, JSON and findings.

The bottom of the run machinery: ``layout`` < ``prepare`` (validate data, lay out a run) <
``context`` (what a notebook sees) < ``report`` (HTML/PDF) < ``run`` (papermill) < ``cli``.
Nothing here imports another mopkit module.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = "data"
OUTPUTS_DIR = "outputs"
FINDINGS_DIR = "findings"  # under outputs/
FALLBACKS_DIR = "fallbacks"  # under outputs/
#: Data rows one spreadsheet sheet holds (Excel and WPS: 1,048,576 rows, one of them the header).
SHEET_MAX_ROWS = 1_048_575
#: Rows of a table a person still works through in a spreadsheet. Beyond it a per-customer table is
#: written as Parquet (a 1M-row CSV is 300 MB and takes 40 s to write), and an audience list as CSV
#: only (what ad and CRM platforms import), without its XLSX twin.
PERSON_MAX_ROWS = 200_000
#: Rows of an audience list that also gets an XLSX twin. A workbook costs ~30 µs a cell to write
#: (xlsxwriter; a CSV ~1 µs): 50,000 customers x 6 columns is ~10 s, 200,000 would be ~40 s.
XLSX_MAX_ROWS = 50_000


def _jsonable(obj: Any):
    if isinstance(obj, (pd.Timestamp, dt.date)):
        return obj.isoformat()
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def write_json(obj: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2, default=_jsonable, allow_nan=False), encoding="utf-8")
    return path


def read_findings(run_dir: str | Path) -> list[dict]:
    """All findings of a run, weightiest first."""
    out: list[dict] = []
    for p in sorted((Path(run_dir) / OUTPUTS_DIR / FINDINGS_DIR).glob("*.json")):
        out.extend(json.loads(p.read_text(encoding="utf-8")))
    return sorted(out, key=lambda f: -f["weight"])


#: Thread-count variables of numpy's BLAS, OpenMP (torch, scikit-learn) and MKL: runs and notebooks
#: side by side share the cores by setting them (unless the user has).
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def thread_limits(n: int, env) -> dict[str, str]:
    """The :data:`THREAD_VARS` to set so that processes started with ``env`` use ``n`` threads:
    those not set in ``env`` already (a user's own setting wins)."""
    return {v: str(n) for v in THREAD_VARS if v not in env}


def notebook_key(path: str | Path) -> str:
    """``01_rfm_clv.ipynb`` -> ``rfm_clv``: the key of its parameters under ``notebooks:``."""
    stem = Path(path).stem
    head, _, rest = stem.partition("_")
    return rest if head.isdigit() and rest else stem


def read_output(run_dir: str | Path, stem: str, columns: list[str] | None = None) -> pd.DataFrame | None:
    """``outputs/<stem>.parquet`` or ``outputs/<stem>.csv`` of a run (see
    :meth:`mopkit.context.RunContext.write_table`), with only ``columns`` if given; None when neither exists."""
    out = Path(run_dir) / OUTPUTS_DIR
    if (out / f"{stem}.parquet").exists():
        return pd.read_parquet(out / f"{stem}.parquet", columns=columns)
    if (out / f"{stem}.csv").exists():
        return pd.read_csv(out / f"{stem}.csv", usecols=columns, encoding="utf-8-sig")
    return None
