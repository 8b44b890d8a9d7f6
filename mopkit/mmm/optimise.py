"""Budget allocation over fitted response curves: maximise the expected outcome for a total.

``max sum_c beta_c h_c(s_c)`` subject to ``sum_c s_c = total`` and per-channel bounds, solved
with SLSQP (``scipy.optimize.minimize``) from several seeded starts because Hill curves with
``S > 1`` are not concave near zero. At an interior optimum every funded channel has the same
marginal return (the equal-marginal-returns rule). Gains get intervals by evaluating the same
plan on every bootstrap draw of the curves.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from ..errors import ConfigError
from .model import Curves


def allocation_bounds(current, *, total: float, max_shift: float | None = 0.2, lower=None, upper=None):
    """Per-channel ``(lo, hi)`` daily spend: within ``max_shift`` of the current split scaled to
    ``total`` (``None``: no limit), intersected with the explicit ``lower``/``upper`` arrays.

    Raises ConfigError when the bounds cannot hold the total.
    """
    cur = np.asarray(current, dtype=float)
    ref = cur * (total / cur.sum()) if cur.sum() > 0 else np.full(cur.size, total / cur.size)
    if max_shift is None:
        lo, hi = np.zeros_like(ref), np.full_like(ref, total)
    else:
        if max_shift < 0:
            raise ConfigError(f"max_shift must be >= 0, got {max_shift!r}", fix="use e.g. 0.2")
        lo, hi = ref * max(1 - max_shift, 0), ref * (1 + max_shift)
    if lower is not None:
        lo = np.maximum(lo, np.asarray(lower, dtype=float))
    if upper is not None:
        hi = np.minimum(hi, np.asarray(upper, dtype=float))
    if (lo > hi + 1e-9).any() or lo.sum() > total * (1 + 1e-9) or hi.sum() < total * (1 - 1e-9):
        raise ConfigError(f"the channel bounds cannot hold a total of {total:,.2f} per day "
                          f"(they allow {lo.sum():,.2f} to {hi.sum():,.2f})",
                          fix="widen max_shift or the per-channel bounds, or change the total")
    return lo, hi


def optimise_allocation(curves: Curves, current, *, total: float | None = None, max_shift: float | None = 0.2,
                        lower=None, upper=None, n_starts: int = 6, seed: int = 0) -> np.ndarray:
    """Daily spend per channel maximising the point curves' expected outcome (see module doc).

    ``current``: today's daily spend per channel ``[C]``; ``total`` defaults to its sum.
    """
    cur = np.asarray(current, dtype=float)
    total = float(cur.sum() if total is None else total)
    lo, hi = allocation_bounds(cur, total=total, max_shift=max_shift, lower=lower, upper=upper)
    pt = curves.point()
    scale = max(total, 1e-9)

    def f(u):
        return -pt.response(u * scale)[0] / scale

    def g(u):
        return -pt.marginal(u * scale)[0]

    rng = np.random.default_rng(seed)
    ref = cur * (total / cur.sum()) if cur.sum() > 0 else np.full(cur.size, total / cur.size)
    starts = [np.clip(ref, lo, hi)]
    for _ in range(max(n_starts - 1, 0)):
        starts.append(lo + rng.dirichlet(np.ones(cur.size)) * (hi - lo))
    best, best_val = None, np.inf
    cons = [{"type": "eq", "fun": lambda u: u.sum() - total / scale, "jac": lambda u: np.ones_like(u)}]
    for s0 in starts:
        s0 = _project(s0, lo, hi, total)
        res = minimize(f, s0 / scale, jac=g, bounds=list(zip(lo / scale, hi / scale)), constraints=cons,
                       method="SLSQP", options={"maxiter": 500, "ftol": 1e-12})
        u = _project(np.clip(res.x * scale, lo, hi), lo, hi, total)
        val = f(u / scale)
        if val < best_val - 1e-12:
            best, best_val = u, val
    return best


def _project(s, lo, hi, total):
    """Shift ``s`` inside [lo, hi] so it sums to ``total`` (bisection on a common offset)."""
    a, b = -total - hi.max(), total + hi.max()
    for _ in range(100):
        m = (a + b) / 2
        if np.clip(s + m, lo, hi).sum() > total:
            b = m
        else:
            a = m
    return np.clip(s + (a + b) / 2, lo, hi)


@dataclass(frozen=True)
class MMMPlan:
    """A budget plan over response curves.

    table : the attribution plan's columns (``channel, model, roas, cpa, current_spend,
        proposed_spend, change, change_pct, expected_value_change, expected_conversion_change,
        action``) plus ``method`` ("mmm"), ``expected_value_change_low/high``, ``period_days``,
        ``marginal_roas_current``, ``marginal_roas_proposed``. Money is per ``period_days``.
    summary : totals with the interval of the total gain (a percentile of the summed draws).
    """

    table: pd.DataFrame
    summary: dict = field(default_factory=dict)


def plan_with_curves(curves: Curves, current: pd.Series, *, roas: pd.Series | None = None, total_scale: float = 1.0,
                     max_shift: float | None = 0.2, bounds: dict | None = None, period_days: int = 30,
                     level: float = 0.9, seed: int = 0) -> MMMPlan:
    """Optimise the split of ``total_scale`` x today's total and state the expected change.

    ``current``: daily spend per channel (index = channel). ``bounds``: optional
    ``{channel: [min, max]}`` spend per period. Changes are measured against today's split
    scaled to the same total (so ±20 % scenarios show the gain of reallocation alone), and
    ``expected_value_change`` of each channel is ``period_days * (r_c(new) - r_c(scaled today))``.
    """
    chans = list(curves.channels)
    cur = np.array([float(current.get(c, 0.0)) for c in chans])
    total = cur.sum() * total_scale
    lower = upper = None
    if bounds:
        unknown = sorted(set(bounds) - set(chans))
        if unknown:
            raise ConfigError(f"budget bounds name unknown channels {unknown}", fix=f"use channels among {chans}")
        lower = np.array([bounds.get(c, [0, np.inf])[0] / period_days for c in chans], dtype=float)
        upper = np.array([bounds.get(c, [0, np.inf])[1] / period_days for c in chans], dtype=float)
    new = optimise_allocation(curves, cur, total=total, max_shift=max_shift, lower=lower, upper=upper, seed=seed)
    ref = cur * total_scale
    q = [(1 - level) / 2 * 100, (1 + level) / 2 * 100]
    per_draw = period_days * (curves.beta * (_h(curves, new) - _h(curves, ref)))  # [D, C]
    lo, hi = np.percentile(per_draw, q, axis=0)
    tot = per_draw.sum(axis=1)
    change = (new - ref) * period_days
    m_cur, m_new = curves.marginal(ref)[0], curves.marginal(new)[0]
    table = pd.DataFrame({
        "channel": chans, "model": "mmm",
        "roas": [float(roas.get(c, np.nan)) if roas is not None else np.nan for c in chans],
        "cpa": np.nan, "current_spend": ref * period_days, "proposed_spend": new * period_days,
        "change": change, "change_pct": np.where(ref > 0, (new - ref) / np.where(ref > 0, ref, 1), np.nan),
        "expected_value_change": per_draw[0], "expected_conversion_change": np.nan,
        "action": ["increase" if c > 1e-6 * max(total, 1) else "decrease" if c < -1e-6 * max(total, 1) else "hold" for c in change],
        "method": "mmm", "expected_value_change_low": lo, "expected_value_change_high": hi, "period_days": period_days,
        "marginal_roas_current": m_cur, "marginal_roas_proposed": m_new,
    })
    base = period_days * curves.response(ref)
    summary = {
        "method": "mmm", "period_days": period_days, "total_spend": float(total * period_days),
        "moved": float(np.clip(change, 0, None).sum()), "current_value": float(base[0]),
        "expected_value_change": float(tot[0]),
        "expected_value_change_low": float(np.percentile(tot, q[0])),
        "expected_value_change_high": float(np.percentile(tot, q[1])),
        "probability_gain": float(np.mean(tot[1:] > 0)) if len(tot) > 1 else float(tot[0] > 0),
    }
    return MMMPlan(table=table, summary=summary)


def _h(curves: Curves, s):
    from .transforms import hill

    return hill(np.asarray(s, dtype=float)[None, :], curves.K, curves.S)


def evaluate_split(curves: Curves, split, *, period_days: int = 30, level: float = 0.9) -> dict:
    """Expected outcome per period of a daily ``split`` ``[C]`` with its interval (``value, low, high``)."""
    v = period_days * curves.response(np.asarray(split, dtype=float))
    q = [(1 - level) / 2 * 100, (1 + level) / 2 * 100]
    return {"value": float(v[0]), "low": float(np.percentile(v, q[0])), "high": float(np.percentile(v, q[1]))}


def scenarios(curves: Curves, current: pd.Series, *, scales=(0.8, 1.0, 1.2), max_shift: float | None = 0.2,
              bounds: dict | None = None, period_days: int = 30, level: float = 0.9, seed: int = 0) -> pd.DataFrame:
    """For each total (``scale`` x today's): spend, expected outcome of today's split scaled and of
    the optimised split, and the optimised plan's gain over today's total and split with its interval.

    Returns ``scenario, total_spend, value_current_split, value_optimised, gain_vs_today, gain_low, gain_high``.
    """
    chans = list(curves.channels)
    cur = np.array([float(current.get(c, 0.0)) for c in chans])
    today = period_days * curves.response(cur)
    q = [(1 - level) / 2 * 100, (1 + level) / 2 * 100]
    rows = []
    for s in scales:
        try:
            p = plan_with_curves(curves, current, total_scale=s, max_shift=max_shift, bounds=bounds,
                                 period_days=period_days, level=level, seed=seed)
        except ConfigError:  # the channel bounds cannot hold this total: the scenario is left empty
            rows.append({"scenario": f"{s - 1:+.0%}" if s != 1 else "0%", "scale": s,
                         "total_spend": float(cur.sum() * s * period_days)})
            continue
        new = p.table["proposed_spend"].to_numpy() / period_days
        v_new = period_days * curves.response(new)
        v_ref = period_days * curves.response(cur * s)
        gain = v_new - today
        rows.append({"scenario": f"{s - 1:+.0%}" if s != 1 else "0%", "scale": s, "total_spend": float(cur.sum() * s * period_days),
                     "value_current_split": float(v_ref[0]), "value_optimised": float(v_new[0]),
                     "gain_vs_today": float(gain[0]), "gain_low": float(np.percentile(gain, q[0])),
                     "gain_high": float(np.percentile(gain, q[1]))})
    return pd.DataFrame(rows)
