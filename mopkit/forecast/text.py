"""Chinese and English labels, the translated leaderboard and the findings of the forecast."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..i18n import register, t

LABELS = {
    "forecast.title": {"zh": "需求预测", "en": "Demand forecast"},
    "forecast.intro": {
        "zh": "用店铺自己的历史，把 LSTM 神经网络与商家常用的简单规则（上周同日、移动平均、指数平滑）做滚动回测比较；谁的误差最小，就由谁出预测。",
        "en": "On the shop's own history, a rolling backtest compares an LSTM network with the simple rules a merchant would use anyway "
              "(same day last week, moving average, exponential smoothing); the model with the smallest error issues the forecast.",
    },
    "forecast.target.orders": {"zh": "每日订单数", "en": "Daily orders"},
    "forecast.target.gmv": {"zh": "每日成交额", "en": "Daily GMV"},
    "forecast.target.net_sales": {"zh": "每日净销售额", "en": "Daily net sales"},
    "forecast.target.units": {"zh": "每日销量（件）", "en": "Daily units"},
    "forecast.target.y": {"zh": "每日数值", "en": "Daily value"},
    "forecast.total.orders": {"zh": "订单数", "en": "orders"},
    "forecast.total.gmv": {"zh": "成交额", "en": "GMV"},
    "forecast.total.net_sales": {"zh": "净销售额", "en": "net sales"},
    "forecast.total.units": {"zh": "销量", "en": "units"},
    "forecast.total.y": {"zh": "数值", "en": "value"},
    "forecast.chart.history": {"zh": "历史", "en": "History"},
    "forecast.chart.forecast": {"zh": "预测（{model}）", "en": "Forecast ({model})"},
    "forecast.chart.band": {"zh": "{level:.0%} 预测区间", "en": "{level:.0%} prediction interval"},
    "forecast.chart.title": {"zh": "{target}：历史与未来 {h} 天预测", "en": "{target}: history and {h}-day forecast"},
    "forecast.chart.by_horizon": {"zh": "按预测提前天数的误差 (WAPE)", "en": "Error by days ahead (WAPE)"},
    "forecast.chart.step": {"zh": "提前天数", "en": "Days ahead"},
    "forecast.chart.wape": {"zh": "WAPE (%)", "en": "WAPE (%)"},
    "forecast.chart.leaderboard": {"zh": "回测排行榜 (WAPE，越低越好)", "en": "Backtest leaderboard (WAPE, lower is better)"},
    "forecast.model.seasonal_naive": {"zh": "上周同日", "en": "Seasonal naive (lag 7)"},
    "forecast.model.moving_average": {"zh": "移动平均 (28 天)", "en": "Moving average (28 days)"},
    "forecast.model.ets": {"zh": "指数平滑 ETS", "en": "Exponential smoothing (ETS)"},
    "forecast.model.lstm": {"zh": "LSTM 神经网络", "en": "LSTM network"},
    "forecast.col.rank": {"zh": "排名", "en": "Rank"},
    "forecast.col.model": {"zh": "模型", "en": "Model"},
    "forecast.col.wape": {"zh": "WAPE (%)", "en": "WAPE (%)"},
    "forecast.col.mape": {"zh": "MAPE (%)", "en": "MAPE (%)"},
    "forecast.col.mase": {"zh": "MASE", "en": "MASE"},
    "forecast.col.bias": {"zh": "偏差 (%)", "en": "Bias (%)"},
    "forecast.col.coverage": {"zh": "区间覆盖率", "en": "Interval coverage"},
    "forecast.find.winner_lstm": {
        "zh": "未来 {h} 天的{target}预测由 LSTM 给出：回测 WAPE {wape:.1f}%，比“上周同日”规则的 {naive:.1f}% 低 {gain:.0f}%。",
        "en": "The {h}-day forecast of {target} comes from the LSTM: backtest WAPE {wape:.1f}% versus {naive:.1f}% "
              "for 'same day last week', {gain:.0f}% lower.",
    },
    "forecast.find.lstm_lost": {
        "zh": "LSTM 没有胜出：回测中 {winner} 的误差最小（WAPE {wape:.1f}%，LSTM 为 {lstm:.1f}%），因此预测由 {winner} 给出。",
        "en": "The LSTM did not win: {winner} had the smallest backtest error (WAPE {wape:.1f}% versus {lstm:.1f}% for the LSTM), "
              "so {winner} issues the forecast.",
    },
    "forecast.find.no_lstm": {
        "zh": "历史太短，未训练 LSTM（需约 120 天以上）；预测由 {winner} 给出，回测 WAPE {wape:.1f}%。",
        "en": "The history is too short for the LSTM (about 120 days needed); {winner} issues the forecast, backtest WAPE {wape:.1f}%.",
    },
    "forecast.find.total": {
        "zh": "预计未来 {h} 天{target}合计约 {total:,.0f}（{level:.0%} 区间的日均范围 {lo:,.0f}–{hi:,.0f}）。",
        "en": "Expected {target} over the next {h} days: about {total:,.0f} in total (daily {level:.0%} range {lo:,.0f}–{hi:,.0f} on average).",
    },
    "forecast.find.coverage": {
        "zh": "预测区间的名义覆盖率为 {level:.0%}；在 {folds} 个未用于选择模型的较早回测窗口上实测覆盖率为 {cov:.0%}；区间半宽从第 1 天的 ±{w1:.0%} 到第 {h} 天的 ±{wh:.0%}。",
        "en": "The prediction interval's nominal coverage is {level:.0%}; measured on {folds} older backtest windows not used "
              "to choose the model, it covered {cov:.0%}; its half-width goes from ±{w1:.0%} on day 1 to ±{wh:.0%} on day {h}.",
    },
    "forecast.find.festival": {
        "zh": "预测期内有促销节点：{names}，请提前备货。",
        "en": "The forecast period includes {names}: plan stock ahead.",
    },
    "forecast.note.title": {"zh": "说明", "en": "Notes"},
}
register(LABELS)


def model_name(model: str, lang: str) -> str:
    key = f"forecast.model.{model}"
    try:
        return t(key, lang)
    except KeyError:
        return model


def leaderboard_table(result, lang: str) -> pd.DataFrame:
    """The leaderboard with translated headers and model names, rounded for display."""
    lb = result.backtest.leaderboard
    cols = ["rank", "model", "wape", "mape", "mase", "bias", "coverage"]
    out = lb[cols].copy()
    out["model"] = [model_name(m, lang) for m in out["model"]]
    out[["wape", "mape", "bias"]] = out[["wape", "mape", "bias"]].round(1)
    out["mase"] = out["mase"].round(2)
    out["coverage"] = out["coverage"].map(lambda v: "" if not np.isfinite(v) else f"{v:.0%}")
    return out.rename(columns={c: t(f"forecast.col.{c}", lang) for c in cols})


def findings(result, *, lang: str = "zh", currency: str = "CNY") -> list[tuple[str, float]]:
    """Plain-language findings ``[(text, weight)]``; always says plainly when the LSTM lost."""
    lb = result.backtest.leaderboard.set_index("model")
    h = len(result.forecast)
    target = t(f"forecast.target.{result.target}", lang)
    win = result.winner
    out = []
    if result.lstm_won is None:
        out.append((t("forecast.find.no_lstm", lang, winner=model_name(win, lang), wape=lb.loc[win, "wape"]), 0.6))
    elif result.lstm_won:
        naive = lb.loc["seasonal_naive", "wape"]
        gain = 100 * (1 - lb.loc["lstm", "wape"] / naive) if naive > 0 else 0.0
        out.append((t("forecast.find.winner_lstm", lang, h=h, target=target, wape=lb.loc["lstm", "wape"], naive=naive, gain=gain), 0.7))
    else:
        out.append((t("forecast.find.lstm_lost", lang, winner=model_name(win, lang), wape=lb.loc[win, "wape"],
                      lstm=lb.loc["lstm", "wape"]), 0.7))
    fc = result.forecast
    out.append((t("forecast.find.total", lang, h=h, target=t(f"forecast.total.{result.target}", lang), total=fc["point"].sum(), level=result.level,
                  lo=fc["lower"].mean(), hi=fc["upper"].mean()), 0.8))
    if np.isfinite(result.coverage):
        iv = result.interval
        hw = iv.halfwidths if iv is not None else np.array([np.nan])
        out.append((t("forecast.find.coverage", lang, level=result.level, cov=result.coverage,
                      folds=iv.folds if iv is not None else 0, h=len(hw),
                      w1=float(np.expm1(hw[0])), wh=float(np.expm1(hw[-1]))), 0.3))
    m = result.markers
    if len(m):
        s, e = fc["date"].min(), fc["date"].max()
        inside = m[(m["end"] >= s) & (m["start"] <= e)]
        if len(inside):
            out.append((t("forecast.find.festival", lang, names="、".join(inside["name"]) if lang == "zh" else ", ".join(inside["name"])), 0.6))
    return out
