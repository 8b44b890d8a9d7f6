"""Charts, display tables and plain-language findings of the RFM/CLV section (notebook 01).

Every chart takes a result (from :func:`mopkit.clv.customer_value`) and an optional ``ax``,
returns the axes and never calls ``plt.show()``. Chart and table text follows ``lang``.
The model-vs-actual charts follow Fader, Hardie & Lee (2005), Figures 2-4.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..i18n import t
from . import labels as _labels  # noqa: F401  (registers the labels used here)
from ..plotting import PALETTE, new_ax


def plot_segments(customers: pd.DataFrame, lang: str, *, scheme: str = "segment", ax=None):
    """Horizontal bars: share of customers and share of sales per segment."""
    from .rfm import segment_summary

    s = segment_summary(customers, scheme).sort_values("value_share")
    ax = new_ax(ax, figsize=(9, 0.45 * len(s) + 1.2))
    y = np.arange(len(s))
    ax.barh(y - 0.2, s["share"], height=0.4, color=PALETTE[0], label=t("clv.share", lang))
    ax.barh(y + 0.2, s["value_share"], height=0.4, color=PALETTE[1], label=t("clv.value_share", lang))
    ax.set_yticks(y, s.index)
    ax.xaxis.set_major_formatter(lambda v, _p: f"{v:.0%}")
    ax.set_title(t("clv.segments_chart", lang))
    ax.legend(loc="lower right")
    return ax


def plot_rfm_heatmap(customers: pd.DataFrame, lang: str, *, ax=None):
    """Customers per (R score, FM score) cell, R = 5 on top."""
    from .rfm import rfm_heatmap_table

    m = rfm_heatmap_table(customers).fillna(0)
    ax = new_ax(ax, figsize=(6, 4.5))
    im = ax.imshow(m.to_numpy(), cmap="Blues", aspect="auto")
    ax.set_xticks(range(5), m.columns)
    ax.set_yticks(range(5), m.index)
    vmax = m.to_numpy().max()
    for i in range(5):
        for j in range(5):
            v = int(m.iat[i, j])
            ax.text(j, i, f"{v:,}", ha="center", va="center", color="white" if v > vmax / 2 else "black")
    ax.figure.colorbar(im, ax=ax)
    ax.grid(False)
    ax.set_xlabel(t("clv.fm_score", lang))
    ax.set_ylabel(t("clv.r_score", lang))
    ax.set_title(t("clv.heatmap", lang))
    return ax


def plot_tracking(track: pd.DataFrame, res, lang: str, *, ax=None):
    """Cumulative repeat purchases, actual vs model, with the end of calibration marked."""
    ax = new_ax(ax, figsize=(10, 4))
    ax.plot(track["date"], track["actual"], color=PALETTE[0], lw=2, label=t("clv.actual", lang))
    ax.plot(track["date"], track["model"], color=PALETTE[3], lw=2, ls="--", label=t("clv.model", lang))
    ax.axvline(res.observation_end - pd.Timedelta(days=res.settings["holdout_days"]), color="grey", ls=":")
    ax.set_title(t("clv.tracking", lang))
    ax.set_ylabel(t("clv.cum_repeat", lang))
    ax.legend(loc="upper left")
    return ax


def plot_conditional_expectation(table: pd.DataFrame, lang: str, *, ax=None):
    ax = new_ax(ax, figsize=(8, 4))
    x = table.index.to_numpy()
    ax.plot(x, table["actual"], marker="o", color=PALETTE[0], label=t("clv.actual", lang))
    ax.plot(x, table["model"], marker="s", ls="--", color=PALETTE[3], label=t("clv.model", lang))
    labels = [str(v) for v in x]
    labels[-1] = labels[-1] + "+"
    ax.set_xticks(x, labels)
    ax.set_xlabel(t("clv.freq_cal", lang))
    ax.set_ylabel(t("clv.per_customer", lang))
    ax.set_title(t("clv.cond_exp", lang))
    ax.legend()
    return ax


def plot_p_alive_matrix(res, lang: str, *, ax=None, max_frequency: int | None = None):
    """P(alive) over repeat purchases (rows) and recency (columns) at the longest customer age."""
    s = res.summary
    mf = int(max_frequency or min(max(s["frequency"].quantile(0.99), 5), 30))
    mr = int(np.ceil(s["T"].max()))
    m = res.model.p_alive_matrix(mf, mr)
    ax = new_ax(ax, figsize=(9, 4.5))
    im = ax.imshow(m.to_numpy(dtype=float), cmap="RdYlGn", vmin=0, vmax=1, aspect="auto", origin="lower", interpolation="nearest")
    ax.figure.colorbar(im, ax=ax)
    ax.grid(False)
    ax.set_ylabel(t("clv.repeat", lang))
    ax.set_xlabel(t("clv.recency_unit", lang, unit=t(f"clv.unit.{res.settings['time_unit']}", lang)))
    ax.set_title(t("clv.palive", lang))
    return ax


def plot_clv_distribution(customers: pd.DataFrame, lang: str, *, horizon_days: int, ax=None):
    """Histogram of CLV (up to the 99th percentile, so the long tail does not squash the bars)."""
    ax = new_ax(ax, figsize=(8, 4))
    v = customers["clv"].dropna()
    ax.hist(v.clip(upper=v.quantile(0.99)), bins=50, color=PALETTE[0])
    ax.set_xlabel(t("clv.clv", lang))
    ax.set_ylabel(t("clv.customers", lang))
    ax.set_title(t("clv.clv_hist", lang, days=horizon_days))
    return ax


