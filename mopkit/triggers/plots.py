"""Charts of trigger results. Each takes a result and an optional ``ax`` and returns the ax."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..i18n import register, t
from ..plotting import PALETTE, new_ax
from .guards import REASONS
from .labels import rule_label

LABELS = {
    "triggers.plot.funnel": {"zh": "各规则的候选、拦截与名单", "en": "Candidates, suppressions and audience per rule"},
    "triggers.plot.people": {"zh": "人数", "en": "Customers"},
    "triggers.plot.audience": {"zh": "名单", "en": "Audience"},
    "triggers.plot.replay": {"zh": "历史回放：每天会触发的消息数", "en": "Replay: messages each rule would have sent per day"},
    "triggers.plot.per_day": {"zh": "每天触发数", "en": "Sends per day"},
    "triggers.plot.uplift": {"zh": "各活动的转化率提升与 95% 区间", "en": "Conversion uplift per campaign, with 95% intervals"},
    "triggers.plot.uplift_axis": {"zh": "转化率提升（百分点）", "en": "Conversion uplift (percentage points)"},
}
register(LABELS)


def plot_suppression(summary: pd.DataFrame, *, lang: str = "zh", ax=None):
    """Stacked bars per rule: audience and each suppression reason (they add up to candidates)."""
    ax = new_ax(ax, figsize=(8, 0.6 * max(len(summary), 2) + 1.5))
    names = [rule_label(r, lang) for r in summary["rule"]]
    left = np.zeros(len(summary))
    parts = [("audience", t("triggers.plot.audience", lang))] + [(f"suppressed_{r}", t(f"triggers.suppress.{r}", lang)) for r in REASONS]
    for i, (col, label) in enumerate(parts):
        vals = summary[col].to_numpy(dtype=float)
        if vals.sum() == 0 and col != "audience":
            continue
        ax.barh(names, vals, left=left, color=PALETTE[i % len(PALETTE)], label=label)
        left += vals
    ax.set_xlabel(t("triggers.plot.people", lang))
    ax.set_title(t("triggers.plot.funnel", lang))
    ax.invert_yaxis()
    ax.legend(fontsize=8, loc="lower right")
    return ax


def plot_replay(daily: pd.DataFrame, *, lang: str = "zh", ax=None):
    """Sends per day of each rule over the replay period (one line per rule)."""
    ax = new_ax(ax, figsize=(9, 4))
    for i, (rule, d) in enumerate(daily.groupby("rule", sort=True)):
        s = d.set_index("date")["fired"].sort_index()
        s = s.reindex(pd.date_range(s.index.min(), s.index.max(), freq="D"), fill_value=0)
        ax.plot(s.index, s.to_numpy(), color=PALETTE[i % len(PALETTE)], label=rule_label(rule, lang), lw=1.4)
    ax.set_ylabel(t("triggers.plot.per_day", lang))
    ax.set_title(t("triggers.plot.replay", lang))
    if len(daily):
        ax.legend(fontsize=8)
    return ax


def plot_uplift(results: pd.DataFrame, *, lang: str = "zh", ax=None):
    """Point and 95 % interval of the conversion uplift per campaign (percentage points), zero marked."""
    r = results.dropna(subset=["uplift_abs"])
    ax = new_ax(ax, figsize=(8, 0.7 * max(len(r), 2) + 1.5))
    y = np.arange(len(r))
    u = r["uplift_abs"].to_numpy() * 100
    err = np.vstack([u - r["uplift_abs_low"].to_numpy() * 100, r["uplift_abs_high"].to_numpy() * 100 - u])
    colors = [PALETTE[2] if v == "win" else PALETTE[3] if v == "harm" else PALETTE[0] for v in r["verdict"]]
    ax.errorbar(u, y, xerr=err, fmt="none", ecolor="#555555", capsize=4)
    ax.scatter(u, y, color=colors, zorder=3)
    ax.axvline(0, color="#999999", lw=1, ls="--")
    ax.set_yticks(y, [str(c) for c in r["campaign"]])
    ax.set_xlabel(t("triggers.plot.uplift_axis", lang))
    ax.set_title(t("triggers.plot.uplift", lang))
    ax.invert_yaxis()
    return ax
