"""Charts of the budget step: response curves with intervals, plan, contributions over time."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..i18n import channel_name, t
from ..plotting import PALETTE, channel_color, new_ax


def plot_response_curves(curves: pd.DataFrame, channels: pd.DataFrame | None = None, *, lang: str = "zh", ax=None):
    """Steady daily spend -> outcome per day per channel, with the bootstrap band and today's spend
    (``channels``: :meth:`MarketingMixModel.channel_table`)."""
    ax = new_ax(ax, figsize=(10, 5))
    for ch, d in curves.groupby("channel", sort=False):
        col = channel_color(ch)
        ax.plot(d["spend"], d["response"], color=col, lw=2, label=channel_name(ch, lang))
        ax.fill_between(d["spend"], d["low"], d["high"], color=col, alpha=0.15, lw=0)
        if channels is not None:
            row = channels[channels["channel"] == ch]
            if len(row):
                x = float(row["current_daily_spend"].iloc[0])
                y = float(np.interp(x, d["spend"], d["response"]))
                ax.plot([x], [y], "o", color=col, ms=7, mec="white")
    ax.set_xlabel(t("mmm.plot.spend_day", lang))
    ax.set_ylabel(t("mmm.plot.response_day", lang))
    ax.set_title(t("mmm.plot.curves", lang))
    ax.legend(fontsize="small", frameon=False)
    return ax


def plot_plan(plan: pd.DataFrame, *, lang: str = "zh", ax=None):
    """Current vs proposed spend per channel, with the expected change and its interval as text."""
    ax = new_ax(ax, figsize=(9, 4.2))
    x = np.arange(len(plan))
    ax.bar(x - 0.2, plan["current_spend"], 0.4, label=t("mmm.plot.current", lang), color="#999999")
    ax.bar(x + 0.2, plan["proposed_spend"], 0.4, label=t("mmm.plot.proposed", lang), color=PALETTE[0])
    ax.set_xticks(x, [channel_name(c, lang) for c in plan["channel"]])
    days = int(plan["period_days"].iloc[0])
    ax.set_ylabel(t("mmm.plot.spend_period", lang, days=days))
    ax.set_title(t("mmm.plot.plan", lang, method=t(f"mmm.method.{plan['method'].iloc[0]}", lang)))
    ax.legend(frameon=False)
    return ax


def plot_contributions(contrib: pd.DataFrame, *, lang: str = "zh", ax=None):
    """Stacked monthly outcome: baseline and each channel (:meth:`MarketingMixModel.contributions_by`)."""
    ax = new_ax(ax, figsize=(10, 4.5))
    wide = contrib.pivot_table(index="period", columns="component", values="value", sort=False)
    cols = ["baseline"] + [c for c in wide.columns if c != "baseline"]
    colors = ["#DDDDDD"] + [channel_color(c) for c in cols[1:]]
    labels = [t("mmm.plot.baseline", lang)] + [channel_name(c, lang) for c in cols[1:]]
    ax.stackplot(wide.index, *[wide[c].to_numpy() for c in cols], labels=labels, colors=colors)
    ax.set_title(t("mmm.plot.contrib", lang))
    ax.set_ylabel(t("mmm.plot.outcome", lang))
    ax.legend(fontsize="small", ncols=min(6, len(cols)), loc="upper center", bbox_to_anchor=(0.5, -0.1), frameon=False)
    return ax
