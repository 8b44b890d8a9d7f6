"""Tables for the notebook and the output files (localised headers, rounded figures)."""
from __future__ import annotations

import pandas as pd

from ..i18n import t
from .labels import feature_label, model_label

METRIC_COLUMNS = ("roc_auc", "pr_auc", "brier", "top_decile_lift", "top_decile_capture")


def metrics_table(task, lang: str = "zh") -> pd.DataFrame:
    """Every model's test-window metrics, chosen model marked, localised headers."""
    m = task.metrics
    out = pd.DataFrame({"model": [model_label(x, lang) for x in m.index]})
    for c in METRIC_COLUMNS:
        out[t(f"propensity.col.{c}", lang)] = m[c].round(3).to_numpy()
    out[t("propensity.col.calibration", lang)] = [t(f"propensity.cal.{c}", lang) for c in m["calibration"]]
    out[t("propensity.col.chosen", lang)] = ["✓" if x == task.chosen else "" for x in m.index]
    return out.rename(columns={"model": t("propensity.col.model", lang)})


def lift_display(task, lang: str = "zh") -> pd.DataFrame:
    """The chosen model's lift by decile on the test window, localised."""
    lt = task.lift
    return pd.DataFrame({
        t("propensity.col.decile", lang): lt["decile"], t("propensity.col.customers", lang): lt["customers"],
        t("propensity.col.rate", lang): lt["rate"].round(3), t("propensity.col.lift", lang): lt["lift"].round(2),
        t("propensity.col.cum_capture", lang): lt["cum_capture"].round(3)})


def importance_table(task, lang: str = "zh", top: int = 10) -> pd.DataFrame:
    imp = task.importance.head(top)
    return pd.DataFrame({t("propensity.col.feature", lang): [feature_label(f, lang) for f in imp["feature"]],
                         t("propensity.col.importance", lang): imp["importance"].round(4).to_numpy()})


def scores_table(result) -> pd.DataFrame:
    """``outputs/propensity_scores.csv``: customer_id, propensity, decile, churn_risk, lapsed, reasons."""
    s = result.scores.reset_index()
    s["propensity"] = s["propensity"].round(4)
    s["churn_risk"] = s["churn_risk"].round(4)
    return s[["customer_id", "propensity", "decile", "churn_risk", "lapsed", "reasons"]].sort_values(
        ["decile", "propensity", "customer_id"], ascending=[True, False, True], kind="stable").reset_index(drop=True)


def audience(result, lang: str = "zh", deciles=(1,)) -> pd.DataFrame:
    """The coupon / trigger list: customers in ``deciles`` (default: the top 10 %), most likely first,
    in the columns of the other audience files (customer_id, audience, reason, ...)."""
    s = scores_table(result)
    s = s[s["decile"].isin(list(deciles))]
    return pd.DataFrame({"customer_id": s["customer_id"], "audience": t("propensity.audience.top_decile", lang),
                         "reason": s["reasons"], "propensity": s["propensity"], "decile": s["decile"],
                         "churn_risk": s["churn_risk"]}).reset_index(drop=True)


def decile_summary(result, lang: str = "zh") -> pd.DataFrame:
    """Customers, mean propensity and mean churn risk per decile of today's scores."""
    s = result.scores
    g = s.groupby("decile")
    return pd.DataFrame({
        t("propensity.col.decile", lang): list(g.groups),
        t("propensity.col.customers", lang): g.size().to_numpy(),
        t("propensity.col.mean_propensity", lang): g["propensity"].mean().round(3).to_numpy(),
        t("propensity.col.mean_churn", lang): g["churn_risk"].mean().round(3).to_numpy(),
    })
