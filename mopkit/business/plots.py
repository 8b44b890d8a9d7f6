"""Charts of a business case. Each takes the case and an optional ``ax`` and returns the ax."""
from __future__ import annotations

import numpy as np

from ..i18n import t
from ..plotting import PALETTE, new_ax
from .case import BusinessCase
from .cashflow import SCENARIOS
from .labels import item_label

COLORS = {"pessimistic": PALETTE[3], "base": PALETTE[0], "optimistic": PALETTE[2]}


def plot_cumulative(case: BusinessCase, *, lang: str = "zh", ax=None):
    """Cumulative net gain per month in the three scenarios; the zero line marks break-even."""
    ax = new_ax(ax, figsize=(9, 4.2))
    for s in SCENARIOS:
        f = case.flows[s]
        ax.plot(f["month"], f["cumulative"], marker="o", ms=3, color=COLORS[s], lw=2 if s == "base" else 1.2,
                label=t(f"business.scenario.{s}", lang))
    ax.axhline(0, color="#666666", lw=0.8)
    ax.set_xlabel(t("business.col.month", lang))
    ax.set_ylabel(f"{t('business.col.cumulative', lang)} ({case.currency})")
    ax.set_title(t("business.plot.cumulative", lang))
    ax.legend(frameon=False)
    return ax


def plot_tornado(case: BusinessCase, *, lang: str = "zh", ax=None, top: int = 10):
    """Horizontal bars of the NPV at −step and +step of each assumption around the base NPV,
    the most sensitive assumption on top."""
    tor = case.tornado.head(top).iloc[::-1]
    step = case.tornado.attrs.get("step", 0.2)
    base = case.tornado.attrs.get("base_npv", 0.0)
    ax = new_ax(ax, figsize=(9, 0.45 * max(len(tor), 3) + 1.2))
    y = np.arange(len(tor))
    ax.barh(y, tor["npv_minus"] - base, left=base, color=PALETTE[3], label=t("business.plot.minus", lang, step=step))
    ax.barh(y, tor["npv_plus"] - base, left=base, color=PALETTE[0], alpha=0.85, label=t("business.plot.plus", lang, step=step))
    ax.axvline(base, color="#333333", lw=1, ls="--", label=t("business.plot.base_npv", lang))
    ax.set_yticks(y, [item_label(k, lang) for k in tor["assumption"]])
    ax.set_xlabel(f"NPV ({case.currency})")
    ax.set_title(t("business.plot.tornado", lang, step=step))
    ax.legend(frameon=False, fontsize="small", loc="lower right")
    return ax
