"""The budget step of a run: fit the curves or refuse with reasons, then the plan (MMM or the
attribution fallback), scenarios, the comparison with the linear plan and the cross-check.

``budget_analysis`` is the one place a run's authoritative ``budget_plan.csv`` comes from: its
``method`` column says ``mmm`` (response curves) or ``attribution`` (the linear plan of
:func:`mopkit.attribution.plan_budget`, used only when the curves cannot be identified).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InsufficientDataError
from ..i18n import channel_name, t
from .identify import identification_problems, quality_problems
from .model import MarketingMixModel
from .optimise import evaluate_split, plan_with_curves, scenarios

PLAN_COLUMNS = ("channel", "model", "roas", "cpa", "current_spend", "proposed_spend", "change", "change_pct",
                "expected_value_change", "expected_conversion_change", "action", "method",
                "expected_value_change_low", "expected_value_change_high", "period_days")


@dataclass
class BudgetResult:
    """Everything the budget notebook shows and writes.

    method : "mmm", "attribution" or "none" (no plan possible).
    problems : reasons the curves were refused (``code, channels, text``), empty when fitted.
    model : the fitted :class:`MarketingMixModel` or None.
    plan : the authoritative plan table (:data:`PLAN_COLUMNS` first), or None.
    summary : totals of the plan (expected change with interval, period_days, ...).
    """

    method: str
    problems: list = field(default_factory=list)
    model: MarketingMixModel | None = None
    channels: pd.DataFrame | None = None
    curves: pd.DataFrame | None = None
    plan: pd.DataFrame | None = None
    summary: dict = field(default_factory=dict)
    scenarios: pd.DataFrame | None = None
    comparison: pd.DataFrame | None = None
    crosscheck: pd.DataFrame | None = None
    current: pd.Series | None = None
    notes: list = field(default_factory=list)
    target: str = "gmv"


def current_daily_spend(frame: pd.DataFrame, channels, recent_days: int = 91) -> pd.Series:
    """Mean daily spend per channel over the last ``recent_days`` days of the frame (today's split)."""
    return frame[list(channels)].iloc[-int(recent_days):].mean()


def attribution_plan(performance: pd.DataFrame, *, model: str, roas_target: float, max_shift: float,
                     min_spend: float, period_days: int, lang: str):
    """The linear attribution plan with the MMM plan's extra columns (``method="attribution"``).

    Its money is over the attribution window (``period_days`` = the window's days); it assumes
    constant returns, so ``expected_value_change_high`` is its (upper-bound) estimate and ``_low``
    is left empty. When ``model`` is not in ``performance`` the model is chosen as the attribution
    notebook chooses it (:func:`mopkit.attribution.choose_budget_model`), and the returned
    :class:`~mopkit.fallbacks.Fallback` (else None) says so.
    """
    from ..attribution import choose_budget_model, plan_budget

    chosen, fallback = choose_budget_model(performance, model, lang)
    p = plan_budget(performance, model=chosen, roas_target=roas_target, max_shift=max_shift, min_spend=min_spend, lang=lang)
    t = p.table.assign(method="attribution", expected_value_change_low=np.nan,
                       expected_value_change_high=p.table["expected_value_change"], period_days=period_days)
    return p, t, fallback


def budget_analysis(frame: pd.DataFrame, *, performance: pd.DataFrame | None = None, attribution_model: str = "markov",
                    roas_target: float = 5.0, max_shift: float = 0.2, min_spend: float = 0.0, bounds: dict | None = None,
                    period_days: int = 30, recent_days: int = 91, margin: float = 0.0, max_mape: float = 0.4,
                    min_weeks: int = 26, n_boot: int = 40, seed: int = 0, level: float = 0.9,
                    lang: str = "zh", **model_kw) -> BudgetResult:
    """Fit, check, plan. See the module docstring; ``performance`` is the attribution table
    (``channel, model, value, cost, roas, cpa``, e.g. notebook 03's ``attribution.csv``) used for
    the fallback, the linear-plan comparison and the cross-check.
    """
    chans = [c for c in frame.attrs.get("channels", [c for c in frame.columns if c not in ("date", "y")])
             if frame[c].sum() > 0]
    res = BudgetResult(method="none", target=frame.attrs.get("target", "gmv"))
    idle = [c for c in frame.attrs.get("channels", []) if c not in chans]
    if idle:
        res.notes.append(t("mmm.note.nospend", lang, channels=("、" if lang == "zh" else ", ").join(channel_name(c, lang) for c in idle)))
    window_days = len(frame)
    res.problems = identification_problems(frame, chans, min_weeks=min_weeks, lang=lang)
    if not res.problems:
        try:
            model = MarketingMixModel(n_boot=n_boot, seed=seed, **model_kw).fit(frame, chans)
        except InsufficientDataError as e:  # pragma: no cover - identification_problems already said why
            res.problems = [{"code": "refused", "channels": [], "text": e.message}]
        else:
            res.problems = quality_problems(model, max_mape=max_mape, lang=lang)
            res.model = model
    linear = None
    if performance is not None and len(performance) and (performance["cost"] > 0).any():
        linear, linear_table, fallback = attribution_plan(performance, model=attribution_model, roas_target=roas_target,
                                                          max_shift=max_shift, min_spend=min_spend, period_days=window_days,
                                                          lang=lang)
        if fallback is not None:
            res.notes.append(fallback.text(lang))
    if res.model is not None and not res.problems:
        m = res.model
        cur = current_daily_spend(frame, m.channels_, recent_days)
        res.current = cur
        res.channels = m.channel_table(cur, level=level)
        res.curves = m.response_curves(level=level)
        curves = m.curves()
        plan = plan_with_curves(curves, cur, roas=res.channels.set_index("channel")["current_roas"], max_shift=max_shift,
                                bounds=bounds, period_days=period_days, level=level, seed=seed)
        res.method, res.plan, res.summary = "mmm", plan.table, dict(plan.summary)
        res.scenarios = scenarios(curves, cur, max_shift=max_shift, bounds=bounds, period_days=period_days, level=level, seed=seed)
        if margin > 0:
            extra = res.scenarios["total_spend"] - res.scenarios.loc[res.scenarios["scale"] == 1.0, "total_spend"].iloc[0]
            res.scenarios["profit_change_vs_today"] = margin * res.scenarios["gain_vs_today"] - extra
            res.summary["expected_profit_change"] = margin * res.summary["expected_value_change"]
        rows = [{"split": "current", **evaluate_split(curves, cur.to_numpy(), period_days=period_days, level=level)},
                {"split": "mmm", **evaluate_split(curves, plan.table["proposed_spend"].to_numpy() / period_days,
                                                  period_days=period_days, level=level)}]
        if linear is not None:
            ratio = linear.table.set_index("channel")["proposed_spend"] / linear.table.set_index("channel")["current_spend"]
            lin = np.array([cur[c] * float(ratio.get(c, 1.0)) for c in m.channels_])
            lin *= cur.sum() / lin.sum()
            rows.append({"split": "attribution", **evaluate_split(curves, lin, period_days=period_days, level=level)})
        res.comparison = pd.DataFrame(rows)
        if performance is not None and len(performance):
            res.crosscheck = crosscheck(res.channels, performance, model=attribution_model)
    elif linear is not None:
        res.method, res.plan = "attribution", linear_table
        res.summary = {**linear.summary, "method": "attribution", "period_days": window_days,
                       "expected_value_change_low": np.nan,
                       "expected_value_change_high": linear.summary["expected_value_change"]}
    if res.plan is not None:
        res.plan = res.plan[list(PLAN_COLUMNS) + [c for c in res.plan.columns if c not in PLAN_COLUMNS]]
    return res


def crosscheck(channels: pd.DataFrame, performance: pd.DataFrame, *, model: str = "markov") -> pd.DataFrame:
    """MMM contribution shares beside attribution value shares (``model`` and last touch).

    Returns ``channel, mmm_share, mmm_share_low, mmm_share_high, <model>_share, last_touch_share, gap``
    (gap = MMM minus ``model``), channels with spend only.
    """
    out = channels[["channel", "contribution_share", "contribution_share_low", "contribution_share_high"]].rename(
        columns={"contribution_share": "mmm_share", "contribution_share_low": "mmm_share_low",
                 "contribution_share_high": "mmm_share_high"})
    for mdl in dict.fromkeys([model, "last_touch"]):
        p = performance[(performance["model"] == mdl) & performance["channel"].isin(out["channel"])]
        if p.empty:
            continue
        share = p.set_index("channel")["value"] / p["value"].sum()
        out[f"{mdl}_share"] = out["channel"].map(share).fillna(0.0)
    if f"{model}_share" in out:
        out["gap"] = out["mmm_share"] - out[f"{model}_share"]
    return out.reset_index(drop=True)
