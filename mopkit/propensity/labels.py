"""Labels of the propensity package (features, reasons, models, notebook), zh and en."""
from __future__ import annotations

from ..i18n import channel_name, has, register, t

#: feature -> (zh name, en name, zh reason, en reason); a reason is formatted with the value ``v``.
FEATURES = {
    "recency_days": ("距上次购买天数", "Days since last purchase", "上次购买在 {v:.0f} 天前", "last purchase {v:.0f} days ago"),
    "frequency": ("累计购买次数", "Purchases so far", "已购买 {v:.0f} 次", "{v:.0f} purchases so far"),
    "monetary": ("平均客单价", "Average order value", "平均客单价 {v:,.0f}", "average order {v:,.0f}"),
    "total_spend": ("累计消费", "Total spend", "累计消费 {v:,.0f}", "total spend {v:,.0f}"),
    "tenure_days": ("成为客户天数", "Days since first purchase", "首单在 {v:.0f} 天前", "first order {v:.0f} days ago"),
    "mean_gap_days": ("平均回购间隔（天）", "Mean days between purchases", "平均每 {v:.0f} 天回购一次", "buys again every {v:.0f} days on average"),
    "gap_ratio": ("距上次购买 / 平均间隔", "Days since last / mean gap", "已到平时回购周期的 {v:.1f} 倍", "at {v:.1f}× the usual gap between purchases"),
    "discount_share": ("优惠占比", "Discount share", "优惠占标价 {v:.0%}", "discounts were {v:.0%} of list price"),
    "purchases_30d": ("近30天购买次数", "Purchases, last 30 days", "近 30 天购买 {v:.0f} 次", "{v:.0f} purchases in the last 30 days"),
    "purchases_90d": ("近90天购买次数", "Purchases, last 90 days", "近 90 天购买 {v:.0f} 次", "{v:.0f} purchases in the last 90 days"),
    "spend_90d": ("近90天消费", "Spend, last 90 days", "近 90 天消费 {v:,.0f}", "spent {v:,.0f} in the last 90 days"),
    "spend_prev_90d": ("前一个90天消费", "Spend, 90-180 days ago", "前一季度消费 {v:,.0f}", "spent {v:,.0f} 90-180 days ago"),
    "refunds": ("退款次数", "Refunds", "有 {v:.0f} 次退款", "{v:.0f} refunds"),
    "cancellations": ("取消订单次数", "Cancelled orders", "取消过 {v:.0f} 单", "{v:.0f} cancelled orders"),
    "n_channels": ("购买过的平台数", "Platforms bought on", "在 {v:.0f} 个平台买过", "bought on {v:.0f} platforms"),
    "views_30d": ("近30天浏览次数", "Product views, last 30 days", "近 30 天浏览商品 {v:.0f} 次", "{v:.0f} product views in the last 30 days"),
    "long_views_30d": ("近30天长时间浏览次数", "Long views (2.5 min+), last 30 days", "近 30 天有 {v:.0f} 次超过 2.5 分钟的商品浏览", "{v:.0f} product views of 2.5+ minutes in the last 30 days"),
    "long_views_since_purchase": ("上次购买后长时间浏览次数", "Long views since last purchase", "上次购买后有 {v:.0f} 次超过 2.5 分钟的商品浏览", "{v:.0f} product views of 2.5+ minutes since the last purchase"),
    "carts_30d": ("近30天加购次数", "Add-to-carts, last 30 days", "近 30 天加购 {v:.0f} 次", "{v:.0f} add-to-carts in the last 30 days"),
    "favorites_30d": ("近30天收藏次数", "Favourites, last 30 days", "近 30 天收藏 {v:.0f} 次", "{v:.0f} favourites in the last 30 days"),
    "max_dwell_30d": ("近30天最长浏览时长（秒）", "Longest view, last 30 days (s)", "近 30 天最长一次浏览 {v:.0f} 秒", "longest view in the last 30 days: {v:.0f} s"),
    "days_since_event": ("距上次浏览天数", "Days since last browse event", "{v:.0f} 天前还在浏览", "browsed {v:.0f} days ago"),
    "days_since_long_view": ("距上次长时间浏览天数", "Days since last long view", "{v:.0f} 天前有过长时间浏览", "a long product view {v:.0f} days ago"),
    "touches_30d": ("近30天广告触达次数", "Ad touches, last 30 days", "近 30 天被广告触达 {v:.0f} 次", "{v:.0f} ad touches in the last 30 days"),
    "days_since_touch": ("距上次广告触达天数", "Days since last ad touch", "{v:.0f} 天前接触过广告", "saw an ad {v:.0f} days ago"),
}
register({f"propensity.feat.{k}": {"zh": v[0], "en": v[1]} for k, v in FEATURES.items()})
register({f"propensity.reason.{k}": {"zh": v[2], "en": v[3]} for k, v in FEATURES.items()})

