"""Labels of the marketing-mix / budget package (prefix ``mmm.``)."""
from ..i18n import register

LABELS = {
    "section.budget": {"zh": "智能预算：响应曲线与预算优化", "en": "Smart budget: response curves and optimisation"},
    "mmm.refuse.weeks": {"zh": "数据只有 {weeks:.0f} 周，至少需要 {need} 周才能估计响应曲线。",
                         "en": "The data cover {weeks:.0f} weeks; response curves need at least {need}."},
    "mmm.refuse.nochannels": {"zh": "没有任何渠道有广告花费。", "en": "No channel has ad spend."},
    "mmm.refuse.constant": {"zh": "{channels}的每周花费几乎不变（变异系数低于 {cv:.0%}），无法看出多花或少花的效果。",
                            "en": "Weekly spend of {channels} barely changes (coefficient of variation below {cv:.0%}), "
                                  "so the effect of spending more or less cannot be seen."},
    "mmm.refuse.collinear": {"zh": "{a}和{b}的每周花费同涨同跌（相关系数 {r:.2f}），无法分开两者的效果。",
                             "en": "Weekly spend of {a} and {b} moves together (correlation {r:.2f}), so their effects "
                                   "cannot be told apart."},
    "mmm.refuse.fit": {"zh": "模型对最后 {days} 天的预测不可靠（R² {r2:.2f}，平均误差 {mape:.0%}，上限 {max_mape:.0%}）。",
                       "en": "The model predicts the last {days} days poorly (R² {r2:.2f}, mean error {mape:.0%}, "
                             "limit {max_mape:.0%})."},
}
register(LABELS)
