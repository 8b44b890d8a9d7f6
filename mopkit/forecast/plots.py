"""Charts of the forecast: history + forecast + interval band with festival markers, the
leaderboard, and the error by days ahead. Each takes a ForecastResult and an optional ``ax``
and returns the axes (no ``plt.show()``)."""
from __future__ import annotations

import pandas as pd

from ..i18n import t
from ..plotting import PALETTE, new_ax
from .text import model_name

__all__ = ["plot_forecast", "plot_leaderboard", "plot_by_horizon"]


def plot_forecast(result, lang: str, ax=None, history_days: int = 150):
    """Last ``history_days`` of history, the forecast with its interval band, festival windows shaded."""
    ax = new_ax(ax, figsize=(10, 4.2))
    hist = result.history.tail(history_days)
    fc = result.forecast
    ax.plot(hist["date"], hist["y"], color=PALETTE[0], lw=1.2, label=t("forecast.chart.history", lang))
    ax.plot(fc["date"], fc["point"], color=PALETTE[3], lw=1.8,
            label=t("forecast.chart.forecast", lang, model=model_name(result.winner, lang)))
    ax.fill_between(fc["date"], fc["lower"], fc["upper"], color=PALETTE[3], alpha=0.2,
                    label=t("forecast.chart.band", lang, level=result.level))
    lo, hi = hist["date"].min(), fc["date"].max()
    top = max(hist["y"].max(), fc["upper"].replace(float("inf"), float("nan")).max())
    for _, m in result.markers.iterrows():
        s, e = max(m["start"], lo), min(m["end"], hi)
        if s > e:
            continue
        ax.axvspan(s, e + pd.Timedelta(days=1), color=PALETTE[1] if m["kind"] == "festival" else PALETTE[4], alpha=0.12, lw=0)
        ax.text(s, top * 1.02, m["name"], fontsize=8, va="bottom", ha="left", color="#555555")
    ax.set_ylim(0, top * 1.12 if top > 0 else 1)
    ax.set_title(t("forecast.chart.title", lang, target=t(f"forecast.target.{result.target}", lang), h=len(fc)))
    ax.set_xlabel(t("common.date", lang))
    ax.legend(loc="upper left", fontsize=8)
    return ax


def plot_leaderboard(result, lang: str, ax=None):
    """Horizontal bars of mean backtest WAPE per model; the winner highlighted."""
    ax = new_ax(ax, figsize=(7, 2.8))
    lb = result.backtest.leaderboard.iloc[::-1]
    colors = [PALETTE[3] if m == result.winner else PALETTE[0] for m in lb["model"]]
    ax.barh([model_name(m, lang) for m in lb["model"]], lb["wape"], color=colors)
    for i, v in enumerate(lb["wape"]):
        ax.text(v, i, f" {v:.1f}%", va="center", fontsize=9)
    ax.set_xlabel(t("forecast.chart.wape", lang))
    ax.set_title(t("forecast.chart.leaderboard", lang))
    return ax


def plot_by_horizon(result, lang: str, ax=None):
    """Backtest WAPE by days ahead (1..H), one line per model."""
    ax = new_ax(ax, figsize=(8, 3.4))
    for i, (m, g) in enumerate(result.backtest.by_horizon.groupby("model", sort=False)):
        ax.plot(g["step"], g["wape"], marker="o", ms=3, lw=2.2 if m == result.winner else 1.2,
                color=PALETTE[i % len(PALETTE)], label=model_name(m, lang))
    ax.set_xlabel(t("forecast.chart.step", lang))
    ax.set_ylabel(t("forecast.chart.wape", lang))
    ax.set_title(t("forecast.chart.by_horizon", lang))
    ax.legend(fontsize=8)
    return ax
