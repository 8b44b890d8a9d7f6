"""Chinese and English labels of the ad-copy check (keys prefixed ``copycheck.``)."""
from __future__ import annotations

from ..i18n import register

LABELS = {
    "copycheck.status.violation": {"zh": "违规", "en": "violation"},
    "copycheck.status.review": {"zh": "需复核", "en": "review"},
    "copycheck.status.ok": {"zh": "通过", "en": "ok"},
    "copycheck.col.id": {"zh": "编号", "en": "ID"},
    "copycheck.col.platform": {"zh": "平台", "en": "Platform"},
    "copycheck.col.text": {"zh": "文案", "en": "Copy"},
    "copycheck.col.status": {"zh": "结论", "en": "Result"},
    "copycheck.col.violations": {"zh": "违规数", "en": "Violations"},
    "copycheck.col.reviews": {"zh": "需复核数", "en": "To review"},
    "copycheck.col.hits": {"zh": "命中词（位置）", "en": "Terms found (position)"},
    "copycheck.col.suggestions": {"zh": "修改建议", "en": "Suggested rewording"},
    "copycheck.col.basis": {"zh": "法律依据", "en": "Legal basis"},
    "copycheck.col.reasons": {"zh": "降为复核的原因", "en": "Why lowered to review"},
    "copycheck.col.term": {"zh": "命中词", "en": "Term"},
    "copycheck.col.position": {"zh": "位置", "en": "Position"},
    "copycheck.col.rule": {"zh": "规则", "en": "Rule"},
    "copycheck.col.severity": {"zh": "级别", "en": "Severity"},
    "copycheck.col.suggestion": {"zh": "修改建议", "en": "Suggested rewording"},
    "copycheck.col.reason": {"zh": "例外情形", "en": "Exception"},
    "copycheck.find.summary": {
        "zh": "检查了 {n} 条广告文案：{v} 条含违规用语，{r} 条需人工复核，{ok} 条通过。",
        "en": "{n} ad copies checked: {v} contain prohibited terms, {r} need a review, {ok} pass.",
    },
    "copycheck.find.top": {"zh": "出现最多的违规用语（次数）：{terms}。", "en": "Prohibited terms found most often (times): {terms}."},
    "copycheck.nb.h": {"zh": "广告文案合规检查", "en": "Ad-copy compliance check"},
    "copycheck.nb.intro": {
        "zh": "依据《广告法》第九条第（三）项（绝对化用语）、第十七、十八条（医疗用语）和化妆品宣称规定逐条检查；"
              "符合 2023 年《广告绝对化用语执法指南》例外情形的降为「需复核」。完整结果：`outputs/copycheck.xlsx`。",
        "en": "Each copy is checked against Advertising Law Art. 9(3) (absolute terms), Art. 17/18 (medical claims) and the "
              "cosmetics claim rules; hits that fit an exception of the 2023 SAMR guide are lowered to review. Full results: `outputs/copycheck.xlsx`.",
    },
    "copycheck.nb.none": {"zh": "客户配置中没有广告文案文件（copycheck.copies），跳过文案检查。",
                          "en": "The client config names no ad-copy file (copycheck.copies): the copy check is skipped."},
}
register(LABELS)
