"""Display tables of the RFM/CLV section: segments, tiers, compared models, tracking data. Headers follow ``lang``."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..i18n import t
from . import labels as _labels  # noqa: F401  (registers the labels used here)


def segment_table(customers: pd.DataFrame, lang: str, *, scheme: str = "segment") -> pd.DataFrame:
    """Segment sizes and value for display (``scheme`` "segment" or "segment_cn8"), headers in ``lang``."""
    from .rfm import segment_summary

    s = segment_summary(customers, scheme).reset_index()
    s = s[[scheme, "customers", "share", "value", "value_share", "mean_value", "mean_recency_days", "mean_order_count"]]
    s.columns = [t(k, lang) for k in ("clv.segment", "clv.customers", "clv.share", "clv.value", "clv.value_share",
                                      "clv.mean_value", "clv.mean_recency", "clv.mean_frequency")]
    return s.round(2)


def tracking_table(res, transactions: pd.DataFrame, *, customer_col="customer_id", time_col="order_time", step_days: int = 7) -> pd.DataFrame:
    """Actual and model cumulative repeat purchases of the calibration customers, every ``step_days``.

    Repeat purchases are distinct purchase days after the first (the summary's definition); the
    model is the chosen model fitted on the calibration period. Columns: date, actual, model.
    """
    from .summary import days_per_unit
    from .models import expected_cumulative_repeat

    from .grouping import customer_codes

    cal_end = res.observation_end - pd.Timedelta(days=res.settings["holdout_days"])
    # integer customer codes and day numbers: distinct purchase days per customer without
    # grouping text ids (10M orders: seconds, not half a minute)
    code, _ = customer_codes(transactions[customer_col])
    day = pd.to_datetime(transactions[time_col]).to_numpy().astype("datetime64[D]").astype(np.int64)
    d0, span = int(day.min()), int(day.max() - day.min()) + 1
    key = pd.unique(code.astype(np.int64) * span + (day - d0))
    c, d = key // span, key % span + d0  # one row per customer and purchase day
    first = np.full(int(c.max()) + 1, np.iinfo(np.int64).max)
    np.minimum.at(first, c, d)
    born = first <= cal_end.to_datetime64().astype("datetime64[D]").astype(np.int64)  # per customer code
    c, d = c[born[c]], d[born[c]]
    rep = d[d > first[c]]
    births_day = first[born]  # one per cohort customer
    t0 = int(births_day.min())
    grid = pd.date_range(pd.Timestamp(np.datetime64(t0, "D")), res.observation_end, freq=f"{step_days}D")
    grid_day = grid.to_numpy().astype("datetime64[D]").astype(np.int64)
    actual = np.searchsorted(np.sort(rep), grid_day, side="right")
    dpu = days_per_unit(res.settings["time_unit"])
    births = (births_day - t0 + 1) / dpu  # purchases of day k happen by its end
    g = (grid_day - t0 + 1) / dpu
    model = res.comparison.models[res.comparison.best]
    return pd.DataFrame({"date": grid, "actual": actual, "model": expected_cumulative_repeat(model, births, g)})


def conditional_expectation_table(res, max_frequency: int = 7) -> pd.DataFrame:
    """Mean actual and predicted holdout purchases by calibration frequency (``max_frequency``+ pooled)."""
    ch = res.cal_holdout
    model = res.comparison.models[res.comparison.best]
    pred = model.expected_purchases(float(ch["duration_holdout"].iloc[0]), ch["frequency_cal"], ch["recency_cal"], ch["T_cal"])
    grp = np.minimum(ch["frequency_cal"].to_numpy(), max_frequency).astype(int)
    df = pd.DataFrame({"frequency_cal": grp, "actual": ch["frequency_holdout"].to_numpy(), "model": pred})
    out = df.groupby("frequency_cal").agg(customers=("actual", "size"), actual=("actual", "mean"), model=("model", "mean"))
    return out


def tier_table(customers: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Customers, spend and (when present) CLV and P(alive) per tier, headers in ``lang``."""
    g = customers.groupby("tier")
    out = pd.DataFrame({t("clv.customers", lang): g.size(), t("clv.value", lang): g["total_spend"].sum().round(0),
                        t("clv.mean_value", lang): g["total_spend"].mean().round(1)})
    if "clv" in customers:
        out[t("clv.total_clv", lang)] = g["clv"].sum().round(0)
        out[t("clv.mean_clv", lang)] = g["clv"].mean().round(1)
        out[t("clv.mean_palive", lang)] = g["p_alive"].mean().round(3)
    out.index.name = t("clv.tier", lang)
    return out.sort_values(t("clv.value", lang), ascending=False)


def model_table(res, lang: str) -> pd.DataFrame:
    """The compared transaction models: parameters, log-likelihood, holdout errors, which was chosen."""
    from .models import MODEL_NAMES

    tab = res.comparison.table
    rows = []
    for name, r in tab.iterrows():
        params = r.get("params")
        rows.append({t("clv.modelname", lang): MODEL_NAMES[name],
                     t("clv.params", lang): ", ".join(f"{k}={v:.3g}" for k, v in params.items()) if isinstance(params, dict) else r.get("error", ""),
                     t("clv.fit_on", lang): _fit_on(r, res, lang),
                     t("clv.rung", lang): r.get("rung", ""),
                     t("clv.loglik", lang): round(r.get("loglik", np.nan), 1),
                     t("clv.rmse", lang): round(r.get("holdout_rmse", np.nan), 4),
                     t("clv.total_err", lang): f"{r.get('holdout_total_error_pct', np.nan):+.1f}%",
                     t("clv.chosen", lang): "✓" if name == res.comparison.best else ""})
    return pd.DataFrame(rows)


def _fit_on(row, res, lang: str) -> str:
    n, total = row.get("fit_customers", np.nan), row.get("customers", np.nan)
    if not (np.isfinite(n) and np.isfinite(total)):
        return ""
    if n < total:  # Pareto/NBD above its size cap (clv_models.MAX_FIT_CUSTOMERS)
        m = res.comparison.models.get(row.name)
        return t("clv.fit_sample", lang, n=int(n), total=int(total), seed=getattr(m, "seed", 0))
    return f"{int(n):,}"


def churn_calibration_table(res, lang: str) -> pd.DataFrame | None:
    """The churn bands on the holdout (predicted vs realised no-purchase share), headers in ``lang``."""
    cal = res.churn_calibration
    if cal is None:
        return None
    out = pd.DataFrame({t("clv.col.band", lang): [t(f"clv.band.{b}", lang) for b in cal["band"]],
                        t("clv.col.days", lang): cal["days"].astype(int),
                        t("clv.customers", lang): cal["customers"].astype(int),
                        t("clv.col.predicted", lang): cal["predicted_no_purchase"].map("{:.1%}".format),
                        t("clv.col.realised", lang): cal["realised_no_purchase"].map("{:.1%}".format)})
    return out


def fallbacks(res, lang: str) -> list:
    """Every fallback of the step as a :class:`mopkit.fallbacks.Fallback` in ``lang`` (what was
    tried, why it did not work, what was used instead); notebook 01 shows them with ``ctx.note_fallback``."""
    from ..fallbacks import Fallback

    out = []
    for n in res.notes:
        k, fmt = n["kind"], {**n, "what": t(f"clv.fb.what.{n.get('what', 'transaction')}", lang)}
        why = n.get("why") or t(f"clv.fb.{k}.why", lang)
        out.append(Fallback(t(f"clv.fb.{k}.tried", lang, **fmt), why, t(f"clv.fb.{k}.used", lang, **fmt)))
    return out


def notes_text(res, lang: str) -> list[str]:
    """Every fallback of the step in one sentence each, in ``lang``."""
    return [fb.text(lang) for fb in fallbacks(res, lang)]
