"""Plain-language findings of the RFM/CLV section, in the client's language."""
from __future__ import annotations

from ..i18n import t
from . import labels as _labels  # noqa: F401  (registers the labels used here)


def findings(res, *, lang: str = "zh", currency: str = "CNY") -> list[tuple[str, float]]:
    """Plain-language findings ``(text, weight)`` for the executive summary, in ``lang``."""
    from .models import MODEL_NAMES
    from .rfm import segment_summary

    c = res.customers
    out = []
    seg = segment_summary(c, "segment_key")
    top = seg.index[0]
    out.append((t("clv.f.segment", lang, seg=t(f"seg.{top}", lang), n=int(seg.loc[top, "customers"]), share=seg.loc[top, "share"],
                  vshare=seg.loc[top, "value_share"]), 0.8))
    risk = c[(c["M"] >= 4) & c["churn_risk"].isin(["high", "medium"])]
    out.append((t("clv.f.risk", lang, n=len(risk), spend=risk["total_spend"].sum(), cur=currency), 0.85))
    if not res.clv_ok:
        out.append((t("clv.skipped", lang, reason=res.skipped_reason), 0.6))
        return out
    total = float(c["clv"].sum())
    top10 = float(c["clv"].nlargest(max(1, len(c) // 10)).sum() / total) if total > 0 else 0.0
    out.append((t("clv.f.value", lang, days=res.settings["horizon_days"], total=total, cur=currency, top=top10), 0.75))
    if res.comparison is not None and len(res.comparison.table.dropna(subset=["holdout_rmse"])) > 1:
        cmp = res.comparison
        tab = cmp.table.dropna(subset=["holdout_rmse"]).sort_values("holdout_rmse")
        b = tab.loc[cmp.best]
        ref = cmp.reference if cmp.reference in tab.index else tab.index[0]
        gain = float(1 - tab["holdout_rmse"].iloc[0] / tab.at[ref, "holdout_rmse"])
        rule = t("clv.rule", lang, reference=MODEL_NAMES[ref], pct=cmp.min_improvement)
        key = "clv.f.rule_ref" if tab.index[0] == ref else "clv.f.rule"
        out.append((t(key, lang, model=MODEL_NAMES[cmp.best], rule=rule, lowest=MODEL_NAMES[tab.index[0]],
                      reference=MODEL_NAMES[ref], gain=gain, pred=b["holdout_total_predicted"], act=b["holdout_total_actual"],
                      err=b["holdout_total_error_pct"] / 100), 0.5))
    bands = res.settings["churn_bands"]
    high = c["churn_risk"] == "high"
    cal = res.churn_calibration
    if cal is not None and (cal["band"] == "high").any():
        row = cal.set_index("band").loc["high"]
        out.append((t("clv.f.churn", lang, days=res.settings["churn_days"], n=int(high.sum()), share=float(high.mean()),
                      high=bands["high"], real=row["realised_no_purchase"], pred=row["predicted_no_purchase"]), 0.7))
    else:
        out.append((t("clv.f.churn_nocal", lang, days=res.settings["churn_days"], n=int(high.sum()), share=float(high.mean()),
                      high=bands["high"]), 0.6))
    ind = res.independence
    out.append((t("clv.f.indep_ok" if ind["ok"] else "clv.f.indep_bad", lang, corr=ind["corr"]), 0.3 if ind["ok"] else 0.6))
    return out
