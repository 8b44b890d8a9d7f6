"""Plain-language findings of the budget step, in the client's language."""
from __future__ import annotations

import numpy as np

from ..attribution.labels import model_label
from ..i18n import channel_name, t


def _money(x: float, currency: str) -> str:
    return f"{x:,.0f} {currency}"


def findings(result, *, lang: str = "zh", currency: str = "CNY", attribution_model: str = "markov") -> list[tuple[str, float]]:
    """``[(text, weight)]`` from a :class:`~mopkit.mmm.budget.BudgetResult` (weights in 0..1)."""
    out = []
    if result.method != "mmm":
        reasons = " ".join(p["text"] for p in result.problems)
        if reasons:
            key = "mmm.find.refused_fallback" if result.method == "attribution" else "mmm.find.refused"
            out.append((t(key, lang, reasons=reasons), 0.7))
        return out
    m, ch, s = result.model, result.channels, result.summary
    h = m.holdout_
    if h.get("days"):
        out.append((t("mmm.find.fit", lang, r2=m.r2_, days=h["days"], mape=h["mape"],
                      outcome=t(f"mmm.target.{result.target}", lang)), 0.3))
    ratio = ch["marginal_roas"] / ch["current_roas"].where(ch["current_roas"] > 0)
    if ratio.notna().any():
        i = int(ratio.idxmin())
        out.append((t("mmm.find.saturated", lang, channel=channel_name(ch.loc[i, "channel"], lang),
                      marginal=ch.loc[i, "marginal_roas"], roas=ch.loc[i, "current_roas"],
                      sat=_money(ch.loc[i, "saturation_point"], currency), cur=_money(ch.loc[i, "current_daily_spend"], currency)), 0.7))
    j = int(ch["marginal_roas"].idxmax())
    out.append((t("mmm.find.best_marginal", lang, channel=channel_name(ch.loc[j, "channel"], lang),
                  marginal=ch.loc[j, "marginal_roas"], low=ch.loc[j, "marginal_roas_low"], high=ch.loc[j, "marginal_roas_high"]), 0.6))
    plan = result.plan
    up = [channel_name(c, lang) for c in plan.loc[plan["action"] == "increase", "channel"]]
    down = [channel_name(c, lang) for c in plan.loc[plan["action"] == "decrease", "channel"]]
    sep = "、" if lang == "zh" else ", "
    if up and down:
        out.append((t("mmm.find.plan", lang, moved=_money(s["moved"], currency), days=s["period_days"], donors=sep.join(down),
                      takers=sep.join(up), gain=_money(s["expected_value_change"], currency),
                      low=_money(s["expected_value_change_low"], currency), high=_money(s["expected_value_change_high"], currency)), 0.9))
    cmp = result.comparison
    if cmp is not None and "attribution" in set(cmp["split"]):
        v = cmp.set_index("split")["value"]
        out.append((t("mmm.find.vs_linear", lang, days=s["period_days"], mmm=_money(v["mmm"] - v["current"], currency),
                      lin=_money(v["attribution"] - v["current"], currency)), 0.6))
    cc = result.crosscheck
    if cc is not None and "gap" in cc:
        k = int(cc["gap"].abs().idxmax())
        out.append((t("mmm.find.crosscheck", lang, channel=channel_name(cc.loc[k, "channel"], lang), mmm=cc.loc[k, "mmm_share"],
                      attr=cc.loc[k, f"{attribution_model}_share"], model=model_label(attribution_model, lang)), 0.5))
    return [(txt, float(np.clip(w, 0, 1))) for txt, w in out]


def localise(df, lang: str, *, digits: int = 2):
    """Display copy of a budget table: channel names, split names and headers in ``lang``."""
    from ..attribution.tables import localise as attr_localise
    from ..i18n import has

    out = df.copy()
    if "split" in out:
        out["split"] = [t(f"mmm.split.{s}", lang) for s in out["split"]]
    if "method" in out:
        out["method"] = [t(f"mmm.method.{m}", lang) for m in out["method"]]
    out = attr_localise(out, lang, digits=digits)
    return out.rename(columns={c: t(f"mmm.col.{c}", lang) for c in out.columns if has(f"mmm.col.{c}")})
