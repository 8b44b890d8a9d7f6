"""Labels of the published cockpit (``publish.*``), registered with :mod:`mopkit.i18n`.

Keys under ``publish.ui.`` are the page's own strings, shipped to the browser by
:func:`ui_labels`; ``publish.col.`` are table headers.
"""
from __future__ import annotations

from ..i18n import register, t

UI = {
    "title": ("经营驾驶舱", "Business cockpit"),
    "period": ("数据期间 {start} 至 {end}", "Data from {start} to {end}"),
    "published": ("生成于 {date} · 金额单位 {currency}", "Published {date} · amounts in {currency}"),
    "page.exec": ("经营总览", "Executive"),
    "page.ops": ("运营分析", "Operations"),
    "page.mon": ("监控预警", "Monitoring"),
    "from": ("开始", "From"),
    "to": ("结束", "To"),
    "channel": ("渠道", "Channel"),
    "platform": ("平台", "Platform"),
    "all_channels": ("全部渠道", "All channels"),
    "all_platforms": ("全部平台", "All platforms"),
    "no_platform": ("数据中没有平台字段", "No platform column in the data"),
    "granularity": ("粒度", "Granularity"),
    "day": ("日", "Day"),
    "week": ("周", "Week"),
    "month": ("月", "Month"),
    "preset.7d": ("近7天", "Last 7 days"),
    "preset.30d": ("近30天", "Last 30 days"),
    "preset.mtd": ("本月", "This month"),
    "preset.lm": ("上月", "Last month"),
    "preset.ytd": ("今年", "This year"),
    "preset.all": ("全部", "All"),
    "preset.note": ("“今天”按数据截止日 {end} 计", "“Today” is the last day of data, {end}"),
    "pop": ("环比", "vs prev."),
    "yoy": ("同比", "vs last year"),
    "no_compare": ("对比期无完整数据", "no complete data to compare"),
    "err.order": ("开始日期晚于结束日期，请调整日期范围。", "The start date is after the end date: adjust the range."),
    "err.outside": ("所选日期范围内没有数据（数据覆盖 {start} 至 {end}）。",
                    "No data in the selected range (the data covers {start} to {end})."),
    "err.empty_sel": ("所选渠道/平台在该期间没有订单。", "The selected channel/platform has no orders in this range."),
    "clipped": ("已按数据覆盖范围截取为 {start} 至 {end}。", "Clipped to the data coverage: {start} to {end}."),
    "range": ("当前范围 {start} 至 {end}（{days} 天）", "Range {start} to {end} ({days} days)"),
    "partial": ("不完整周期", "partial period"),
    "partial_note": ("虚线/浅色为不完整周期（数据或筛选范围未覆盖整个周期），不参与环比计算。",
                     "Dashed / pale: partial periods (the data or the filter does not cover the whole period); "
                     "they are left out of the change figures."),
    "findings": ("三大要点", "Three key findings"),
    "findings_none": ("本次运行没有记录结论。", "This run recorded no findings."),
    "findings_lang": ("（要点为运行语言原文）", "(findings in the run's language)"),
    "trend": ("成交额趋势", "GMV trend"),
    "waterfall": ("GMV 变化（按渠道，较上一同长度区间）", "GMV change by channel (vs the previous range of equal length)"),
    "waterfall.before": ("上期", "Before"),
    "waterfall.after": ("本期", "Now"),
    "waterfall.none": ("上一同长度区间没有完整数据，无法对比，图表略去。",
                       "The previous range of equal length is not fully in the data: nothing to compare, chart left out."),
    "channels_tbl": ("渠道表现", "Channels"),
    "platforms_tbl": ("平台表现", "Platforms"),
    "single_channel": ("只有一个渠道，无可比较，渠道图略去。", "Only one channel: nothing to compare, chart left out."),
    "ad_trend": ("广告效率趋势（ROAS / CTR / CVR）", "Ad efficiency (ROAS / CTR / CVR)"),
    "no_ads": ("本数据没有广告投放表，广告指标不可用。", "No ad spend table in the data: ad metrics are unavailable."),
    "ads_unsplit": ("广告数据没有平台字段：按平台筛选时广告指标不可用。",
                    "The ad data has no platform column: ad metrics are unavailable under a platform filter."),
    "periods_tbl": ("分期明细", "By period"),
    "buyers_note": ("买家数按渠道计算；按平台筛选时不可用。", "Buyer counts are per channel; unavailable under a platform filter."),
    "cohorts": ("月度新客群组留存", "Monthly cohorts: retention"),
    "cohort_month": ("首购月份", "First-order month"),
    "cohort_offset": ("首购后第 N 个月", "Months since first order"),
    "static_note": ("基于全部数据，不随筛选变化。", "Whole data; does not follow the filters."),
    "pairs": ("商品关联（常一起购买）", "Products bought together"),
    "segments": ("客户分层", "Customer segments"),
    "tiers": ("会员等级", "Tiers"),
    "movement_note": ("分层为本次运行的快照；分层迁移需要两次运行对比。",
                      "Segments are this run's snapshot; movement needs two runs to compare."),
    "triggers": ("已触发的营销人群", "Triggered audiences"),
    "alerts": ("预警", "Alerts"),
    "alerts_none": ("本期没有触发任何预警。", "No alert fired."),
    "health": ("数据体检", "Data health"),
    "health_details": ("剔除与修复的行", "Rows dropped or repaired"),
    "freshness": ("数据新鲜度", "Data freshness"),
    "fresh_days": ("数据截至 {end}，距今 {days} 天。", "Data up to {end}: {days} days ago."),
    "forecast": ("预测与实际", "Forecast vs actual"),
    "forecast_future": ("预测期在数据截止日之后，尚无实际值可对比；图中为近 90 天实际值与预测区间。",
                        "The forecast lies after the last day of data: no actuals to compare yet; "
                        "the chart shows the last 90 days of actuals and the forecast band."),
    "actual": ("实际", "Actual"),
    "forecast_point": ("预测", "Forecast"),
    "forecast_band": ("预测区间", "Forecast interval"),
    "missing": ("本次运行没有此结果。", "Not in this run."),
    "download": ("下载 CSV", "Download CSV"),
    "prev": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "page_of": ("第 {page} / {pages} 页，共 {rows} 行", "Page {page} of {pages}, {rows} rows"),
    "period_col": ("周期", "Period"),
    "change_col": ("环比", "Change"),
    "share": ("占比", "Share"),
    "na": ("无数据", "n/a"),
    "times": ("倍", "x"),
    "unit.money": ("金额（{currency}）", "Amount ({currency})"),
    "unit.count": ("数量", "Count"),
    "unit.ratio": ("百分比（%）", "Percent (%)"),
    "unit.multiple": ("倍数", "Times (x)"),
    "offline": ("本页面离线可用，不访问网络。", "Works offline; makes no network request."),
}
COLS = {
    "item_a": ("商品 A", "Item A"), "item_b": ("商品 B", "Item B"),
    "orders_together": ("同时购买订单数", "Orders with both"), "support": ("支持度", "Support"),
    "confidence": ("置信度", "Confidence"), "lift": ("提升度", "Lift"),
    "segment": ("分层", "Segment"), "tier": ("等级", "Tier"), "customers": ("客户数", "Customers"),
    "share": ("占比", "Share"), "monetary": ("累计消费", "Total spend"), "clv_mean": ("平均 CLV", "Mean CLV"),
    "table": ("数据表", "Table"), "rows": ("行数", "Rows"), "first_date": ("最早日期", "First date"),
    "last_date": ("最晚日期", "Last date"), "file": ("文件", "File"), "kind": ("类别", "Kind"),
    "reason": ("原因", "Reason"), "severity": ("级别", "Severity"), "period": ("周期", "Period"),
    "channel": ("渠道", "Channel"), "platform": ("平台", "Platform"), "metric": ("指标", "Metric"),
    "message": ("说明", "Message"),
}
TABLES = {
    "orders": ("订单", "Orders"), "order_items": ("订单明细", "Order lines"), "customers": ("客户", "Customers"),
    "ad_spend": ("广告投放", "Ad spend"), "events": ("行为事件", "Events"), "touchpoints": ("触点", "Touchpoints"),
    "paths": ("转化路径", "Paths"), "campaigns": ("活动发送记录", "Campaign send log"),
}
register({f"publish.table.{k}": {"zh": v[0], "en": v[1]} for k, v in TABLES.items()})
register({f"publish.ui.{k}": {"zh": v[0], "en": v[1]} for k, v in UI.items()})
register({f"publish.col.{k}": {"zh": v[0], "en": v[1]} for k, v in COLS.items()})


def ui_labels(lang: str) -> dict[str, str]:
    """The page's strings in ``lang`` (placeholders like ``{start}`` are filled in the browser)."""
    return {k: t(f"publish.ui.{k}", lang) for k in UI}
