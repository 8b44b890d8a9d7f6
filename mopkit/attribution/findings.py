"""Plain-language findings from attribution results, in the client's language."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..i18n import channel_name, register, t
from .journeys import DIRECT
from .labels import model_label

LABELS = {
    "attr.find.gap": {
        "zh": "「{last}」模型给{channel}记了 {a:.0%} 的转化，「{model}」模型给了 {b:.0%}：只看最后一步会{dir}该渠道的作用。",
        "en": "{last} credits {channel} with {a:.0%} of conversions, {model} with {b:.0%}: "
              "looking only at the last step {dir} this channel.",
    },
    "attr.find.over": {"zh": "高估", "en": "overstates"},
    "attr.find.under": {"zh": "低估", "en": "understates"},
    "attr.find.removal": {
        "zh": "去掉{channel}后，预计转化会减少 {re:.0%}，是影响最大的渠道。",
        "en": "Without {channel}, conversions would fall by an estimated {re:.0%}: the channel that matters most.",
    },
    "attr.find.best_roas": {
        "zh": "按「{model}」模型，{channel}的 ROAS 最高（{roas:.1f}），{worst}最低（{worst_roas:.1f}）。",
        "en": "Under {model}, {channel} has the highest ROAS ({roas:.1f}) and {worst} the lowest ({worst_roas:.1f}).",
    },
    "attr.find.plan": {
        "zh": "建议把 {moved} 的预算从 {donors} 转到 {takers}，预计多带来约 {gain}（{pct:+.1%}，按当前 ROAS 估算的上限）。",
        "en": "Moving {moved} of budget from {donors} to {takers} is expected to add about {gain} "
              "({pct:+.1%}; an upper bound at today's ROAS).",
    },
    "attr.find.noplan": {
        "zh": "没有渠道的 ROAS 达到目标 {target:g}，暂不建议调配预算；应先检查出价和素材。",
        "en": "No channel reaches the target ROAS of {target:g}, so no budget move is proposed; review bids and creatives first.",
    },
    "attr.find.allabove": {
        "zh": "所有渠道的 ROAS 都达到目标 {target:g}，无需削减任何渠道的预算。",
        "en": "Every channel reaches the target ROAS of {target:g}; no channel needs a cut.",
    },
}
register(LABELS)


def _money(x: float, currency: str) -> str:
    sym = {"CNY": "¥", "RMB": "¥", "USD": "$", "EUR": "€"}.get(currency.upper(), currency + " ")
    return f"{sym}{x:,.0f}"


def findings(
    credits: pd.DataFrame,
    *,
    removal_effects: pd.DataFrame | None = None,
    performance: pd.DataFrame | None = None,
    plan=None,
    lang: str = "zh",
    currency: str = "CNY",
    reference_model: str = "markov",
) -> list[tuple[str, float]]:
    """Findings as ``(text, weight)`` pairs, weight in [0, 1] (higher = more important).

    Uses the largest gap between last touch and ``reference_model`` (falls back to the last
    model in ``credits``), the largest removal effect, the ROAS spread and the budget plan.
    """
    out: list[tuple[str, float]] = []
    models = list(dict.fromkeys(credits["model"]))
    ref = reference_model if reference_model in models else models[-1]
    if "last_touch" in models and ref != "last_touch":
        w = credits.pivot_table(index="channel", columns="model", values="conversion_share", aggfunc="sum")
        gap = (w["last_touch"] - w[ref]).dropna().drop(DIRECT, errors="ignore")  # direct is no lever
        if len(gap) and np.abs(gap).max() >= 0.03:
            c = gap.abs().idxmax()
            out.append((t("attr.find.gap", lang, last=model_label("last_touch", lang), model=model_label(ref, lang),
                          channel=channel_name(c, lang), a=w.loc[c, "last_touch"], b=w.loc[c, ref],
                          dir=t("attr.find.over" if gap[c] > 0 else "attr.find.under", lang)), 0.8))
    re = None if removal_effects is None else removal_effects[removal_effects["channel"] != DIRECT]
    if re is not None and len(re):
        r = re.loc[re["removal_effect"].idxmax()]
        out.append((t("attr.find.removal", lang, channel=channel_name(r["channel"], lang), re=r["removal_effect"]), 0.7))
    if performance is not None:
        p = performance[(performance["model"] == ref) & (performance["cost"] > 0)].dropna(subset=["roas"])
        if len(p) >= 2:
            best, worst = p.loc[p["roas"].idxmax()], p.loc[p["roas"].idxmin()]
            out.append((t("attr.find.best_roas", lang, model=model_label(ref, lang),
                          channel=channel_name(best["channel"], lang), roas=best["roas"],
                          worst=channel_name(worst["channel"], lang), worst_roas=worst["roas"]), 0.75))
    if plan is not None:
        s, tab = plan.summary, plan.table
        if not s["channels_above_target"]:
            out.append((t("attr.find.noplan", lang, target=s["roas_target"]), 0.85))
        elif s["moved"] <= 0:
            out.append((t("attr.find.allabove", lang, target=s["roas_target"]), 0.6))
        else:
            sep = "、" if lang == "zh" else ", "
            donors = sep.join(channel_name(c, lang) for c in tab.loc[tab["change"] < 0, "channel"])
            takers = sep.join(channel_name(c, lang) for c in tab.loc[tab["change"] > 0, "channel"])
            out.append((t("attr.find.plan", lang, moved=_money(s["moved"], currency), donors=donors, takers=takers,
                          gain=_money(s["expected_value_change"], currency), pct=s["expected_value_change_pct"]), 0.9))
    return out
