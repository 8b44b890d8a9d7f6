"""Plain-language findings of the propensity step, in the client's language."""
from __future__ import annotations

import numpy as np

from ..i18n import register, t
from .labels import feature_label, model_label

LABELS = {
    "propensity.find.wins": {
        "zh": "购买意向模型（{model}）在最近 {h} 天的检验窗口上 PR-AUC 为 {pr:.3f}，比 RFM 逻辑回归（{lr:.3f}）和 BG/NBD（{bg:.3f}）都高出至少 {gain:.0%}，因此用它给所有客户打分。",
        "en": "The propensity model ({model}) reached a PR-AUC of {pr:.3f} on the last {h}-day test window, beating both the RFM logistic regression ({lr:.3f}) and BG/NBD ({bg:.3f}) by at least {gain:.0%}, so it scores every customer.",
    },
    "propensity.find.loses": {
        "zh": "梯度提升树（PR-AUC {pr:.3f}）没有比两个简单模型高出 {gain:.0%}（RFM 逻辑回归 {lr:.3f}，BG/NBD {bg:.3f}），所以采用更简单的「{model}」。复杂模型在这份数据上不值得用。",
        "en": "The gradient-boosted trees (PR-AUC {pr:.3f}) did not beat both simple models by {gain:.0%} (RFM logistic regression {lr:.3f}, BG/NBD {bg:.3f}), so the simpler {model} is used. The complex model is not worth it on this data.",
    },
    "propensity.find.top": {
        "zh": "得分最高的 10% 客户在检验窗口里的实际购买率是平均的 {lift:.1f} 倍，覆盖了 {cap:.0%} 的购买客户：优惠券先发给他们。",
        "en": "The top 10% of customers by score bought at {lift:.1f}× the average rate in the test window and made up {cap:.0%} of all buyers: send coupons to them first.",
    },
    "propensity.find.driver": {
        "zh": "最能预测购买的信号是「{feat}」，其次是「{feat2}」。",
        "en": "The strongest signal of an upcoming purchase is “{feat}”, followed by “{feat2}”.",
    },
    "propensity.find.churn": {
        "zh": "在近 {active} 天买过的 {n:,} 位客户中，{k:,} 位（{share:.0%}）未来 {d} 天不再购买的风险超过 {thr:.0%}，应优先挽留。",
        "en": "Of the {n:,} customers who bought in the last {active} days, {k:,} ({share:.0%}) have a risk above {thr:.0%} of not buying in the next {d} days: prioritise them for retention.",
    },
    "propensity.find.churn_simple": {
        "zh": "流失预测上，梯度提升树没有比简单模型高出 {gain:.0%}，因此流失风险采用「{model}」。",
        "en": "For churn the gradient-boosted trees did not beat the simple models by {gain:.0%}, so churn risk comes from {model}.",
    },
    "propensity.find.calibration": {
        "zh": "模型给出的概率经过{cal}：检验窗口上 Brier 分数 {brier:.3f}，预测 {pred:.1%} 的平均购买率，实际为 {obs:.1%}。",
        "en": "The model's probabilities are calibrated ({cal}): Brier score {brier:.3f} on the test window, predicted average purchase rate {pred:.1%} vs {obs:.1%} observed.",
    },
}
register(LABELS)


def findings(result, *, lang: str = "zh", currency: str = "CNY", churn_threshold: float = 0.8) -> list[tuple[str, float]]:
    """Findings as ``(text, weight)`` pairs (weight in 0..1), in ``lang``."""
    buy = result.purchase
    m = buy.metrics
    out = []
    pr = lambda name: float(m.loc[name, "pr_auc"]) if name in m.index else float("nan")  # noqa: E731
    args = dict(h=buy.horizon_days, lr=pr("logistic_rfm"), bg=pr("bgnbd"), gain=buy.min_gain)
    if buy.trees_win:
        out.append((t("propensity.find.wins", lang, model=model_label(buy.chosen, lang), pr=pr(buy.chosen), **args), 0.8))
    elif buy.best_tree is not None:
        out.append((t("propensity.find.loses", lang, model=model_label(buy.chosen, lang), pr=pr(buy.best_tree), **args), 0.85))
    top = buy.lift.iloc[0]
    out.append((t("propensity.find.top", lang, lift=float(top["lift"]), cap=float(top["capture"])), 0.75))
    if buy.importance is not None and len(buy.importance) >= 2:
        f1, f2 = buy.importance["feature"].iloc[:2]
        out.append((t("propensity.find.driver", lang, feat=feature_label(f1, lang), feat2=feature_label(f2, lang)), 0.6))
    cal = buy.calibration.get(buy.chosen, {}).get("method", "n/a")
    s = buy.test_scores[buy.chosen]
    out.append((t("propensity.find.calibration", lang, cal=t(f"propensity.cal.{cal}", lang), brier=float(m.loc[buy.chosen, "brier"]),
                  pred=float(np.mean(s)), obs=float(np.mean(buy.test_y))), 0.4))
    if result.churn is not None and result.churn.best_tree is not None and not result.churn.trees_win:
        out.append((t("propensity.find.churn_simple", lang, model=model_label(result.churn.chosen, lang),
                      gain=result.churn.min_gain), 0.35))
    if result.churn is not None:
        risk = result.scores["churn_risk"].dropna()
        k = int((risk > churn_threshold).sum())
        out.append((t("propensity.find.churn", lang, active=result.settings["active_days"], n=len(risk), k=k,
                      share=k / max(len(risk), 1), d=result.churn.horizon_days, thr=churn_threshold), 0.65))
    return out