LABELS = {
    "propensity.feat.last_channel": {"zh": "最近一单渠道：{channel}", "en": "Last order's channel: {channel}"},
    "propensity.reason.last_channel": {"zh": "最近一单来自{channel}", "en": "last order came from {channel}"},
    "propensity.reason.sep": {"zh": "；", "en": "; "},
    "propensity.model.hgb": {"zh": "梯度提升树 (HistGradientBoosting)", "en": "Gradient-boosted trees (HistGradientBoosting)"},
    "propensity.model.lightgbm": {"zh": "梯度提升树 (LightGBM)", "en": "Gradient-boosted trees (LightGBM)"},
    "propensity.model.logistic_rfm": {"zh": "逻辑回归（RFM 基线）", "en": "Logistic regression (RFM baseline)"},
    "propensity.model.bgnbd": {"zh": "BG/NBD 模型（CLV 基线）", "en": "BG/NBD model (CLV baseline)"},
    "propensity.model.mbgnbd": {"zh": "MBG/NBD 模型（CLV 基线）", "en": "MBG/NBD model (CLV baseline)"},
    "propensity.cal.none": {"zh": "不校准", "en": "none"},
    "propensity.cal.sigmoid": {"zh": "Platt 校准", "en": "Platt (sigmoid)"},
    "propensity.cal.isotonic": {"zh": "保序回归校准", "en": "isotonic"},
    "propensity.cal.n/a": {"zh": "不适用", "en": "n/a"},
    "propensity.col.model": {"zh": "模型", "en": "Model"},
    "propensity.col.roc_auc": {"zh": "ROC-AUC", "en": "ROC-AUC"},
    "propensity.col.pr_auc": {"zh": "PR-AUC", "en": "PR-AUC"},
    "propensity.col.brier": {"zh": "Brier 分数", "en": "Brier score"},
    "propensity.col.top_decile_lift": {"zh": "前10%提升度", "en": "Top-decile lift"},
    "propensity.col.top_decile_capture": {"zh": "前10%覆盖率", "en": "Top-decile capture"},
    "propensity.col.calibration": {"zh": "校准", "en": "Calibration"},
    "propensity.col.chosen": {"zh": "采用", "en": "Chosen"},
    "propensity.col.decile": {"zh": "十分位", "en": "Decile"},
    "propensity.col.customers": {"zh": "客户数", "en": "Customers"},
    "propensity.col.rate": {"zh": "实际购买率", "en": "Actual purchase rate"},
    "propensity.col.lift": {"zh": "提升度", "en": "Lift"},
    "propensity.col.cum_capture": {"zh": "累计覆盖率", "en": "Cumulative capture"},
    "propensity.col.mean_propensity": {"zh": "平均购买概率", "en": "Mean propensity"},
    "propensity.col.mean_churn": {"zh": "平均流失风险", "en": "Mean churn risk"},
    "propensity.col.feature": {"zh": "特征", "en": "Feature"},
    "propensity.col.importance": {"zh": "重要性 (PR-AUC 下降)", "en": "Importance (PR-AUC drop)"},
    "propensity.audience.top_decile": {"zh": "高购买意向（前10%）", "en": "Most likely to buy (top 10%)"},
    "propensity.churn.lapsed": {"zh": "已流失（超过 {days} 天未购买）", "en": "lapsed (no purchase in {days} days)"},
}
register(LABELS)


def feature_label(name: str, lang: str) -> str:
    """Display name of a feature (``last_channel_<ch>`` included)."""
    if name.startswith("last_channel_"):
        return t("propensity.feat.last_channel", lang, channel=channel_name(name[len("last_channel_"):], lang))
    key = f"propensity.feat.{name}"
    return t(key, lang) if has(key) else name


def reason_text(name: str, value: float, lang: str) -> str:
    """One reason in words, e.g. "上次购买后有 2 次超过 2.5 分钟的商品浏览"."""
    if name.startswith("last_channel_"):
        return t("propensity.reason.last_channel", lang, channel=channel_name(name[len("last_channel_"):], lang))
    key = f"propensity.reason.{name}"
    return t(key, lang, v=value) if has(key) else f"{name}={value:g}"


