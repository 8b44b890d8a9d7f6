"""Display names of the attribution models, in Chinese and English."""
from __future__ import annotations

from ..i18n import has, register, t

LABELS = {
    "attr.model.first_touch": {"zh": "首次触点", "en": "First touch"},
    "attr.model.last_touch": {"zh": "末次触点", "en": "Last touch"},
    "attr.model.last_non_direct": {"zh": "末次非直接", "en": "Last non-direct"},
    "attr.model.linear": {"zh": "线性", "en": "Linear"},
    "attr.model.time_decay": {"zh": "时间衰减", "en": "Time decay"},
    "attr.model.position_based": {"zh": "位置 (40/20/40)", "en": "Position (40/20/40)"},
    "attr.model.markov": {"zh": "马尔可夫链", "en": "Markov chain"},
    "attr.model.shapley": {"zh": "Shapley 值", "en": "Shapley value"},
}
register(LABELS)

NOTEBOOK_LABELS = {
    "attr.nb.title": {"zh": "渠道归因：哪些渠道带来了成交，下一元预算该投向哪里",
                      "en": "Channel attribution: which channels earn the sales, and where the next yuan should go"},
    "attr.nb.intro": {
        "zh": "每笔订单的路径由下单前 {lookback} 天内客户接触过的渠道按时间排列组成；没有下单的客户路径也计入。"
              "我们用多个归因模型并列比较各渠道的贡献：规则模型（首次、末次、线性、时间衰减、位置）"
              "和数据驱动模型（马尔可夫链移除效应、Shapley 值，均为精确计算，不是模拟）。",
        "en": "Each order's journey is the channels the customer touched in the {lookback} days before it, in time order; "
              "journeys that did not convert count too. Several attribution models are compared side by side: rules "
              "(first, last, linear, time decay, position) and data-driven models (Markov removal effects and Shapley "
              "values, both computed exactly, not simulated).",
    },
    "attr.nb.h.data": {"zh": "数据：路径是怎样构建的", "en": "Data: how the journeys were built"},
    "attr.nb.data_note": {"zh": "下表列出读取、保留、合并和排除的每一类记录及其数量，没有任何记录被悄悄丢弃。",
                          "en": "Every record read, kept, merged or left out is counted below; nothing is dropped silently."},
    "attr.nb.h.compare": {"zh": "各模型的渠道贡献对比", "en": "Channel credit under each model"},
    "attr.nb.compare_note": {"zh": "各模型的总转化数相同，差别在于如何在路径上的渠道之间分配。",
                             "en": "Every model shares out the same total; they differ in how it is split between the channels of a path."},
    "attr.nb.skipped": {"zh": "模型 {model} 未运行：{reason}", "en": "Model {model} was not run: {reason}"},
    "attr.nb.h.removal": {"zh": "移除效应", "en": "Removal effects"},
    "attr.nb.removal_note": {"zh": "{order} 阶马尔可夫链：如果某渠道不存在，经过它的客户都不会转化，整体转化率会下降多少。",
                             "en": "Order-{order} Markov chain: how much the conversion rate would fall if every journey through the channel ended without an order."},
    "attr.nb.h.heatmap": {"zh": "渠道之间的转移", "en": "Transitions between channels"},
    "attr.nb.h.paths": {"zh": "最常见的转化路径", "en": "Top converting paths"},
    "attr.nb.h.roas": {"zh": "各模型下的渠道 ROAS", "en": "Channel ROAS by model"},
    "attr.nb.h.budget": {"zh": "预算调配建议", "en": "Budget reallocation"},
    "attr.nb.h.assumptions": {"zh": "假设", "en": "Assumptions"},
    "attr.nb.h.findings": {"zh": "结论", "en": "Findings"},
    "attr.nb.no_spend": {"zh": "没有广告花费数据（ad_spend 表），不计算 CPA/ROAS 和预算建议。",
                         "en": "No ad spend data (ad_spend table): CPA/ROAS and the budget plan are skipped."},
}
register(NOTEBOOK_LABELS)


def model_label(model: str, lang: str) -> str:
    """Display name of an attribution model (the id itself if it has none)."""
    key = f"attr.model.{model}"
    return t(key, lang) if has(key) else str(model)
