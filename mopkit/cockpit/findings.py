"""Plain-language findings of the KPI cockpit, in the client's language."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..i18n import channel_name, t
from .kpi import ALL, format_change, format_value


def findings(kpis_df: pd.DataFrame, *, lang: str = "zh", currency: str = "CNY", freq: str = "M",
             m1: float | None = None, m3: float | None = None) -> list[tuple[str, float]]:
    """Plain-language findings ``(text, weight)`` for the report from a :func:`compute_kpis` table:
    the latest period's GMV and its change, ROAS by channel, and (if given) M1/M3 retention."""
    df = kpis_df[kpis_df["freq"] == freq] if "freq" in kpis_df.columns else kpis_df
    if df.empty:
        return []
    period = pd.to_datetime(df["period"]).max()
    last = df[pd.to_datetime(df["period"]) == period]
    allv = last[last["channel"] == ALL].set_index("metric")
    label = period.strftime("%Y-%m" if freq == "M" else "%Y-%m-%d")
    fv = lambda m: format_value(allv.at[m, "value"] if m in allv.index else np.nan, m, lang, currency)  # noqa: E731
    out = []
    gmv_change = allv.at["gmv", "change"] if "gmv" in allv.index else np.nan
    out.append((t("kpi.finding.gmv", lang, period=label, value=fv("gmv"), change=format_change(gmv_change),
                  orders=fv("orders"), aov=fv("aov")), 0.7 + 0.2 * min(abs(np.nan_to_num(gmv_change)), 1)))
    roas = last[(last["metric"] == "roas") & (last["channel"] != ALL) & (last["status"] == "ok")]
    if "roas" in allv.index and np.isfinite(allv.at["roas", "value"]) and len(roas):
        best, worst = roas.loc[roas["value"].idxmax()], roas.loc[roas["value"].idxmin()]
        out.append((t("kpi.finding.roas", lang, period=label, roas=fv("roas"), spend=fv("ad_spend"),
                      best=channel_name(best["channel"], lang), best_roas=format_value(best["value"], "roas"),
                      worst=channel_name(worst["channel"], lang), worst_roas=format_value(worst["value"], "roas")), 0.6))
    if m1 is not None and np.isfinite(m1):
        out.append((t("kpi.finding.retention", lang, m1=format_value(m1, "m1_retention", lang),
                      m3=format_value(m3 if m3 is not None else np.nan, "m3_retention", lang)), 0.5))
    return out
