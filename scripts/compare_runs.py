"""Compare the outputs of two runs file by file: did a change (or a mopkit upgrade) move a number?

    python scripts/compare_runs.py RUN_A RUN_B [--rtol 1e-9] [--ignore GLOB ...]

Tables (CSV, Parquet, XLSX) are compared cell by cell with a relative tolerance for numbers, JSON
structurally (numbers with the same tolerance), anything else byte for byte. A per-customer table
may be CSV in one run and Parquet in the other (``ctx.write_table``): it is compared by content.
Prints one line per difference and exits 1 if there is any.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import math
import sys
from pathlib import Path

import pandas as pd

TABLES = (".csv", ".parquet", ".xlsx")


def _read(path: Path) -> dict[str, pd.DataFrame]:
    if path.suffix == ".csv":
        return {"": pd.read_csv(path, encoding="utf-8-sig")}
    if path.suffix == ".parquet":
        return {"": pd.read_parquet(path)}
    return pd.read_excel(path, sheet_name=None, engine="openpyxl")


def _same_frame(a: pd.DataFrame, b: pd.DataFrame, rtol: float) -> str | None:
    if list(a.columns) != list(b.columns):
        return f"columns differ: {sorted(set(a.columns) ^ set(b.columns)) or 'order'}"
    if len(a) != len(b):
        return f"{len(a)} rows vs {len(b)}"
    for c in a.columns:
        x, y = a[c], b[c]
        if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
            xa, ya = x.to_numpy(float), y.to_numpy(float)
            both_nan = pd.isna(xa) & pd.isna(ya)
            bad = ~both_nan & ~(abs(xa - ya) <= rtol * abs(ya) + 1e-12)
            if bad.any():
                i = int(bad.argmax())
                return f"column {c!r}: {int(bad.sum())} values differ, e.g. row {i}: {xa[i]!r} vs {ya[i]!r}"
        else:
            xs, ys = x.astype("string").fillna("<NA>"), y.astype("string").fillna("<NA>")
            bad = (xs != ys).to_numpy()
            if bad.any():
                i = int(bad.argmax())
                return f"column {c!r}: {int(bad.sum())} values differ, e.g. row {i}: {xs.iloc[i]!r} vs {ys.iloc[i]!r}"
    return None


def _same_json(a, b, rtol: float, where: str = "") -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return f"{where or '/'}: keys differ: {sorted(set(a) ^ set(b))}"
        return next((d for k in a if (d := _same_json(a[k], b[k], rtol, f"{where}/{k}"))), None)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} items vs {len(b)}"
        return next((d for i, (x, y) in enumerate(zip(a, b)) if (d := _same_json(x, y, rtol, f"{where}[{i}]"))), None)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return None if math.isclose(a, b, rel_tol=rtol, abs_tol=1e-12) else f"{where}: {a!r} vs {b!r}"
    return None if a == b else f"{where}: {a!r} vs {b!r}"


def _key(rel: Path) -> str:
    return str(rel.with_suffix("")) if rel.suffix in (".csv", ".parquet") else str(rel)


def compare(run_a: Path, run_b: Path, *, rtol: float = 1e-9, ignore: tuple[str, ...] = ()) -> list[str]:
    """Differences between ``run_a/outputs`` and ``run_b/outputs``, one line each."""
    def files(run: Path) -> dict[str, Path]:
        out = run / "outputs"
        return {_key(p.relative_to(out)): p for p in sorted(out.rglob("*")) if p.is_file()
                and not any(fnmatch.fnmatch(str(p.relative_to(out)), g) for g in ignore)}

    fa, fb = files(run_a), files(run_b)
    diffs = [f"{k}: only in {run_a if k in fa else run_b}" for k in sorted(set(fa) ^ set(fb))]
    for k in sorted(set(fa) & set(fb)):
        a, b = fa[k], fb[k]
        if a.suffix in TABLES and b.suffix in TABLES:
            sa, sb = _read(a), _read(b)
            if list(sa) != list(sb):
                diffs.append(f"{k}: sheets {list(sa)} vs {list(sb)}")
                continue
            diffs += [f"{k}{'[' + s + ']' if s else ''}: {d}" for s in sa if (d := _same_frame(sa[s], sb[s], rtol))]
        elif a.suffix == ".json":
            d = _same_json(json.loads(a.read_text(encoding="utf-8")), json.loads(b.read_text(encoding="utf-8")), rtol)
            if d:
                diffs.append(f"{k}: {d}")
        elif a.read_bytes() != b.read_bytes():
            diffs.append(f"{k}: bytes differ")
    return diffs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_a", type=Path)
    ap.add_argument("run_b", type=Path)
    ap.add_argument("--rtol", type=float, default=1e-9, help="relative tolerance for numbers (default 1e-9)")
    ap.add_argument("--ignore", nargs="*", default=[], help="output files to skip (globs, e.g. '*.png')")
    a = ap.parse_args(argv)
    diffs = compare(a.run_a, a.run_b, rtol=a.rtol, ignore=tuple(a.ignore))
    print("\n".join(diffs) if diffs else "identical outputs")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
