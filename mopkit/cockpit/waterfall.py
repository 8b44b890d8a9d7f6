"""GMV change between two periods, split by channel (for a waterfall chart).

GMV(B) = GMV(A) + sum over channels of (GMV_c(B) - GMV_c(A)); each channel's bar is its
difference, so the bars add up exactly to the total change. GMV as in :mod:`mopkit.cockpit.kpi`
(amount of orders not cancelled).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError
from ..i18n import register
from .kpi import KpiCube, _select, _to_day, prepare_cube

register({
    "waterfall.title": {"zh": "GMV 变化（按渠道）", "en": "GMV change by channel"},
    "waterfall.start": {"zh": "上期 GMV", "en": "GMV before"},
    "waterfall.end": {"zh": "本期 GMV", "en": "GMV now"},
})


def gmv_waterfall(source: KpiCube | pd.DataFrame, period_a: tuple, period_b: tuple,
                  channels=None) -> pd.DataFrame:
    """GMV of period A, the change of every channel, GMV of period B.

    Parameters
    ----------
    source : a :class:`mopkit.cockpit.kpi.KpiCube` or the canonical ``orders`` table (order_id,
        customer_id, order_time, amount, channel, status).
    period_a, period_b : ``(start, end)`` inclusive dates.
    channels : channel ids to include (default all).

    Returns
    -------
    DataFrame ``step, kind, value, bottom, top`` — kind "total" for the first and last rows,
    "delta" for channels (largest absolute change first); bottom/top place each bar.
    """
    cube = source if isinstance(source, KpiCube) else prepare_cube(source)
    chans = _select(cube, channels)
    C = len(cube.channels)

    def by_channel(period):
        lo, hi = _to_day(period[0]), _to_day(period[1])
        if lo is None or hi is None or lo > hi:
            raise DataError(f"bad period {period!r}", fix="give (start, end) with start <= end")
        a, b = np.searchsorted(cube.o_day, [lo, hi + 1])
        return np.bincount(cube.o_ch[a:b], weights=cube.o_amt[a:b], minlength=C)[chans]

    ga, gb = by_channel(period_a), by_channel(period_b)
    delta = gb - ga
    order = np.argsort(-np.abs(delta), kind="stable")
    rows = [("__start__", "total", ga.sum())]
    rows += [(cube.channels[chans[i]], "delta", delta[i]) for i in order]
    rows.append(("__end__", "total", gb.sum()))
    df = pd.DataFrame(rows, columns=["step", "kind", "value"])
    run = ga.sum() + np.concatenate([[0], np.cumsum(delta[order])])
    bottom = np.r_[0, np.minimum(run[:-1], run[1:]), 0]
    top = np.r_[ga.sum(), np.maximum(run[:-1], run[1:]), gb.sum()]
    df["bottom"], df["top"] = bottom, top
    return df
