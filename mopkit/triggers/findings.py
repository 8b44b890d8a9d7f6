"""Plain-language findings of the triggers notebook, in the client's language."""
from __future__ import annotations

import pandas as pd

from ..i18n import register, t
from .labels import rule_label

LABELS = {
    "triggers.find.audience": {
        "zh": "本期触发名单共 {n} 人（{rules} 条规则），最多的是「{top}」（{top_n} 人）；{sup} 个候选因已下单、退订或频次上限被拦截。",
        "en": "This period's trigger audiences hold {n} customers across {rules} rules, the largest being {top} ({top_n}); "
              "{sup} candidates were held back (ordered, opted out or frequency cap)."},
    "triggers.find.replay": {
        "zh": "按过去 {days} 天回放，「{rule}」每天约触发 {per_day:.0f} 次，这些客户 7 天内自行下单的比例为 {conv:.1%}；"
              "30 天预计收入约 {rev}（估算，非增量）。",
        "en": "Replayed over the last {days} days, {rule} would fire about {per_day:.0f} times a day; {conv:.1%} of those "
              "customers ordered within 7 days on their own; expected 30-day revenue about {rev} (an estimate, not incremental)."},
    "triggers.find.win": {
        "zh": "活动「{c}」有效：转化率提升 {u:+.1f} 个百分点（95% 区间 {lo:+.1f} 至 {hi:+.1f}），增量收入约 {rev}（区间 {rlo} 至 {rhi}）。",
        "en": "Campaign {c} worked: conversion up {u:+.1f} percentage points (95% interval {lo:+.1f} to {hi:+.1f}), incremental revenue about "
              "{rev} (interval {rlo} to {rhi})."},
    "triggers.find.more_buyers": {
        "zh": "活动「{c}」带来了更多购买者（转化率 {u:+.1f} 个百分点，区间 {lo:+.1f} 至 {hi:+.1f}），但增量收入的区间 {rlo} 至 {rhi} 包含零，收入提升尚未证实。",
        "en": "Campaign {c} brought more buyers (conversion {u:+.1f} percentage points, interval {lo:+.1f} to {hi:+.1f}), but the revenue "
              "interval {rlo} to {rhi} includes zero: the revenue uplift is not proven."},
    "triggers.find.not_proven": {
        "zh": "活动「{c}」的转化率差异为 {u:+.1f} 个百分点，但 95% 区间 {lo:+.1f} 至 {hi:+.1f} 包含零：不能说它带来了提升，建议扩大对照组或延长观察。",
        "en": "Campaign {c} shows a conversion difference of {u:+.1f} percentage points, but the 95% interval {lo:+.1f} to {hi:+.1f} includes "
              "zero: no uplift can be claimed; use a larger holdout or a longer run."},
    "triggers.find.harm": {
        "zh": "活动「{c}」的实验组转化率比对照组低 {u:.1f} 个百分点（区间 {lo:+.1f} 至 {hi:+.1f}）：消息可能打扰了客户，建议暂停。",
        "en": "Campaign {c}'s treatment group converted {u:.1f} percentage points less than the holdout (interval {lo:+.1f} to {hi:+.1f}): "
              "the messages may be putting customers off; pause it."},
    "triggers.find.no_holdout": {
        "zh": "活动「{c}」没有对照组，无法衡量增量（实验组转化率 {pt:.1%}）；以后每次发送都请保留对照组。",
        "en": "Campaign {c} had no holdout, so its uplift cannot be measured (treatment conversion {pt:.1%}); keep a "
              "holdout on every send from now on."},
}
register(LABELS)


def _money(x: float, currency: str) -> str:
    return f"{x:,.0f} {currency}"


def findings(result, *, lang: str = "zh", campaigns: pd.DataFrame | None = None, currency: str = "CNY") -> list[tuple[str, float]]:
    """Findings ``(text, weight)`` from a :class:`TriggerResult` and optional campaign results.

    Measured campaign verdicts weigh most (0.8 for a proven win or harm), then the audience size
    and the replay of the rule with the most expected revenue.
    """
    out: list[tuple[str, float]] = []
    s = result.summary
    if len(s) and s["audience"].sum() > 0:
        top = s.sort_values("audience", ascending=False).iloc[0]
        out.append((t("triggers.find.audience", lang, n=f"{int(s['audience'].sum()):,}", rules=int((s['audience'] > 0).sum()),
                      top=rule_label(top["rule"], lang), top_n=f"{int(top['audience']):,}", sup=f"{int(s['suppressed'].sum()):,}"), 0.5))
    rep = s.dropna(subset=["expected_revenue_30d"]) if "expected_revenue_30d" in s else s.iloc[:0]
    if len(rep):
        r = rep.sort_values("expected_revenue_30d", ascending=False).iloc[0]
        out.append((t("triggers.find.replay", lang, days=int(r["replay_days"]), rule=rule_label(r["rule"], lang),
                      per_day=float(r["replay_fired_per_day"]), conv=float(r["replay_conversion_7d"]),
                      rev=_money(float(r["expected_revenue_30d"]), currency)), 0.4))
    if campaigns is not None:
        weights = {"win": 0.8, "harm": 0.8, "more_buyers": 0.7, "not_proven": 0.6, "no_holdout": 0.5}
        for _, c in campaigns.iterrows():
            v = c["verdict"]
            fmt = dict(c=c["campaign"], pt=float(c["conv_treatment"]))
            if v != "no_holdout":
                fmt.update(u=100 * float(c["uplift_abs"]), lo=100 * float(c["uplift_abs_low"]), hi=100 * float(c["uplift_abs_high"]),
                           rev=_money(float(c["incremental_revenue"]), currency),
                           rlo=_money(float(c["incremental_revenue_low"]), currency),
                           rhi=_money(float(c["incremental_revenue_high"]), currency))
                if v == "harm":
                    fmt["u"] = abs(fmt["u"])
            text = t(f"triggers.find.{v}", lang, **fmt)
            out.append((text, weights[v]))
    return sorted(out, key=lambda x: -x[1]) if out else out