def model_label(name: str, lang: str) -> str:
    key = f"propensity.model.{name}"
    return t(key, lang) if has(key) else name

NOTEBOOK_LABELS = {
    "propensity.nb.title": {"zh": "购买意向与流失风险：谁会在下个月购买，谁快要流失",
                            "en": "Purchase propensity and churn: who will buy next month, and who is about to leave"},
    "propensity.nb.intro": {
        "zh": "我们只用每个截止日之前的数据（购买、退款、优惠、渠道、浏览、加购、广告触达）预测客户在之后 {h} 天内是否购买。"
              "模型在过去的几个截止日上训练，在最近一个完整的 {h} 天窗口上检验；梯度提升树只有在明显胜过两个简单模型"
              "（RFM 逻辑回归、CLV 章节的 BG/NBD 模型）时才会被采用。流失风险 = 近 {active} 天买过的客户在未来 {churn} 天不再购买的概率。",
        "en": "Using only data before each cutoff (purchases, refunds, discounts, channels, browsing, carts, ad touches) we predict "
              "whether a customer buys in the next {h} days. Models are trained on past cutoffs and tested on the latest fully "
              "observed {h}-day window; gradient-boosted trees are used only if they clearly beat two simple models (an RFM "
              "logistic regression and the CLV section's BG/NBD model). Churn risk = the probability that a customer who bought "
              "in the last {active} days makes no purchase in the next {churn} days.",
    },
    "propensity.nb.cutoffs": {"zh": "训练截止日：{train}；检验窗口：{test} 起 {h} 天；打分日：{score}。",
                              "en": "Training cutoffs: {train}; test window: {h} days from {test}; scored on {score}."},
    "propensity.nb.h.compare": {"zh": "模型对比（检验窗口）", "en": "Model comparison (test window)"},
    "propensity.nb.compare_note": {
        "zh": "PR-AUC 衡量把真正会买的人排在前面的能力（越高越好，随机排序约等于购买率 {base:.1%}）；提升度 = 前 10% 客户的购买率 / 平均购买率；Brier 分数越低，概率越准。",
        "en": "PR-AUC measures how well actual buyers are ranked first (higher is better; a random order scores the purchase rate, {base:.1%}); "
              "lift = the top 10%'s purchase rate / the average; a lower Brier score means more accurate probabilities."},
    "propensity.nb.verdict_wins": {"zh": "结论：采用「{model}」，它的 PR-AUC 比两个基线都高出至少 {gain:.0%}。",
                                   "en": "Verdict: {model} is used; its PR-AUC beats both baselines by at least {gain:.0%}."},
    "propensity.nb.verdict_loses": {"zh": "结论：梯度提升树没有比两个基线高出 {gain:.0%}，因此采用更简单的「{model}」。",
                                    "en": "Verdict: the gradient-boosted trees did not beat both baselines by {gain:.0%}, so the simpler {model} is used."},
    "propensity.nb.h.curves": {"zh": "ROC 与精确率-召回率曲线", "en": "ROC and precision-recall curves"},
    "propensity.nb.h.lift": {"zh": "按十分位的提升度", "en": "Lift by decile"},
    "propensity.nb.h.calibration": {"zh": "概率准不准：校准曲线", "en": "How sure the model is: calibration"},
    "propensity.nb.h.importance": {"zh": "哪些信号最能预测购买", "en": "Which signals predict a purchase"},
    "propensity.nb.h.churn": {"zh": "流失风险模型（检验窗口）", "en": "Churn model (test window)"},
    "propensity.nb.churn_skipped": {"zh": "流失模型未运行：{reason}", "en": "The churn model was not run: {reason}"},
    "propensity.nb.h.scores": {"zh": "客户得分与人群包", "en": "Customer scores and audience"},
    "propensity.nb.scores_note": {
        "zh": "{scores} 给每位客户一个购买概率、十分位（1 = 最可能购买）、流失风险和原因；"
              "{audience} 是可直接导入企微/短信工具的高意向人群（{n:,} 人）。",
        "en": "{scores} gives every customer a purchase probability, a decile (1 = most likely), a churn risk "
              "and reasons; {audience} is the high-intent audience ({n:,} customers) for the "
              "WeCom / SMS tools."},
    "propensity.nb.h.findings": {"zh": "结论", "en": "Findings"},
    "propensity.nb.skipped": {"zh": "本节已跳过：{reason}", "en": "This section was skipped: {reason}"},
}
register(NOTEBOOK_LABELS)
