"""Vectorised parsing of the forms dates and amounts take in Chinese e-commerce exports.

Dates: ``2024-01-05``, ``2024/1/5 13:02``, ``2024年1月5日``, ``2024年1月5日 13时02分``, ``20240105``,
ISO 8601 with ``T`` and an optional offset (dropped: times are kept in local wall-clock time).
Amounts: ``1234.5``, ``¥1,234.50``, ``￥1 234``, ``1234.50元``, ``RMB 12``, ``$12.00``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

_DATE_RE = (
    r"^\s*(?P<y>\d{4})\s*(?:[-/.年]\s*)?(?P<m>\d{1,2})\s*(?:[-/.月]\s*)?(?P<d>\d{1,2})\s*日?"
    r"(?:[\sT]+(?P<H>\d{1,2})\s*[:时]\s*(?P<M>\d{1,2})\s*分?(?:\s*[:]?\s*(?P<S>\d{1,2}(?:\.\d+)?)\s*秒?)?)?"
    r"\s*(?:Z|[+-]\d{2}:?\d{2})?\s*$"
)
_FAST_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")
_AMOUNT_STRIP = r"[¥￥$,，\s]|RMB|CNY|元"


def parse_datetimes(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse ``values`` to naive timestamps.

    Returns ``(parsed, bad)``: ``parsed`` has NaT where parsing failed; ``bad`` is a boolean mask of
    non-empty values that could not be parsed (empty cells are not "bad", they are missing).
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        out = values
        if getattr(values.dt, "tz", None) is not None:
            out = values.dt.tz_localize(None)
        return out.astype("datetime64[ns]"), pd.Series(False, index=values.index)
    text = values.astype("string[pyarrow]").str.strip()  # Arrow string kernels: no Python call per row
    empty = text.isna() | (text == "")
    # fast path (vectorised C parser) for the usual export forms; the rest goes through the regex
    fast = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    head = text[~empty].head(50)  # try first the formats the first values are written in
    fits = [pd.to_datetime(head, format=f, errors="coerce").notna().sum() for f in _FAST_FORMATS]
    order = sorted(range(len(_FAST_FORMATS)), key=lambda i: -fits[i])
    for fmt in (_FAST_FORMATS[i] for i in order if fits[i] > 0):
        todo = fast.isna() & ~empty
        if not todo.any():
            break
        fast[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce").astype("datetime64[ns]")
    slow = fast.isna() & ~empty
    if not slow.any():
        return fast, pd.Series(False, index=values.index)
    parsed_slow, bad_slow = _parse_regex(text[slow])
    fast[slow] = parsed_slow
    bad = pd.Series(False, index=values.index)
    bad[slow] = bad_slow
    return fast, bad


def _parse_regex(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Every form of the module docstring, value by value (the slow path)."""
    empty = text.isna() | (text == "")
    parts = text.str.extract(_DATE_RE)
    nums = {k: pd.to_numeric(parts[k], errors="coerce") for k in "ymdHMS"}
    frame = pd.DataFrame(
        {
            "year": nums["y"],
            "month": nums["m"],
            "day": nums["d"],
            "hour": nums["H"].fillna(0),
            "minute": nums["M"].fillna(0),
            "second": nums["S"].fillna(0),
        }
    )
    ok = frame[["year", "month", "day"]].notna().all(axis=1)
    ok &= frame["month"].between(1, 12) & frame["day"].between(1, 31)
    ok &= frame["hour"].between(0, 23) & frame["minute"].between(0, 59) & frame["second"].between(0, 60)
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    if ok.any():
        parsed.loc[ok] = pd.to_datetime(frame.loc[ok], errors="coerce").astype("datetime64[ns]")
    bad = ~empty & parsed.isna()
    return parsed, bad


def parse_amounts(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse money amounts.

    Returns ``(parsed, bad, cleaned)``: ``bad`` marks non-empty values that are not numbers even
    after cleaning; ``cleaned`` marks values that needed cleaning (currency signs, separators).
    """
    if pd.api.types.is_numeric_dtype(values):
        out = values.astype("float64")
        return out, pd.Series(False, index=values.index), pd.Series(False, index=values.index)
    text = values.astype("string[pyarrow]").str.strip()  # Arrow string kernels: no Python call per row
    empty = text.isna() | (text == "")
    # plain numbers first (C parser); only the others are cleaned, by a regex that needs Python's re
    # (``\s``): a plain number has nothing the cleaning removes, so both give the same value
    parsed = pd.to_numeric(text, errors="coerce").astype("float64")
    todo = (~empty & parsed.isna()).to_numpy(bool)
    bad = pd.Series(False, index=values.index)
    cleaned = pd.Series(False, index=values.index)
    if todo.any():
        sub = text[todo]
        stripped = sub.str.replace(_AMOUNT_STRIP, "", regex=True)
        # accounting negatives "(12.00)"
        stripped = stripped.str.replace(r"^\((.*)\)$", r"-\1", regex=True)
        again = pd.to_numeric(stripped, errors="coerce").astype("float64")
        parsed[todo] = again.to_numpy()
        bad[todo] = again.isna().to_numpy()
        cleaned[todo] = (again.notna() & (stripped != sub)).fillna(False).to_numpy(bool)
    return parsed, bad, cleaned


def parse_counts(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse non-negative whole numbers (units, clicks); returns ``(parsed float, bad mask)``."""
    parsed, bad, _ = parse_amounts(values)
    frac = parsed.notna() & ~np.isclose(parsed.fillna(0) % 1, 0)
    return parsed, bad | frac
