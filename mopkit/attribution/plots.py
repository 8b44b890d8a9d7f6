"""Charts of attribution results. Each takes a result and an optional ``ax`` and returns the ax."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..i18n import channel_name, register, t
from ..plotting import PALETTE, channel_color, new_ax
from .labels import model_label

LABELS = {
    "attr.plot.compare": {"zh": "各归因模型下的渠道转化贡献", "en": "Conversions credited to each channel, by model"},
    "attr.plot.compare_value": {"zh": "各归因模型下的渠道销售额贡献", "en": "Revenue credited to each channel, by model"},
    "attr.plot.share": {"zh": "转化占比", "en": "Share of conversions"},
    "attr.plot.share_value": {"zh": "销售额占比", "en": "Share of revenue"},
    "attr.plot.removal": {"zh": "移除效应：去掉该渠道后转化减少的比例", "en": "Removal effect: drop in conversions without the channel"},
    "attr.plot.removal_axis": {"zh": "移除效应", "en": "Removal effect"},
    "attr.plot.heatmap": {"zh": "渠道间转移概率", "en": "Transition probabilities between channels"},
    "attr.plot.from": {"zh": "来自", "en": "From"},
    "attr.plot.to": {"zh": "去往", "en": "To"},
    "attr.plot.start": {"zh": "(起点)", "en": "(start)"},
    "attr.plot.conversion": {"zh": "(转化)", "en": "(conversion)"},
    "attr.plot.null": {"zh": "(未转化)", "en": "(no conversion)"},
    "attr.plot.top_paths": {"zh": "转化最多的路径", "en": "Paths with the most conversions"},
    "attr.plot.conversions": {"zh": "转化数", "en": "Conversions"},
    "attr.plot.roas": {"zh": "各归因模型下的渠道 ROAS", "en": "Channel ROAS under each model"},
    "attr.plot.roas_target": {"zh": "目标 ROAS {target:g}", "en": "Target ROAS {target:g}"},
    "attr.plot.budget": {"zh": "预算调配：当前与建议花费", "en": "Budget plan: current vs proposed spend"},
    "attr.plot.current": {"zh": "当前花费", "en": "Current spend"},
    "attr.plot.proposed": {"zh": "建议花费", "en": "Proposed spend"},
    "attr.plot.spend": {"zh": "花费", "en": "Spend"},
}
register(LABELS)


def _label_state(s: str, lang: str) -> str:
    special = {"(start)": "attr.plot.start", "(conversion)": "attr.plot.conversion", "(null)": "attr.plot.null"}
    return t(special[s], lang) if s in special else channel_name(s, lang)


def plot_model_comparison(credits: pd.DataFrame, *, metric: str = "conversions", lang: str = "zh", ax=None):
    """Grouped bars: share of ``metric`` ("conversions" or "value") per channel under each model."""
    share = "conversion_share" if metric == "conversions" else "value_share"
    wide = credits.pivot_table(index="channel", columns="model", values=share, aggfunc="sum", sort=False)
    models = list(dict.fromkeys(credits["model"]))
    wide = wide[models]
    ax = new_ax(ax, figsize=(10, 4.5))
    x = np.arange(len(wide))
    width = 0.8 / max(len(models), 1)
    for i, m in enumerate(models):
        ax.bar(x + (i - (len(models) - 1) / 2) * width, wide[m].to_numpy(), width,
               label=model_label(m, lang), color=PALETTE[i % len(PALETTE)])
    ax.set_xticks(x, [channel_name(c, lang) for c in wide.index])
    ax.set_ylabel(t("attr.plot.share" if metric == "conversions" else "attr.plot.share_value", lang))
    ax.yaxis.set_major_formatter(_percent())
    ax.set_title(t("attr.plot.compare" if metric == "conversions" else "attr.plot.compare_value", lang))
    ax.legend(ncols=min(4, len(models)), fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.1), frameon=False)
    return ax


def plot_removal_effects(removal_effects: pd.DataFrame, *, lang: str = "zh", ax=None):
    """Horizontal bars of Markov removal effects (``channel, removal_effect``)."""
    d = removal_effects.sort_values("removal_effect")
    ax = new_ax(ax, figsize=(8, 0.5 * len(d) + 1.5))
    ax.barh([channel_name(c, lang) for c in d["channel"]], d["removal_effect"],
            color=[channel_color(c) for c in d["channel"]])
    for y, v in enumerate(d["removal_effect"]):
        ax.text(v, y, f" {v:.0%}", va="center")
    ax.set_xlim(0, min(1.0, float(d["removal_effect"].max()) * 1.2 + 0.05))
    ax.xaxis.set_major_formatter(_percent())
    ax.set_xlabel(t("attr.plot.removal_axis", lang))
    ax.set_title(t("attr.plot.removal", lang))
    return ax


def plot_transition_heatmap(matrix: pd.DataFrame, *, lang: str = "zh", ax=None):
    """Heatmap of first-order transition probabilities (:func:`~mopkit.attribution.markov.transition_matrix`)."""
    import seaborn as sns

    ax = new_ax(ax, figsize=(8.5, 5.5))
    m = matrix.copy()
    m.index = [_label_state(s, lang) for s in m.index]
    m.columns = [_label_state(s, lang) for s in m.columns]
    sns.heatmap(m, annot=True, fmt=".0%", cmap="Blues", vmin=0, vmax=1, cbar=False, ax=ax)
    ax.set_xlabel(t("attr.plot.to", lang))
    ax.set_ylabel(t("attr.plot.from", lang))
    ax.set_title(t("attr.plot.heatmap", lang))
    return ax


def plot_top_paths(paths: pd.DataFrame, *, n: int = 10, lang: str = "zh", ax=None):
    """Horizontal bars of the ``n`` paths with the most conversions (``Journeys.paths``)."""
    d = paths.nlargest(n, "conversions").iloc[::-1]
    ax = new_ax(ax, figsize=(9, 0.4 * len(d) + 1.5))
    labels = [" → ".join(channel_name(c, lang) for c in p.split(" > ")) for p in d["path"]]
    ax.barh(labels, d["conversions"], color=PALETTE[0])
    ax.set_xlabel(t("attr.plot.conversions", lang))
    ax.set_title(t("attr.plot.top_paths", lang))
    return ax


def plot_roas_by_model(performance: pd.DataFrame, *, roas_target: float | None = None, lang: str = "zh", ax=None):
    """Grouped bars of ROAS per channel (with spend) under each model, with the target line."""
    p = performance[performance["cost"] > 0]
    models = list(dict.fromkeys(p["model"]))
    wide = p.pivot_table(index="channel", columns="model", values="roas", aggfunc="sum", sort=False)[models]
    ax = new_ax(ax, figsize=(10, 4.5))
    x = np.arange(len(wide))
    width = 0.8 / max(len(models), 1)
    for i, m in enumerate(models):
        ax.bar(x + (i - (len(models) - 1) / 2) * width, wide[m].to_numpy(), width,
               label=model_label(m, lang), color=PALETTE[i % len(PALETTE)])
    if roas_target is not None:
        ax.axhline(roas_target, color="#D55E00", ls="--", lw=1.2, label=t("attr.plot.roas_target", lang, target=roas_target))
    ax.set_xticks(x, [channel_name(c, lang) for c in wide.index])
    ax.set_ylabel("ROAS")
    ax.set_title(t("attr.plot.roas", lang))
    ax.legend(ncols=min(4, len(models) + 1), fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.1),
              frameon=False)
    return ax


def plot_budget_plan(plan, *, lang: str = "zh", ax=None):
    """Current vs proposed spend per channel (:class:`~mopkit.attribution.budget.BudgetPlan`)."""
    d = plan.table
    ax = new_ax(ax, figsize=(9, 4.2))
    x = np.arange(len(d))
    ax.bar(x - 0.2, d["current_spend"], 0.4, label=t("attr.plot.current", lang), color="#999999")
    ax.bar(x + 0.2, d["proposed_spend"], 0.4, label=t("attr.plot.proposed", lang), color=PALETTE[0])
    ax.set_xticks(x, [channel_name(c, lang) for c in d["channel"]])
    ax.set_ylabel(t("attr.plot.spend", lang))
    ax.set_title(t("attr.plot.budget", lang))
    ax.legend()
    return ax


def _percent():
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(1.0, decimals=0)
