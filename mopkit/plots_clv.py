"""Charts, display tables and plain-language findings of the RFM/CLV section (notebook 01).

Every chart takes a result (from :func:`mopkit.clv.customer_value`) and an optional ``ax``,
returns the axes and never calls ``plt.show()``. Chart and table text follows ``lang``.
The model-vs-actual charts follow Fader, Hardie & Lee (2005), Figures 2-4.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .i18n import register, t
from .plotting import PALETTE, new_ax

register({
    "clv.title": {"zh": "客户价值：RFM 分层与客户终身价值 (CLV)", "en": "Customer value: RFM segments and lifetime value (CLV)"},
    "clv.intro": {"zh": "按最近购买 (R)、购买频次 (F)、消费金额 (M) 给客户打分分层，并用概率模型预测每位客户未来的购买次数、是否仍活跃和未来价值。",
                  "en": "Customers are scored on recency (R), frequency (F) and monetary value (M), and probability models predict each customer's future purchases, whether they are still active, and their future value."},
    "clv.h.segments": {"zh": "客户分层", "en": "Segments"},
    "clv.h.model": {"zh": "CLV 模型与验证", "en": "CLV model and validation"},
    "clv.h.value": {"zh": "客户价值与会员等级", "en": "Customer value and tiers"},
    "clv.h.audiences": {"zh": "行动名单", "en": "Action lists"},
    "clv.segments_chart": {"zh": "各分层客户数与销售额占比", "en": "Customers and sales share by segment"},
    "clv.segment": {"zh": "分层", "en": "Segment"},
    "clv.customers": {"zh": "客户数", "en": "Customers"},
    "clv.share": {"zh": "客户占比", "en": "Share of customers"},
    "clv.value_share": {"zh": "销售额占比", "en": "Share of sales"},
    "clv.value": {"zh": "累计消费", "en": "Spend to date"},
    "clv.mean_value": {"zh": "人均消费", "en": "Spend per customer"},
    "clv.mean_recency": {"zh": "平均未购天数", "en": "Mean days since purchase"},
    "clv.mean_frequency": {"zh": "平均订单数", "en": "Mean orders"},
    "clv.heatmap": {"zh": "RFM 热力图：客户数（R 分 × FM 分）", "en": "RFM heatmap: customers (R score x FM score)"},
    "clv.r_score": {"zh": "R 分（5 = 最近购买）", "en": "R score (5 = most recent)"},
    "clv.fm_score": {"zh": "FM 分（频次与金额）", "en": "FM score (frequency and spend)"},
    "clv.tracking": {"zh": "累计复购次数：实际 vs 模型（虚线为校准期结束）", "en": "Cumulative repeat purchases: actual vs model (dashed line: end of calibration)"},
    "clv.actual": {"zh": "实际", "en": "Actual"},
    "clv.model": {"zh": "模型", "en": "Model"},
    "clv.cond_exp": {"zh": "验证期人均复购：按校准期复购次数分组", "en": "Holdout purchases per customer by calibration repeat purchases"},
    "clv.freq_cal": {"zh": "校准期复购次数", "en": "Repeat purchases in calibration"},
    "clv.cum_repeat": {"zh": "累计复购次数", "en": "Cumulative repeat purchases"},
    "clv.repeat": {"zh": "复购次数", "en": "Repeat purchases"},
    "clv.per_customer": {"zh": "人均验证期购买次数", "en": "Holdout purchases per customer"},
    "clv.palive": {"zh": "活跃概率：按复购次数与最近一次复购时间", "en": "Probability active by repeat purchases and recency"},
    "clv.recency_unit": {"zh": "最近一次复购距首购（{unit}）", "en": "Time of last repeat purchase since first ({unit})"},
    "clv.unit.D": {"zh": "天", "en": "days"},
    "clv.unit.W": {"zh": "周", "en": "weeks"},
    "clv.clv_hist": {"zh": "未来 {days} 天客户价值分布（折现）", "en": "Customer value over the next {days} days (discounted)"},
    "clv.clv": {"zh": "客户终身价值 CLV", "en": "CLV"},
    "clv.tier": {"zh": "会员等级", "en": "Tier"},
    "clv.mean_clv": {"zh": "人均 CLV", "en": "CLV per customer"},
    "clv.total_clv": {"zh": "CLV 合计", "en": "Total CLV"},
    "clv.mean_palive": {"zh": "平均活跃概率", "en": "Mean P(active)"},
    "clv.modelname": {"zh": "模型", "en": "Model"},
    "clv.fit_on": {"zh": "拟合客户数", "en": "Fitted on (customers)"},
    "clv.fit_sample": {"zh": "{n:,} / {total:,}（随机抽样，种子 {seed}）", "en": "{n:,} of {total:,} (seeded random sample, seed {seed})"},
    "clv.loglik": {"zh": "对数似然", "en": "Log-likelihood"},
    "clv.rmse": {"zh": "验证期误差 (RMSE)", "en": "Holdout error (RMSE)"},
    "clv.total_err": {"zh": "验证期总量误差", "en": "Holdout total error"},
    "clv.params": {"zh": "参数", "en": "Parameters"},
    "clv.chosen": {"zh": "选中", "en": "Chosen"},
    "clv.skipped": {"zh": "CLV 模型已跳过：{reason}。以下仅展示 RFM 分层。", "en": "CLV model skipped: {reason}. Only the RFM segmentation is shown."},
    "clv.f.segment": {"zh": "「{seg}」共 {n:,} 位客户（{share:.0%}），贡献了 {vshare:.0%} 的销售额。",
                      "en": "'{seg}' has {n:,} customers ({share:.0%}) and brings {vshare:.0%} of sales."},
    "clv.f.model": {"zh": "按验证期误差选用 {model} 模型，比次优的 {runner} 误差低 {margin:.1%}；验证期预测复购 {pred:,.0f} 次，实际 {act:,.0f} 次（{err:+.1%}）。",
                    "en": "{model} was chosen on holdout error, {margin:.1%} lower than {runner}; it predicted {pred:,.0f} holdout repeat purchases against {act:,.0f} actual ({err:+.1%})."},
    "clv.f.model_tie": {"zh": "三种模型在验证期的误差几乎相同（{model} 仅比 {runner} 低 {margin:.2%}），选用 {model}；验证期预测复购 {pred:,.0f} 次，实际 {act:,.0f} 次（{err:+.1%}）。",
                        "en": "The models' holdout errors are nearly the same ({model} only {margin:.2%} lower than {runner}); {model} is used. It predicted {pred:,.0f} holdout repeat purchases against {act:,.0f} actual ({err:+.1%})."},
    "clv.f.value": {"zh": "未来 {days} 天全部客户预计贡献 {total:,.0f} {cur}（已折现），其中 CLV 最高的 10% 客户占 {top:.0%}。",
                    "en": "All customers are expected to bring {total:,.0f} {cur} (discounted) over the next {days} days; the top 10% by CLV account for {top:.0%}."},
    "clv.f.risk": {"zh": "{n:,} 位高消费客户（M 分 ≥4）流失风险为中或高，累计消费 {spend:,.0f} {cur}，建议发放挽回优惠券（见 winback 名单）。",
                   "en": "{n:,} high spenders (M score >= 4) are at medium or high risk of churning, with {spend:,.0f} {cur} spent to date: a win-back coupon is advised (see the winback list)."},
    "clv.f.indep_ok": {"zh": "复购频次与客单价几乎不相关（相关系数 {corr:.2f}），Gamma-Gamma 客单价模型的前提成立。",
                       "en": "Purchase frequency and order value are nearly uncorrelated ({corr:.2f}), so the Gamma-Gamma spend model's assumption holds."},
    "clv.f.indep_bad": {"zh": "注意：复购频次与客单价相关（相关系数 {corr:.2f}），Gamma-Gamma 模型的独立性前提不成立，CLV 金额需谨慎解读。",
                        "en": "Caution: purchase frequency and order value are correlated ({corr:.2f}); the Gamma-Gamma independence assumption fails, so read CLV amounts with care."},
})


def segment_table(customers: pd.DataFrame, lang: str, *, scheme: str = "segment") -> pd.DataFrame:
    """Segment sizes and value for display (``scheme`` "segment" or "segment_cn8"), headers in ``lang``."""
    from .rfm import segment_summary

    s = segment_summary(customers, scheme).reset_index()
    s = s[[scheme, "customers", "share", "value", "value_share", "mean_value", "mean_recency_days", "mean_frequency"]]
    s.columns = [t(k, lang) for k in ("clv.segment", "clv.customers", "clv.share", "clv.value", "clv.value_share",
                                      "clv.mean_value", "clv.mean_recency", "clv.mean_frequency")]
    return s.round(2)


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


def tracking_table(res, transactions: pd.DataFrame, *, customer_col="customer_id", time_col="order_time", step_days: int = 7) -> pd.DataFrame:
    """Actual and model cumulative repeat purchases of the calibration customers, every ``step_days``.

    Repeat purchases are distinct purchase days after the first (the summary's definition); the
    model is the chosen model fitted on the calibration period. Columns: date, actual, model.
    """
    from .clv import days_per_unit
    from .clv_models import expected_cumulative_repeat

    cal_end = res.observation_end - pd.Timedelta(days=res.settings["holdout_days"])
    day = pd.to_datetime(transactions[time_col]).dt.normalize()
    d = pd.DataFrame({"c": transactions[customer_col].to_numpy(), "d": day.to_numpy()}).drop_duplicates()
    first = d.groupby("c")["d"].transform("min")
    cohort = first <= cal_end
    d, first = d[cohort], first[cohort]
    rep = d.loc[d["d"] > first, "d"]
    grid = pd.date_range(first.min(), res.observation_end, freq=f"{step_days}D")
    actual = np.searchsorted(np.sort(rep.to_numpy()), grid.to_numpy(), side="right")
    dpu = days_per_unit(res.settings["time_unit"])
    t0 = first.min()
    births = ((d.groupby("c")["d"].min() - t0).dt.days.to_numpy() + 1) / dpu  # purchases of day k happen by its end
    g = ((grid - t0).days.to_numpy() + 1) / dpu
    model = res.comparison.models[res.comparison.best]
    return pd.DataFrame({"date": grid, "actual": actual, "model": expected_cumulative_repeat(model, births, g)})


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


def conditional_expectation_table(res, max_frequency: int = 7) -> pd.DataFrame:
    """Mean actual and predicted holdout purchases by calibration frequency (``max_frequency``+ pooled)."""
    ch = res.cal_holdout
    model = res.comparison.models[res.comparison.best]
    pred = model.expected_purchases(float(ch["duration_holdout"].iloc[0]), ch["frequency_cal"], ch["recency_cal"], ch["T_cal"])
    grp = np.minimum(ch["frequency_cal"].to_numpy(), max_frequency).astype(int)
    df = pd.DataFrame({"frequency_cal": grp, "actual": ch["frequency_holdout"].to_numpy(), "model": pred})
    out = df.groupby("frequency_cal").agg(customers=("actual", "size"), actual=("actual", "mean"), model=("model", "mean"))
    return out


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


def tier_table(customers: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Customers, spend and (when present) CLV and P(alive) per tier, headers in ``lang``."""
    g = customers.groupby("tier")
    out = pd.DataFrame({t("clv.customers", lang): g.size(), t("clv.value", lang): g["monetary"].sum().round(0),
                        t("clv.mean_value", lang): g["monetary"].mean().round(1)})
    if "clv" in customers:
        out[t("clv.total_clv", lang)] = g["clv"].sum().round(0)
        out[t("clv.mean_clv", lang)] = g["clv"].mean().round(1)
        out[t("clv.mean_palive", lang)] = g["p_alive"].mean().round(3)
    out.index.name = t("clv.tier", lang)
    return out.sort_values(t("clv.value", lang), ascending=False)


def model_table(res, lang: str) -> pd.DataFrame:
    """The compared transaction models: parameters, log-likelihood, holdout errors, which was chosen."""
    from .clv_models import MODEL_NAMES

    tab = res.comparison.table
    rows = []
    for name, r in tab.iterrows():
        params = r.get("params")
        rows.append({t("clv.modelname", lang): MODEL_NAMES[name],
                     t("clv.params", lang): ", ".join(f"{k}={v:.3g}" for k, v in params.items()) if isinstance(params, dict) else r.get("error", ""),
                     t("clv.fit_on", lang): _fit_on(r, res, lang),
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


def findings(res, lang: str, currency: str) -> list[tuple[str, float]]:
    """Plain-language findings ``(text, weight)`` for the executive summary, in ``lang``."""
    from .clv_models import MODEL_NAMES
    from .rfm import segment_summary

    c = res.customers
    out = []
    seg = segment_summary(c, "segment_key")
    top = seg.index[0]
    out.append((t("clv.f.segment", lang, seg=t(f"seg.{top}", lang), n=int(seg.loc[top, "customers"]), share=seg.loc[top, "share"],
                  vshare=seg.loc[top, "value_share"]), 0.8))
    risk = c[(c["M"] >= 4) & c["churn_risk"].isin(["high", "medium"])]
    out.append((t("clv.f.risk", lang, n=len(risk), spend=risk["monetary"].sum(), cur=currency), 0.85))
    if not res.clv_ok:
        out.append((t("clv.skipped", lang, reason=res.skipped_reason), 0.6))
        return out
    total = float(c["clv"].sum())
    top10 = float(c["clv"].nlargest(max(1, len(c) // 10)).sum() / total) if total > 0 else 0.0
    out.append((t("clv.f.value", lang, days=res.settings["horizon_days"], total=total, cur=currency, top=top10), 0.75))
    if res.comparison is not None and len(res.comparison.table.dropna(subset=["holdout_rmse"])) > 1:
        tab = res.comparison.table.dropna(subset=["holdout_rmse"]).sort_values("holdout_rmse")
        b = tab.iloc[0]
        key = "clv.f.model" if res.comparison.margin >= 0.01 else "clv.f.model_tie"
        out.append((t(key, lang, model=MODEL_NAMES[tab.index[0]], runner=MODEL_NAMES[tab.index[1]],
                      margin=res.comparison.margin, pred=b["holdout_total_predicted"], act=b["holdout_total_actual"],
                      err=b["holdout_total_error_pct"] / 100), 0.5))
    ind = res.independence
    out.append((t("clv.f.indep_ok" if ind["ok"] else "clv.f.indep_bad", lang, corr=ind["corr"]), 0.3 if ind["ok"] else 0.6))
    return out
