"""Spend, CPA and ROAS per channel under each attribution model, and a budget reallocation.

``channel_performance`` joins model credits with ``ad_spend``; ``plan_budget`` moves spend
from channels whose attributed ROAS is below the client's target to those above it, within the
limits of the client config, and says what it assumes.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..data.orders import valid_costs
from ..errors import ConfigError, DataError, InsufficientDataError, ModelError
from ..fallbacks import Fallback
from ..i18n import channel_name, register, t
from .labels import model_label

LABELS = {
    "attr.assume.linear": {
        "zh": "假设每个渠道下一元预算的回报等于其当前的归因 ROAS（回报不递减）；实际回报通常递减，预计增量应视为上限。",
        "en": "Each channel's next yuan earns its current attributed ROAS (no diminishing returns); "
              "real returns usually diminish, so the expected change is an upper bound.",
    },
    "attr.assume.total": {
        "zh": "总预算不变，只在渠道之间调配。",
        "en": "Total spend stays the same; money only moves between channels.",
    },
    "attr.assume.limits": {
        "zh": "每个渠道最多调整其当前花费的 {max_shift:.0%}，且花费不低于 {min_spend:,.0f}。",
        "en": "No channel changes by more than {max_shift:.0%} of its current spend or drops below {min_spend:,.0f}.",
    },
    "attr.assume.model": {
        "zh": "渠道贡献按「{model}」归因模型计算，ROAS 目标为 {target:g}。",
        "en": "Channel returns follow the '{model}' attribution model; the ROAS target is {target:g}.",
    },
    "attr.assume.nospend": {
        "zh": "以下渠道没有广告花费记录，不参与调配：{channels}。",
        "en": "These channels have no ad spend recorded and are not part of the plan: {channels}.",
    },
    "attr.fb.tried": {"zh": "按「{model}」模型制定预算方案", "en": "planning the budget on the '{model}' model"},
    "attr.fb.refused": {"zh": "该模型拒绝了数据（{reason}）", "en": "that model refused the data ({reason})"},
    "attr.fb.not_run": {"zh": "该模型不在本次运行的模型列表（参数 models）中",
                        "en": "that model was not among the models run (parameter models)"},
    "attr.fb.used": {"zh": "「{model}」模型", "en": "the '{model}' model"},
    "attr.invalid_costs": {"zh": "{n} 行广告花费缺失、非数字或为负，未计入。",
                           "en": "{n} ad_spend row(s) with a missing, non-numeric or negative cost were left out."},
    "attr.cov.ok": {"zh": "正常", "en": "ok"},
    "attr.cov.nospend": {"zh": "有归因转化但无广告花费：不计算 CPA/ROAS",
                         "en": "attributed conversions but no ad spend: CPA/ROAS not computed"},
    "attr.cov.noconv": {"zh": "有广告花费但不在任何转化路径中", "en": "ad spend but in no journey"},
}
register(LABELS)


def spend_by_channel(
    ad_spend: pd.DataFrame,
    *,
    start=None,
    end=None,
    date: str = "date",
    channel: str = "channel",
    cost: str = "cost",
) -> pd.Series:
    """Total ``cost`` per (lower-case) channel, optionally between ``start`` and ``end`` (inclusive).

    Required columns: date, channel, cost. Rows whose cost is missing, not a number or negative
    are left out and counted in ``result.attrs["invalid_costs"]`` (the rule every module follows,
    :func:`mopkit.data.orders.valid_costs`; the notebook reports the count).
    Raises DataError when a column is missing.
    """
    missing = [c for c in (date, channel, cost) if c not in ad_spend.columns]
    if missing:
        raise DataError(f"the ad_spend table lacks columns {missing}", column=", ".join(missing),
                        fix="map them in the client config under data.ad_spend.columns")
    c, ok = valid_costs(ad_spend, cost)
    d = pd.to_datetime(ad_spend[date], errors="coerce")
    keep = ok.copy()
    if start is not None:
        keep &= d >= pd.Timestamp(start)
    if end is not None:
        keep &= d < pd.Timestamp(end) + pd.Timedelta(days=1)
    ch = ad_spend[channel].astype(str).str.strip().str.lower()
    out = c[keep].groupby(ch[keep]).sum().rename("cost")
    out.attrs["invalid_costs"] = int((~ok).sum())
    return out


#: Models the budget plan falls back to, in this order, when the one asked for is missing:
#: data-driven models first (they credit channels by what removing them changes), then the rules.
BUDGET_FALLBACK_ORDER = ("markov", "shapley", "linear", "position_based", "time_decay",
                         "last_non_direct", "last_touch", "first_touch")


def choose_budget_model(credits: pd.DataFrame, wanted: str, lang: str = "zh") -> tuple[str, Fallback | None]:
    """The attribution model the budget plan uses: ``wanted`` when it was run, else the first of
    :data:`BUDGET_FALLBACK_ORDER` that was, with a :class:`~mopkit.fallbacks.Fallback` saying
    why (``credits.attrs["skipped"]`` holds the reason a model refused the data).

    Raises ModelError when no model was run at all.
    """
    have = list(dict.fromkeys(credits["model"]))
    if wanted in have:
        return wanted, None
    if not have:
        raise ModelError("no attribution model produced credits: there is nothing to plan the budget on",
                         fix="choose other models, e.g. markov or linear")
    chosen = next((m for m in BUDGET_FALLBACK_ORDER if m in have), have[0])
    skipped = (credits.attrs.get("skipped") or {}).get(wanted)
    reason = (t("attr.fb.refused", lang, reason=skipped) if skipped else t("attr.fb.not_run", lang))
    return chosen, Fallback(tried=t("attr.fb.tried", lang, model=model_label(wanted, lang)), reason=reason,
                            used=t("attr.fb.used", lang, model=model_label(chosen, lang)))


def channel_performance(credits: pd.DataFrame, spend: pd.Series) -> pd.DataFrame:
    """Cost, CPA and ROAS of every channel under every model.

    Parameters
    ----------
    credits : output of :func:`~mopkit.attribution.models.attribute` (model, channel,
        conversions, value).
    spend : cost per channel (:func:`spend_by_channel`).

    Returns
    -------
    DataFrame ``channel, model, conversions, value, cost, cpa, roas``. Channels without spend get
    cost 0 and CPA/ROAS left empty (see :func:`spend_coverage`); CPA is empty when a channel has
    no attributed conversions.
    """
    df = credits[["channel", "model", "conversions", "value"]].copy()
    df["cost"] = df["channel"].map(spend).astype(float).fillna(0.0)
    has_cost = df["cost"] > 0
    df["cpa"] = np.where(has_cost & (df["conversions"] > 0), df["cost"] / df["conversions"].where(df["conversions"] > 0), np.nan)
    df["roas"] = np.where(has_cost, df["value"] / df["cost"].where(has_cost), np.nan)
    return df.reset_index(drop=True)


def spend_coverage(credits: pd.DataFrame, spend: pd.Series, lang: str = "zh") -> pd.DataFrame:
    """Which channels have spend, attributed conversions, or only one of the two.

    Returns DataFrame ``channel, in_journeys, cost, status``.
    """
    in_j = set(credits["channel"])
    chans = sorted(in_j | set(spend.index))
    rows = []
    for c in chans:
        cost = float(spend.get(c, 0.0))
        if c in in_j and cost > 0:
            status = t("attr.cov.ok", lang)
        elif c in in_j:
            status = t("attr.cov.nospend", lang)
        else:
            status = t("attr.cov.noconv", lang)
        rows.append({"channel": c, "in_journeys": c in in_j, "cost": cost, "status": status})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class BudgetPlan:
    """A reallocation proposal.

    table : ``channel, model, roas, cpa, current_spend, proposed_spend, change, change_pct,
        expected_value_change, expected_conversion_change, action`` (increase / decrease / hold;
        :func:`~mopkit.attribution.tables.budget_table` shows it translated).
    assumptions : plain-language assumptions, in the plan's language.
    summary : totals (``moved``, ``expected_value_change``, ``current_value``, ...).
    """

    table: pd.DataFrame
    assumptions: list[str]
    summary: dict = field(default_factory=dict)


def plan_budget(
    performance: pd.DataFrame,
    *,
    model: str = "markov",
    roas_target: float = 3.0,
    max_shift: float = 0.2,
    min_spend: float = 0.0,
    lang: str = "zh",
) -> BudgetPlan:
    """Move spend toward channels whose attributed ROAS is at or above ``roas_target``.

    Channels below the target give up to ``max_shift`` of their spend (never going below
    ``min_spend``), lowest ROAS first; channels at or above it receive up to ``max_shift`` of
    their spend, highest ROAS first. Total spend is unchanged. The expected change in value is
    ``sum(change * ROAS)`` (constant returns; an upper bound when returns diminish).

    Raises
    ------
    ConfigError : model not in ``performance``, ``max_shift`` outside [0, 1], bad target.
    InsufficientDataError : no channel has spend.
    """
    if not 0 <= max_shift <= 1:
        raise ConfigError(f"max_shift must be a fraction between 0 and 1, got {max_shift!r}", fix="use e.g. 0.2")
    if roas_target is None or not np.isfinite(roas_target) or roas_target < 0:
        raise ConfigError(f"roas_target must be a number >= 0, got {roas_target!r}", fix="use e.g. 3.0")
    models = sorted(performance["model"].unique())
    if model not in models:
        raise ConfigError(f"model {model!r} is not among the attributed models", fix=f"use one of {models}")
    p = performance[performance["model"] == model]
    nospend = sorted(p.loc[~(p["cost"] > 0), "channel"])
    p = p[p["cost"] > 0].sort_values("roas", ascending=False, ignore_index=True)
    if p.empty:
        raise InsufficientDataError("no attributed channel has ad spend: there is no budget to plan",
                                    fix="add the ad_spend table, with channel names as in the touchpoints")
    cur = p["cost"].to_numpy(dtype=float)
    roas = p["roas"].to_numpy(dtype=float)
    up = roas >= roas_target
    capacity = np.where(up, max_shift * cur, 0.0)
    cut_max = np.where(~up, np.clip(np.minimum(max_shift * cur, cur - min_spend), 0, None), 0.0)
    moved = min(capacity.sum(), cut_max.sum())
    change = np.zeros(len(p))
    left = moved
    for i in np.argsort(roas, kind="stable"):  # take from the lowest ROAS first
        take = min(cut_max[i], left)
        change[i] -= take
        left -= take
    left = moved
    for i in np.argsort(-roas, kind="stable"):  # give to the highest ROAS first
        give = min(capacity[i], left)
        change[i] += give
        left -= give
    cpa = p["cpa"].to_numpy(dtype=float)
    table = pd.DataFrame({
        "channel": p["channel"], "model": model, "roas": roas, "cpa": cpa,
        "current_spend": cur, "proposed_spend": cur + change, "change": change,
        "change_pct": change / cur,
        "expected_value_change": change * roas,
        "expected_conversion_change": np.where(np.isfinite(cpa) & (cpa > 0), change / np.where(cpa > 0, cpa, 1), 0.0),
        "action": ["increase" if c > 1e-9 else "decrease" if c < -1e-9 else "hold" for c in change],
    })
    assumptions = [
        t("attr.assume.model", lang, model=model_label(model, lang), target=roas_target),
        t("attr.assume.linear", lang),
        t("attr.assume.total", lang),
        t("attr.assume.limits", lang, max_shift=max_shift, min_spend=min_spend),
    ]
    if nospend:
        sep = "、" if lang == "zh" else ", "
        assumptions.append(t("attr.assume.nospend", lang, channels=sep.join(channel_name(c, lang) for c in nospend)))
    current_value = float((cur * roas).sum())
    summary = {
        "model": model, "roas_target": roas_target, "total_spend": float(cur.sum()), "moved": float(moved),
        "current_value": current_value, "expected_value_change": float(table["expected_value_change"].sum()),
        "expected_value_change_pct": float(table["expected_value_change"].sum() / current_value) if current_value else np.nan,
        "channels_above_target": [str(c) for c in p.loc[up, "channel"]],
    }
    return BudgetPlan(table=table, assumptions=assumptions, summary=summary)
