"""Monthly acquisition cohorts and their retention matrix.

A customer's cohort is the calendar month of their first order that was not cancelled. The
retention of cohort ``c`` at offset ``k`` is the share of the cohort's customers with at least
one (non-cancelled) order in month ``c + k`` (so offset 0 is 100 %). Cells whose month lies
after the last month in the data are NaN (not observable), not 0.

Reference: Fader & Hardie, "Probability models for customer-base analysis" (J. Interactive
Marketing, 2009) for cohort retention curves; "M1/M3 retention" is the usual merchant
back-office name for offsets 1 and 3.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError, InsufficientDataError
from ..i18n import register
from .kpi import KpiCube

register({
    "cohorts.title": {"zh": "月度获客群组留存率", "en": "Monthly acquisition cohorts: retention"},
    "cohorts.cohort": {"zh": "首购月份", "en": "Cohort (first-order month)"},
    "cohorts.offset": {"zh": "首购后第几个月", "en": "Months since first order"},
    "cohorts.size": {"zh": "新客数", "en": "New customers"},
})


_DENSE_CELLS = 500_000_000  # customers x months up to which activity is a 0/1 table (bytes)


def _prepare(orders, customer_col, time_col, status_col):
    missing = [c for c in (customer_col, time_col) if c not in orders.columns]
    if missing:
        raise DataError(f"orders lacks {missing} needed for cohorts", column=missing[0],
                        fix="map the customer id and order time columns in the client config")
    keep = np.ones(len(orders), dtype=bool)
    if status_col in orders.columns:  # the few distinct statuses are compared once, not every order's
        code, names = pd.factorize(orders[status_col], use_na_sentinel=False)
        keep = ~(pd.Index(names).astype(str).str.lower() == "cancelled")[code]
    if not keep.any():
        raise InsufficientDataError("no orders left to build cohorts from",
                                    fix="check the analysis window and the order statuses")
    month = pd.to_datetime(orders[time_col]).to_numpy(dtype="datetime64[ns]")[keep].astype("datetime64[M]").astype(np.int64)
    cust, _ = pd.factorize(orders[customer_col])  # Arrow strings coded directly, no Python object per order
    cust, _ = pd.factorize(cust[keep])  # 0..C-1 over the customers with an order kept
    return cust.astype(np.int64), month


def cohort_counts(orders: pd.DataFrame, *, customer_col: str = "customer_id",
                  time_col: str = "order_time", status_col: str = "status") -> pd.DataFrame:
    """Active customers per (cohort month, month offset).

    Required columns: customer_id, order_time; optional status (cancelled orders are left out).

    Returns
    -------
    DataFrame indexed by cohort month start (Timestamp), columns offsets 0..K (int), values the
    number of cohort customers active at that offset; NaN where the month is after the data.
    """
    return _counts(*_prepare(orders, customer_col, time_col, status_col))


def _counts(cust: np.ndarray, month: np.ndarray) -> pd.DataFrame:
    """:func:`cohort_counts` from customer codes 0..C-1 and month numbers of the kept orders."""
    first = np.full(cust.max() + 1, np.iinfo(np.int64).max)
    np.minimum.at(first, cust, month)
    c0, last = first.min(), month.max()
    n_c, n_k = int(last - c0 + 1), int(last - c0 + 1)
    if len(first) * n_k <= _DENSE_CELLS:  # customers x months as a 0/1 table: no sort of every order
        active = np.zeros((len(first), n_k), dtype=bool)
        active[cust, month - first[cust]] = True
        cohort = first - c0
        counts = np.stack([np.bincount(cohort, weights=active[:, k], minlength=n_c) for k in range(n_k)], axis=1)
    else:
        pairs = np.unique(cust * np.int64(1 << 20) + (month - first[cust]))  # (customer, offset) once
        pc, off = pairs >> 20, pairs & ((1 << 20) - 1)
        counts = np.bincount((first[pc] - c0) * n_k + off, minlength=n_c * n_k).reshape(n_c, n_k).astype(float)
    cohorts = np.arange(c0, last + 1)
    observable = (cohorts[:, None] + np.arange(n_k)[None, :]) <= last
    counts[~observable] = np.nan
    idx = pd.DatetimeIndex(cohorts.astype("datetime64[M]").astype("datetime64[ns]"), name="cohort")
    df = pd.DataFrame(counts, index=idx, columns=pd.Index(range(n_k), name="offset"))
    return df[df[0] > 0]  # months in which nobody was acquired are not cohorts


def retention_matrix(orders: pd.DataFrame, max_offset: int | None = 12, **cols) -> pd.DataFrame:
    """Share of each monthly cohort active k months after its first order.

    Same inputs as :func:`cohort_counts`. Returns the counts divided by the cohort size (offset
    0), columns limited to ``0..max_offset``; ``attrs["sizes"]`` holds the cohort sizes.
    """
    return _matrix(cohort_counts(orders, **cols), max_offset)


def retention_from_cube(cube: KpiCube, max_offset: int | None = 12) -> pd.DataFrame:
    """:func:`retention_matrix` from a KPI cube (the same orders: cancelled ones left out), reusing
    its customer codes instead of coding every order's customer id again."""
    if len(cube.o_day) == 0:
        raise InsufficientDataError("no orders left to build cohorts from",
                                    fix="check the analysis window and the order statuses")
    month = cube.o_day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return _matrix(_counts(cube.o_cust, month), max_offset)


def _matrix(counts: pd.DataFrame, max_offset: int | None) -> pd.DataFrame:
    if max_offset is not None:
        counts = counts.loc[:, counts.columns <= max_offset]
    mat = counts.div(counts[0], axis=0)
    mat.attrs["sizes"] = counts[0].astype(int)
    return mat


def retention_at(matrix: pd.DataFrame, k: int) -> float:
    """Retention at offset ``k`` over all cohorts observable at ``k``, weighted by cohort size:
    sum of active customers / sum of cohort sizes (NaN when no cohort is observable).

    ``matrix`` comes from :func:`retention_matrix` (it carries the sizes in ``attrs``)."""
    if k not in matrix.columns:
        return float("nan")
    sizes = matrix.attrs.get("sizes")
    if sizes is None:
        raise DataError("retention_at needs the matrix returned by retention_matrix",
                        fix="pass retention_matrix(orders) unchanged")
    ok = matrix[k].notna()
    if not ok.any():
        return float("nan")
    return float((matrix.loc[ok, k] * sizes[ok]).sum() / sizes[ok].sum())
