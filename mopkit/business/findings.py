"""Plain-language findings and display tables of a business case, in the client's language."""
from __future__ import annotations

import pandas as pd

from ..i18n import t
from .case import BusinessCase
from .labels import item_label


def money(x: float, currency: str = "CNY") -> str:
    sym = {"CNY": "¥", "RMB": "¥", "USD": "$", "EUR": "€"}.get(currency.upper(), currency + " ")
    return f"-{sym}{-x:,.0f}" if x < 0 else f"{sym}{x:,.0f}"


def _pct(x) -> str:
    return "—" if x is None or x != x else f"{x:.0%}"


def findings(case: BusinessCase, *, lang: str = "zh", currency: str | None = None) -> list[tuple[str, float]]:
    """``(text, weight)`` pairs for the executive summary: the base case, the scenario range,
    the most sensitive assumption, benefits left out and benefits resting on assumptions.
    ``currency`` defaults to the case's."""
    out: list[tuple[str, float]] = []
    cur = currency or case.currency
    m = case.scenarios.set_index("scenario")
    base = m.loc["base"]
    pb = base["payback_month"]
    payback = t("business.find.nopayback", lang) if pb is None or pb != pb else t("business.find.payback", lang, m=int(pb))
    out.append((t("business.find.base", lang, horizon=case.params.horizon_months, costs=money(base["costs"], cur),
                  gp=money(base["gross_profit"], cur), roi=_pct(base["roi"]), npv=money(base["npv"], cur), payback=payback), 0.9))
    lo, hi = m.loc["pessimistic", "npv"], m.loc["optimistic", "npv"]
    sign = t("business.find.range_neg", lang) if lo < 0 else ""
    out.append((t("business.find.range", lang, lo=money(lo, cur), hi=money(hi, cur), sign=sign), 0.7 if lo >= 0 else 0.8))
    if len(case.tornado):
        r = case.tornado.iloc[0]
        out.append((t("business.find.tornado", lang, name=item_label(r["assumption"], lang), step=case.tornado.attrs["step"],
                      lo=money(min(r["npv_minus"], r["npv_plus"]), cur), hi=money(max(r["npv_minus"], r["npv_plus"]), cur)), 0.6))
    sep = "、" if lang == "zh" else ", "
    left = [m_["benefit"] for m_ in case.missing
            if m_["reason"] in ("missing_file", "empty_file", "missing_value", "no_matching_customers", "no_holdout")]
    if left:
        out.append((t("business.find.missing", lang, items=sep.join(t(f"business.benefit.{k}", lang) for k in dict.fromkeys(left))), 0.5))
    assumed = [b.key for b in case.benefits if b.kind == "assumption"]
    if assumed:
        out.append((t("business.find.assumed", lang, items=sep.join(t(f"business.benefit.{k}", lang) for k in assumed)), 0.55))
    return out


def missing_notes(case: BusinessCase, lang: str = "zh") -> list[str]:
    """One sentence per benefit left out, saying why."""
    return [t(f"business.missing.{m['reason']}", lang, benefit=t(f"business.benefit.{m['benefit']}", lang), file=m["file"])
            for m in case.missing]


def irr_note(case: BusinessCase, scenario: str = "base", lang: str = "zh") -> str:
    note = case.metric("irr_note", scenario)
    return t(f"business.irr.{note}", lang) if note else ""


def _fmt(value, unit: str, currency: str) -> str:
    if value is None or value != value:
        return ""
    if unit in ("share", "annual rate"):
        return f"{value:.1%}"
    if unit in ("months", "hours/month"):
        return f"{value:g}"
    return money(value, currency)


def _note(b, lang: str) -> str:
    if not b.detail:
        return b.note
    extra = {}
    if b.key == "budget_plan":
        upper = b.detail.get("method") == "attribution" and b.high == b.monthly_revenue
        extra["bound"] = t("business.note.upper_bound", lang) if upper else ""
    return t(f"business.note.{b.key}", lang, **b.detail, **extra)


def assumptions_table(case: BusinessCase, lang: str = "zh") -> pd.DataFrame:
    """Every assumption with its value, interval, kind and source, formatted, headers translated."""
    a = pd.DataFrame(case.assumptions())
    cur = case.currency
    out = pd.DataFrame({
        "assumption": [item_label(k, lang) for k in a["key"]],
        "value": [_fmt(v, u, cur) for v, u in zip(a["value"], a["unit"])],
        "low": [_fmt(v, u, cur) for v, u in zip(a["low"], a["unit"])],
        "high": [_fmt(v, u, cur) for v, u in zip(a["high"], a["unit"])],
        "kind": [t(f"business.kind.{k}", lang) for k in a["kind"]],
        "source": a["source"],
        "note": [_note(b, lang) for b in case.benefits]
                + [""] * (len(a) - len(case.benefits)),
    })
    return out.rename(columns={c: t(f"business.col.{c}", lang) for c in out.columns})


def scenario_display(case: BusinessCase, lang: str = "zh") -> pd.DataFrame:
    """The three scenarios' metrics, formatted for a client (money, percentages, payback)."""
    s = case.scenarios
    cur = case.currency
    never, undef = t("business.never", lang), t("business.undefined", lang)
    out = pd.DataFrame({
        t("business.col.scenario", lang): [t(f"business.scenario.{x}", lang) for x in s["scenario"]],
        t("business.col.revenue", lang): [money(x, cur) for x in s["revenue"]],
        t("business.col.gross_profit", lang): [money(x, cur) for x in s["gross_profit"]],
        t("business.col.costs", lang): [money(x, cur) for x in s["costs"]],
        t("business.col.net", lang): [money(x, cur) for x in s["net"]],
        t("business.col.roi", lang): [_pct(x) for x in s["roi"]],
        t("business.col.npv", lang): [money(x, cur) for x in s["npv"]],
        t("business.col.irr_annual", lang): [undef if x is None or x != x else f"{x:.0%}" for x in s["irr_annual"]],
        t("business.col.payback_month", lang): [never if x is None or x != x else str(int(x)) for x in s["payback_month"]],
    })
    return out


def cashflow_display(case: BusinessCase, scenario: str = "base", lang: str = "zh") -> pd.DataFrame:
    """The monthly table of one scenario (month, revenue, gross profit, costs, net, cumulative, present
    value), translated headers, whole currency units. The full table is in the CSV and workbook."""
    f = case.flows[scenario][["month", "revenue", "gross_profit", "costs", "net", "cumulative", "pv", "cumulative_pv"]]
    f = f.round({c: 0 for c in f.columns if c != "month"})
    return f.rename(columns={c: t(f"business.col.{c}", lang) for c in f.columns})


def tornado_display(case: BusinessCase, lang: str = "zh") -> pd.DataFrame:
    tor = case.tornado
    step = tor.attrs.get("step", 0.2)
    units = {a["key"]: a["unit"] for a in case.assumptions()}
    return pd.DataFrame({
        t("business.col.assumption", lang): [item_label(k, lang) for k in tor["assumption"]],
        t("business.col.kind", lang): [t(f"business.kind.{k}", lang) for k in tor["kind"]],
        t("business.col.value", lang): [_fmt(v, units.get(k, "currency"), case.currency) for k, v in zip(tor["assumption"], tor["base_value"])],
        t("business.col.npv_minus", lang, step=step): [money(x, case.currency) for x in tor["npv_minus"]],
        t("business.col.npv_plus", lang, step=step): [money(x, case.currency) for x in tor["npv_plus"]],
        t("business.col.swing", lang): [money(x, case.currency) for x in tor["swing"]],
    })
