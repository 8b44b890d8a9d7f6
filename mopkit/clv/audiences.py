"""Action lists for campaign tools: who gets the win-back coupon, the VIP service, the new-product push.

Each list is a plain function over the per-customer table of :func:`mopkit.clv.customer_value`
and returns pseudonymised ids only (``customer_id`` as loaded; contact columns never reach this
table), the audience key, a plain-language reason per customer and the figures behind it.
The registry :data:`AUDIENCES` names them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..registry import lookup
from ..i18n import register, t
from ..layout import XLSX_MAX_ROWS

LABELS = {
    "aud.col.audience": {"zh": "名单", "en": "List"},
    "aud.col.file": {"zh": "文件", "en": "File"},
    "aud.col.customers": {"zh": "客户数", "en": "Customers"},
    "aud.col.spend": {"zh": "累计消费（{cur}）", "en": "Spend to date ({cur})"},
    "aud.winback": {"zh": "高价值流失预警（挽回优惠券）", "en": "High-value customers at risk (win-back coupon)"},
    "aud.top_tiers": {"zh": "高等级会员（专属服务）", "en": "Top tiers (exclusive service)"},
    "aud.likely_buyers": {"zh": "近期可能复购（新品推送）", "en": "Likely to buy soon (new product push)"},
    "aud.reason.winback": {"zh": "累计消费 {spend}，活跃概率 {p}，流失风险{risk}",
                           "en": "spent {spend} to date, P(active) {p}, churn risk {risk}"},
    "aud.reason.winback_r": {"zh": "累计消费 {spend}，已 {days} 天未购买",
                             "en": "spent {spend} to date, no purchase for {days} days"},
    "aud.reason.top_tiers": {"zh": "会员等级 {tier}，累计消费 {spend}", "en": "tier {tier}, spent {spend} to date"},
    "aud.reason.likely": {"zh": "预计未来 30 天购买 {n} 次，活跃概率 {p}",
                          "en": "expected {n} purchases in the next 30 days, P(active) {p}"},
    "aud.reason.likely_r": {"zh": "最近 {days} 天内购买过，共 {f} 单",
                            "en": "bought within the last {days} days, {f} orders in all"},
    "risk.high": {"zh": "高", "en": "high"},
    "risk.medium": {"zh": "中", "en": "medium"},
    "risk.low": {"zh": "低", "en": "low"},
}
register(LABELS)

COLUMNS = ["customer_id", "audience", "reason", "tier", "segment", "total_spend", "order_count", "recency_days",
           "p_alive", "exp_purchases_30d", "clv"]


def _frame(cust: pd.DataFrame, mask, key: str, reasons, sort_col: str) -> pd.DataFrame:
    sel = cust[np.asarray(mask, dtype=bool)].copy()
    sel["reason"] = list(reasons(sel)) if len(sel) else []
    sel["audience"] = key
    sel = sel.reset_index().rename(columns={sel.index.name or "index": "customer_id"})
    for c in COLUMNS:
        if c not in sel.columns:
            sel[c] = np.nan
    return sel.sort_values(sort_col, ascending=False, kind="stable")[COLUMNS].reset_index(drop=True)


def _money(x: float, currency: str) -> str:
    return f"{currency} {x:,.0f}"


def winback(cust: pd.DataFrame, *, lang: str = "zh", currency: str = "CNY", min_m_score: int = 4) -> pd.DataFrame:
    """High spenders (M score >= ``min_m_score``) whose churn risk is high or medium."""
    mask = (cust["M"] >= min_m_score) & cust["churn_risk"].isin(["high", "medium"])
    if "p_alive" in cust.columns:
        def reasons(s):
            return (t("aud.reason.winback", lang, spend=_money(m, currency), p=f"{p:.0%}", risk=t(f"risk.{r}", lang))
                    for m, p, r in zip(s["total_spend"], s["p_alive"], s["churn_risk"]))
    else:
        def reasons(s):
            return (t("aud.reason.winback_r", lang, spend=_money(m, currency), days=int(d))
                    for m, d in zip(s["total_spend"], s["recency_days"]))
    return _frame(cust, mask, "winback", reasons, "clv" if "clv" in cust.columns else "total_spend")


def top_tiers(cust: pd.DataFrame, *, lang: str = "zh", currency: str = "CNY", base_tier: str | None = None) -> pd.DataFrame:
    """Every customer above the base tier (tiers from ``tier_thresholds``)."""
    base = base_tier or t("tier.base", lang)
    mask = cust["tier"] != base

    def reasons(s):
        return (t("aud.reason.top_tiers", lang, tier=tr, spend=_money(m, currency)) for tr, m in zip(s["tier"], s["total_spend"]))
    return _frame(cust, mask, "top_tiers", reasons, "total_spend")


def likely_buyers(cust: pd.DataFrame, *, lang: str = "zh", currency: str = "CNY", top_share: float = 0.10,
                  min_expected: float = 0.2) -> pd.DataFrame:
    """The ``top_share`` of customers by expected purchases in the next 30 days (at least
    ``min_expected``); without a CLV model, recent repeat buyers (R score 5 and F score >= 4)."""
    if "exp_purchases_30d" in cust.columns:
        e = cust["exp_purchases_30d"]
        cut = max(float(e.quantile(1 - top_share)), min_expected)
        mask = e >= cut

        def reasons(s):
            return (t("aud.reason.likely", lang, n=f"{n:.2f}", p=f"{p:.0%}") for n, p in zip(s["exp_purchases_30d"], s["p_alive"]))
        return _frame(cust, mask, "likely_buyers", reasons, "exp_purchases_30d")
    mask = (cust["R"] >= 5) & (cust["F"] >= 4)

    def reasons(s):
        return (t("aud.reason.likely_r", lang, days=int(d) + 1, f=int(f)) for d, f in zip(s["recency_days"], s["order_count"]))
    return _frame(cust, mask, "likely_buyers", reasons, "order_count")


AUDIENCES = {"winback": winback, "top_tiers": top_tiers, "likely_buyers": likely_buyers}


def build_audiences(cust: pd.DataFrame, names=tuple(AUDIENCES), **kw) -> dict[str, pd.DataFrame]:
    """All requested action lists, ``{name: frame}``; keyword arguments go to the functions that take them."""
    fns = {n: lookup(AUDIENCES, n, what="audience") for n in names}
    out = {}
    for n, fn in fns.items():
        args = {k: v for k, v in kw.items() if k in fn.__code__.co_varnames}
        out[n] = fn(cust, **args)
    return out


def audience_overview(audiences: dict[str, pd.DataFrame], lang: str = "zh", currency: str = "CNY") -> pd.DataFrame:
    """One row per list for display: its name, size and its customers' total spend to date (with
    the currency), headers in ``lang``."""
    rows = [{t("aud.col.audience", lang): t(f"aud.{k}", lang),
             # the workbook a person opens, or the CSV alone past its size (RunContext.write_list)
             t("aud.col.file", lang): f"audiences/{k}.{'xlsx' if len(v) <= XLSX_MAX_ROWS else 'csv'}",
             t("aud.col.customers", lang): f"{len(v):,}",
             t("aud.col.spend", lang, cur=currency): f"{float(v['total_spend'].sum()):,.0f}"}
            for k, v in audiences.items()]
    return pd.DataFrame(rows)
