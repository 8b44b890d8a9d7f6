"""Chinese and English labels of the triggers package (keys start with ``triggers.``)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..i18n import register, t

RULE_LABELS = {
    "triggers.rule.cart_abandonment": {"zh": "加购未下单", "en": "Cart abandonment"},
    "triggers.rule.browse_abandonment": {"zh": "浏览未下单", "en": "Browse abandonment"},
    "triggers.rule.vip_at_risk": {"zh": "高价值客户流失预警", "en": "VIP at risk"},
    "triggers.rule.winback": {"zh": "沉睡客户召回", "en": "Win-back"},
    "triggers.rule.replenishment": {"zh": "复购提醒", "en": "Replenishment reminder"},
    "triggers.rule.second_purchase": {"zh": "新客二次购买", "en": "Second purchase"},
}
REASON_LABELS = {
    "triggers.reason.cart": {"zh": "将 {sku} 加入购物车后 {hours} 小时内未下单",
                             "en": "added {sku} to the cart and did not order within {hours} h"},
    "triggers.reason.browse": {"zh": "浏览 {sku} {seconds} 秒，{hours} 小时内未加购也未下单",
                               "en": "viewed {sku} for {seconds} s, no add-to-cart or order within {hours} h"},
    "triggers.reason.replenish": {"zh": "{bought} 购买了 {sku}，该商品通常 {interval} 天后复购，即将用完",
                                  "en": "bought {sku} on {bought}; it is usually reordered after {interval} days: about to run out"},
    "triggers.reason.winback": {"zh": "上次下单 {last}，已超过其通常购买间隔（{gap} 天）的 {k} 倍",
                                "en": "last ordered on {last}: more than {k}x their usual gap of {gap} days"},
    "triggers.reason.vip": {"zh": "{tier} 客户，仍活跃的概率已降至 {p}%（低于 {band}%）",
                            "en": "{tier} customer whose probability of still being active fell to {p}% (below {band}%)"},
    "triggers.reason.second": {"zh": "{first} 首次购买，{days} 天内未再次购买",
                               "en": "first order on {first}, no second order within {days} days"},
}
SUPPRESS_LABELS = {
    "triggers.suppress.added_to_cart": {"zh": "等待期内已加购（转入加购未下单）", "en": "added to cart during the wait (cart abandonment takes over)"},
    "triggers.suppress.ordered_recently": {"zh": "最近已下单", "en": "ordered recently"},
    "triggers.suppress.ordered_during_wait": {"zh": "触发后已下单", "en": "ordered since the trigger"},
    "triggers.suppress.opted_out": {"zh": "已退订", "en": "opted out"},
    "triggers.suppress.frequency_cap": {"zh": "频次上限（更高优先级的消息已发送）", "en": "frequency cap (a higher-priority message goes out)"},
}
CHANNEL_LABELS = {
    "triggers.channel.wecom": {"zh": "企业微信", "en": "WeCom"},
    "triggers.channel.sms": {"zh": "短信", "en": "SMS"},
    "triggers.channel.douyin": {"zh": "抖音私信", "en": "Douyin message"},
    "triggers.channel.tmall": {"zh": "旺旺", "en": "Tmall Wangwang"},
    "triggers.channel.xiaohongshu": {"zh": "小红书私信", "en": "Xiaohongshu message"},
    "triggers.channel.platform": {"zh": "站内信", "en": "In-store message"},
}
VERDICT_LABELS = {
    "triggers.verdict.win": {"zh": "有效：转化率和收入的提升都有统计支持", "en": "Worked: conversion and revenue uplift both supported by the intervals"},
    "triggers.verdict.more_buyers": {"zh": "带来了更多购买者，但收入提升尚无统计支持", "en": "More buyers, but the revenue uplift is not proven"},
    "triggers.verdict.not_proven": {"zh": "未证实：置信区间包含零，不能说活动带来了提升", "en": "Not proven: the interval includes zero, so no uplift can be claimed"},
    "triggers.verdict.harm": {"zh": "负面：实验组转化率显著低于对照组", "en": "Harmful: the treatment group converted significantly less than the holdout"},
    "triggers.verdict.no_holdout": {"zh": "没有对照组，无法衡量提升，只显示原始转化率", "en": "No holdout: uplift cannot be measured, only raw rates are shown"},
}
COLUMN_LABELS = {
    "triggers.col.rule": {"zh": "规则", "en": "Rule"},
    "triggers.col.candidates": {"zh": "候选", "en": "Candidates"},
    "triggers.col.suppressed": {"zh": "被拦截", "en": "Suppressed"},
    "triggers.col.audience": {"zh": "受众", "en": "Audience"},
    "triggers.col.treatment": {"zh": "实验组", "en": "Treatment"},
    "triggers.col.holdout": {"zh": "对照组", "en": "Holdout"},
    "triggers.col.replay_fired_per_day": {"zh": "回放：日均触发", "en": "Replay: fired per day"},
    "triggers.col.replay_conversion_7d": {"zh": "回放：7 天转化率", "en": "Replay: 7-day conversion"},
    "triggers.col.expected_revenue_30d": {"zh": "30 天预计收入（估算）", "en": "Expected revenue, 30 days (estimate)"},
    "triggers.col.campaign": {"zh": "活动", "en": "Campaign"},
    "triggers.col.group_treatment_n": {"zh": "实验组人数", "en": "Treatment recipients"},
    "triggers.col.group_holdout_n": {"zh": "对照组人数", "en": "Holdout recipients"},
    "triggers.col.conv_treatment": {"zh": "实验组转化率", "en": "Treatment conversion"},
    "triggers.col.conv_holdout": {"zh": "对照组转化率", "en": "Holdout conversion"},
    "triggers.col.uplift": {"zh": "转化率提升，百分点 (95% 区间)", "en": "Conversion uplift, points (95% interval)"},
    "triggers.col.incremental_revenue": {"zh": "增量收入 (95% 区间)", "en": "Incremental revenue (95% interval)"},
    "triggers.col.incremental_orders": {"zh": "增量订单", "en": "Incremental orders"},
    "triggers.col.cost_per_incremental_order": {"zh": "每增量订单成本", "en": "Cost per incremental order"},
    "triggers.col.verdict": {"zh": "结论", "en": "Verdict"},
    "triggers.col.reason": {"zh": "拦截原因", "en": "Suppression reason"},
    "triggers.col.rows": {"zh": "行数", "en": "Rows"},
    "triggers.col.customer_id": {"zh": "客户（化名）", "en": "Customer (pseudonym)"},
    "triggers.col.product": {"zh": "商品", "en": "Product"},
    "triggers.col.send_at": {"zh": "发送时间", "en": "Send at"},
    "triggers.col.channel": {"zh": "渠道", "en": "Channel"},
    "triggers.col.offer": {"zh": "优惠", "en": "Offer"},
    "triggers.col.group": {"zh": "分组", "en": "Group"},
    "triggers.col.reason_text": {"zh": "原因", "en": "Reason"},
}
OFFER_LABELS = {
    "triggers.offer.coupon": {"zh": "{value} {currency} 优惠券", "en": "{value} {currency} coupon"},
    "triggers.offer.reminder": {"zh": "提醒（不发券）", "en": "Reminder (no coupon)"},
}
NOTEBOOK_LABELS = {
    "triggers.nb.title": {"zh": "触发式营销：该给谁、在什么时候、发什么，以及它到底带来了多少",
                          "en": "Triggered marketing: who to message, when and with what, and what it really earned"},
    "triggers.nb.intro": {
        "zh": "根据客户行为（浏览、加购、购买间隔、流失风险）生成可直接导入企业微信 / 短信 / 抖音工具的名单。"
              "每条名单都带发送时间、建议渠道和优惠，并按固定规则留出 {share:.0%} 的对照组：只给实验组发送，"
              "下个月用对照组衡量真实增量。数据截至 {as_of}。",
        "en": "Audiences built from behaviour (views, add-to-cart, purchase gaps, churn risk), ready for WeCom / SMS / "
              "Douyin tools. Each row has a send time, a suggested channel and an offer, and a fixed {share:.0%} of "
              "customers is held out: send only to the treatment group, and next month the holdout measures what the "
              "messages really added. Data up to {as_of}."},
    "triggers.nb.h.audience": {"zh": "本期名单与拦截", "en": "This period's audiences and suppressions"},
    "triggers.nb.audience_note": {
        "zh": "每个候选要么进入名单，要么因一个原因被拦截（候选 = 名单 + 拦截）。同一客户 {cap:g} 小时内最多收到一条消息，"
              "优先级高的规则优先；{q0}:00–{q1}:00 不发送；发送时间已过的消息在数据截止后的第一个可发送时间发出。",
        "en": "Every candidate is either in the audience or suppressed for one reason (candidates = audience + suppressed). "
              "A customer gets at most one message per {cap:g} hours, the higher-priority rule first; nothing is sent "
              "between {q0}:00 and {q1}:00; messages already due go out at the first allowed time after the data ends."},
    "triggers.nb.h.replay": {"zh": "历史回放：规则上线前的规模估算", "en": "Replay on history: sizing a rule before turning it on"},
    "triggers.nb.replay_note": {
        "zh": "假设规则在过去 {days} 天已经上线：每天会触发多少条，这些客户在之后 7 天内自行下单的比例。"
              "当时没有发送任何消息，所以这是活动需要超越的基线；「30 天预计收入」是这些客户的消费估算，不是增量。",
        "en": "As if each rule had been on for the last {days} days: how many sends per day, and how many of those "
              "customers ordered on their own within 7 days. No message was sent then, so this is the baseline a campaign "
              "must beat; the 30-day expected revenue is what the audience spends (an estimate), not what messages add."},
    "triggers.nb.h.campaigns": {"zh": "历史活动效果：实验组 vs 对照组", "en": "Past campaigns: treatment vs holdout"},
    "triggers.nb.campaigns_note": {
        "zh": "发送后 {days} 天内下单即算转化。转化率提升的 95% 区间来自两比例检验（Newcombe），收入来自固定种子的自助法；"
              "区间包含零时，我们不宣称活动有效。",
        "en": "A recipient converts with a paid order within {days} days of the send. The 95% interval of the conversion "
              "uplift is a two-proportion interval (Newcombe), revenue uses a seeded bootstrap; when an interval includes "
              "zero we do not claim the campaign worked."},
    "triggers.nb.no_campaigns": {"zh": "没有活动发送记录（campaigns 表），暂不能衡量活动效果。下个月把本期名单的发送记录交回即可。",
                                 "en": "No campaign send log (campaigns table): campaign results cannot be measured yet. "
                                       "Return this period's send log next month."},
    "triggers.nb.dropped": {"zh": "活动表中有 {rows} 行被排除：{reason}", "en": "{rows} campaign rows left out: {reason}"},
    "triggers.nb.h.findings": {"zh": "结论", "en": "Findings"},
    "triggers.nb.h.files": {"zh": "交付文件", "en": "Files to hand over"},
    "triggers.nb.files_note": {"zh": "outputs/triggers/ 下每个规则一个 CSV 和 Excel（只含化名 ID，商家用自己的对照表还原）；只给 group = treatment 的客户发送。",
                               "en": "One CSV and Excel file per rule under outputs/triggers/ (pseudonymised ids only: the merchant maps them back with their own key); send only to rows with group = treatment."},
    "triggers.note.no_events": {"zh": "没有浏览事件（events 表）：浏览未下单和加购未下单规则未运行。",
                                "en": "No browse events (events table): browse and cart abandonment did not run."},
    "triggers.note.no_items": {"zh": "没有订单明细（order_items 表）：复购提醒规则未运行。",
                               "en": "No order lines (order_items table): replenishment did not run."},
    "triggers.note.no_clv": {"zh": "没有客户分层与 CLV 结果：沉睡客户召回只用购买间隔，P(仍活跃) 不可用，高价值客户流失预警未运行。",
                             "en": "No RFM/CLV results: win-back uses purchase gaps only, P(alive) is unavailable, and VIP at risk did not run."},
}
for block in (RULE_LABELS, REASON_LABELS, SUPPRESS_LABELS, CHANNEL_LABELS, VERDICT_LABELS, COLUMN_LABELS, OFFER_LABELS,
              NOTEBOOK_LABELS):
    register(block)


def rule_label(rule: str, lang: str) -> str:
    return t(f"triggers.rule.{rule}", lang)


def offer_text(coupon_value, lang: str, currency: str = "CNY") -> np.ndarray:
    """Words of an offer: ``"10 CNY coupon"`` or a plain reminder (value 0)."""
    v = pd.Series(np.asarray(coupon_value, dtype=float))
    coupon = t("triggers.offer.coupon", lang)
    words = v.map(lambda x: coupon.format(value=f"{x:g}", currency=currency))
    return words.where(v > 0, t("triggers.offer.reminder", lang)).to_numpy(dtype=object)
