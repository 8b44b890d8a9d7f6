"""The consultant's portfolio: one page over every client's latest run, by what needs attention.

``mopkit portfolio runs/`` reads, for each ``runs/<client>/``, the latest run folder and writes
``portfolio-<timestamp>.html`` and ``.pdf`` (WeasyPrint, the report's stylesheet): per client the
headline KPIs with their change (``outputs/kpis.csv``), alerts (``outputs/alerts.csv``), CLV
totals (``outputs/rfm_clv_customers.*``, ``clv_model.json``) and the last forecast against what
actually happened (an earlier run's ``outputs/forecast.csv`` against the latest run's
``outputs/daily_orders.csv``). Clients are sorted by an attention score whose reasons are printed
beside it: a failed run, high and medium alerts, falling GMV, a forecast missed by more than its
interval.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd

from .layout import OUTPUTS_DIR, read_output
from .errors import MopkitError
from .i18n import register, t

# The only place of this module that names the KPI cockpit (moving to mopkit.cockpit).
from .cockpit import kpi as _kpi

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
#: Attention points: a failed run first, then alerts and falling GMV (per % of drop), then forecast
#: misses (half a point per % off: a miss says to re-plan, not that sales are suffering).
WEIGHTS = {"failed": 100.0, "high": 10.0, "medium": 3.0, "low": 1.0, "gmv_drop_per_pct": 1.0, "miss_per_pct": 0.5}
#: Headline metrics where a fall is good news (coloured green on the page).
LOWER_IS_BETTER = frozenset({"refund_rate", "cac", "cpa"})
FORECAST_TOLERANCE = 0.10  # a forecast total within ±10 % of the actual is not a miss

register({
    "portfolio.title": {"zh": "客户组合概览", "en": "Client portfolio"},
    "portfolio.generated": {"zh": "生成时间", "en": "Generated"},
    "portfolio.intro": {"zh": "共 {n} 个客户，按需要关注的程度排序（分数越高越需要优先处理）。",
                        "en": "{n} clients, sorted by how much attention they need (highest score first)."},
    "portfolio.client": {"zh": "客户", "en": "Client"},
    "portfolio.run": {"zh": "最近一次运行", "en": "Latest run"},
    "portfolio.attention": {"zh": "关注分", "en": "Attention"},
    "portfolio.why": {"zh": "原因", "en": "Why"},
    "portfolio.kpis": {"zh": "核心指标（最近一期，环比）", "en": "Headline KPIs (latest period, change)"},
    "portfolio.alerts": {"zh": "预警", "en": "Alerts"},
    "portfolio.clv": {"zh": "客户生命周期价值", "en": "Customer lifetime value"},
    "portfolio.forecast": {"zh": "预测与实际", "en": "Forecast vs actual"},
    "portfolio.nothing": {"zh": "暂无需要关注的事项", "en": "Nothing needs attention"},
    "portfolio.none": {"zh": "无", "en": "none"},
    "portfolio.na": {"zh": "本次运行未包含", "en": "not in this run"},
    "portfolio.reason.failed": {"zh": "运行未完成：{what}", "en": "run did not complete: {what}"},
    "portfolio.reason.alerts": {"zh": "{high} 条高级别、{medium} 条中级别预警", "en": "{high} high and {medium} medium alerts"},
    "portfolio.reason.gmv": {"zh": "成交额环比下降 {pct:.1f}%", "en": "GMV down {pct:.1f}% on the previous period"},
    "portfolio.reason.miss": {"zh": "实际{target}比预测{dir} {pct:.1f}%", "en": "actual {target} {dir} forecast by {pct:.1f}%"},
    "portfolio.dir.above": {"zh": "高出", "en": "above"},
    "portfolio.dir.below": {"zh": "低于", "en": "below"},
    "portfolio.alert_count": {"zh": "共 {n} 条（高 {high} / 中 {medium} / 低 {low}）", "en": "{n} ({high} high / {medium} medium / {low} low)"},
    "portfolio.clv_line": {"zh": "{customers:,} 位客户，预测价值合计 {total}；其中高流失风险客户 {risk}（{share:.0f}%）；模型 {model}",
                           "en": "{customers:,} customers, predicted value {total} in total; {risk} ({share:.0f}%) with customers at high churn risk; model {model}"},
    "portfolio.fc_line": {"zh": "{start} 至 {end}（{days} 天）{target}：预测 {forecast:,.0f}，实际 {actual:,.0f}（{err}）；{outside} 天落在预测区间之外",
                          "en": "{start} to {end} ({days} days) {target}: forecast {forecast:,.0f}, actual {actual:,.0f} ({err}); {outside} days outside the interval"},
    "portfolio.fc_ahead": {"zh": "尚无可核对的历史预测；未来 {days} 天{target}预测 {forecast:,.0f}",
                           "en": "no earlier forecast to check yet; next {days} days {target} forecast {forecast:,.0f}"},
    "portfolio.target.orders": {"zh": "订单数", "en": "orders"},
    "portfolio.target.gmv": {"zh": "成交额", "en": "GMV"},
    "portfolio.target.units": {"zh": "销量", "en": "units"},
})


def _read_table(folder: Path, stem: str, columns: list[str] | None = None) -> pd.DataFrame | None:
    """``<run>/outputs/<stem>.parquet`` or ``.csv``; None when neither (``folder`` is outputs/)."""
    return read_output(folder.parent, stem, columns)


def _manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))


def run_headline(run_dir: str | Path, lang: str | None = None) -> dict:
    """Headline KPIs and alert count of one run: ``{"kpis": [...], "alerts": n | None}``.

    ``kpis`` are :func:`mopkit.cockpit.headline` dicts (label, value and change as text, raw numbers)
    of the latest period; empty when the KPI cockpit did not run. ``lang`` defaults to the
    client's language.
    """
    run_dir = Path(run_dir)
    man = _manifest(run_dir) if (run_dir / "manifest.json").exists() else {}
    client = man.get("client", {})
    lang = lang or client.get("language", "zh")
    currency = (man.get("config", {}) or {}).get("currency", "CNY") if client else "CNY"
    out = run_dir / OUTPUTS_DIR
    kpis = _read_table(out, "kpis")
    alerts = _read_table(out, "alerts")
    return {"kpis": _kpi.headline(kpis, lang, currency) if kpis is not None and len(kpis) else [],
            "alerts": None if alerts is None else int(len(alerts))}


def client_runs(runs_dir: str | Path) -> dict[str, list[Path]]:
    """``{slug: [run folders, oldest first]}`` for every ``<runs_dir>/<slug>/<timestamp>/manifest.json``."""
    runs: dict[str, list[Path]] = {}
    for m in sorted(Path(runs_dir).glob("*/*/manifest.json")):
        runs.setdefault(m.parent.parent.name, []).append(m.parent)
    return runs


def _alerts(out: Path) -> dict:
    df = _read_table(out, "alerts")
    if df is None:
        return {"available": False}
    sev = df["severity"].value_counts() if len(df) else pd.Series(dtype=int)
    order = {"high": 0, "medium": 1, "low": 2}
    top = df.assign(_o=df["severity"].map(order).fillna(3)).sort_values(["_o", "period"], ascending=[True, False]) if len(df) else df
    return {"available": True, "n": int(len(df)), **{k: int(sev.get(k, 0)) for k in ("high", "medium", "low")},
            "top": [str(m) for m in top["message"].head(3)] if len(df) else []}


def _clv(out: Path, currency: str, lang: str) -> dict:
    cust = _read_table(out, "rfm_clv_customers", ["clv", "churn_risk"])
    if cust is None:
        return {"available": False}
    model = ""
    if (out / "clv_model.json").exists():
        info = json.loads((out / "clv_model.json").read_text(encoding="utf-8"))
        model = str(info.get("chosen_model") or "")
    clv = pd.to_numeric(cust["clv"], errors="coerce").fillna(0.0)
    risk = float(clv[cust["churn_risk"] == "high"].sum())
    total = float(clv.sum())
    return {"available": True, "customers": int(len(cust)), "total": total, "at_risk": risk,
            "share": 100.0 * risk / total if total else 0.0, "model": model,
            "total_text": _kpi.format_value(total, "gmv", lang, currency),
            "risk_text": _kpi.format_value(risk, "gmv", lang, currency)}


def forecast_check(runs: list[Path]) -> dict:
    """The latest run's actuals against the most recent earlier forecast that covers them.

    Compares the forecast's ``point``/``lower``/``upper`` (``outputs/forecast.csv``) with the
    latest run's ``outputs/daily_orders.csv`` on the dates both have; ``target`` is the earlier
    run's ``notebooks.forecast.target`` (orders or gmv; units cannot be checked this way).
    Returns ``{"available": False}`` when no earlier forecast overlaps the actuals, else the
    dates, totals, relative error (actual / forecast − 1) and days outside the interval. Without
    any earlier forecast, ``ahead`` describes the latest run's own forecast.
    """
    latest = runs[-1]
    actual = _read_table(latest / OUTPUTS_DIR, "daily_orders")
    own = _read_table(latest / OUTPUTS_DIR, "forecast")
    for earlier in reversed(runs[:-1]):
        fc = _read_table(earlier / OUTPUTS_DIR, "forecast")
        target = ((_manifest(earlier).get("config", {}).get("notebooks") or {}).get("forecast") or {}).get("target", "orders")
        if fc is None or actual is None or target not in actual.columns:
            continue
        both = fc.assign(date=pd.to_datetime(fc["date"])).merge(
            actual.assign(date=pd.to_datetime(actual["date"]))[["date", target]], on="date")
        if both.empty:
            continue
        f, a = float(both["point"].sum()), float(both[target].sum())
        outside = int(((both[target] < both["lower"]) | (both[target] > both["upper"])).sum())
        return {"available": True, "target": target, "start": both["date"].min().date().isoformat(),
                "end": both["date"].max().date().isoformat(), "days": int(len(both)), "forecast": f, "actual": a,
                "error": a / f - 1 if f else float("nan"), "outside": outside, "from_run": earlier.name}
    if own is not None and len(own):
        target = ((_manifest(latest).get("config", {}).get("notebooks") or {}).get("forecast") or {}).get("target", "orders")
        return {"available": False, "ahead": {"days": int(len(own)), "forecast": float(own["point"].sum()), "target": target}}
    return {"available": False}


def attention(client: dict, lang: str) -> tuple[float, list[str]]:
    """Attention score of one client summary and its reasons in ``lang`` (see :data:`WEIGHTS`)."""
    score, why = 0.0, []
    if not client["ok"]:
        score += WEIGHTS["failed"]
        why.append(t("portfolio.reason.failed", lang, what=client["failed_what"]))
    al = client["alerts"]
    if al.get("available") and (al["high"] or al["medium"]):
        score += WEIGHTS["high"] * al["high"] + WEIGHTS["medium"] * al["medium"]
        why.append(t("portfolio.reason.alerts", lang, high=al["high"], medium=al["medium"]))
    if al.get("available"):
        score += WEIGHTS["low"] * al["low"]
    gmv = next((k for k in client["kpis"] if k["metric"] == "gmv"), None)
    if gmv and np.isfinite(gmv["raw_change"]) and gmv["raw_change"] < 0:
        pct = -100 * gmv["raw_change"]
        score += WEIGHTS["gmv_drop_per_pct"] * pct
        why.append(t("portfolio.reason.gmv", lang, pct=pct))
    fc = client["forecast"]
    if fc.get("available") and np.isfinite(fc["error"]) and abs(fc["error"]) > FORECAST_TOLERANCE:
        pct = 100 * abs(fc["error"])
        score += WEIGHTS["miss_per_pct"] * pct
        why.append(t("portfolio.reason.miss", lang, target=t(f"portfolio.target.{fc['target']}", lang),
                     dir=t("portfolio.dir.above" if fc["error"] > 0 else "portfolio.dir.below", lang), pct=pct))
    return round(score, 1), why


def client_summary(runs: list[Path], lang: str = "zh") -> dict:
    """Everything the portfolio shows for one client, from its run folders (oldest first)."""
    latest = runs[-1]
    man = _manifest(latest)
    currency = (man.get("config") or {}).get("currency", "CNY")
    out = latest / OUTPUTS_DIR
    from .report import section_title

    failed = [section_title(n["name"], lang) for n in man.get("notebooks", []) if n.get("status") == "failed"]
    ok = bool(man.get("ok")) and "finished" in man
    what = ", ".join(failed) or (man.get("report_error") or "") or t("portfolio.na", lang)
    s = {"name": man.get("client", {}).get("name", latest.parent.name), "slug": latest.parent.name,
         "run_dir": str(latest), "run": latest.name, "ok": ok, "failed_what": what,
         "kpis": run_headline(latest, lang)["kpis"], "alerts": _alerts(out), "clv": _clv(out, currency, lang),
         "forecast": forecast_check(runs)}
    s["score"], s["why"] = attention(s, lang)
    return s


def portfolio(runs_dir: str | Path, lang: str = "zh") -> list[dict]:
    """Summaries of every client under ``runs_dir``, most in need of attention first.

    Raises :class:`MopkitError` when ``runs_dir`` holds no run.
    """
    runs = client_runs(runs_dir)
    if not runs:
        raise MopkitError("no runs found", file=runs_dir, fix="pass the runs folder that mopkit run / mopkit batch wrote (runs/)")
    rows = [client_summary(r, lang) for r in runs.values()]
    return sorted(rows, key=lambda c: (-c["score"], c["name"]))


def _lines(c: dict, lang: str) -> dict:
    """The client's CLV, forecast and alert texts for the page."""
    clv, fc, al = c["clv"], c["forecast"], c["alerts"]
    out = {"clv": t("portfolio.na", lang), "forecast": t("portfolio.na", lang), "alerts": t("portfolio.na", lang)}
    if clv.get("available"):
        out["clv"] = t("portfolio.clv_line", lang, customers=clv["customers"], total=clv["total_text"],
                       risk=clv["risk_text"], share=clv["share"], model=clv["model"] or "–")
    if fc.get("available"):
        err = _kpi.format_change(fc["error"])
        out["forecast"] = t("portfolio.fc_line", lang, start=fc["start"], end=fc["end"], days=fc["days"],
                            target=t(f"portfolio.target.{fc['target']}", lang), forecast=fc["forecast"],
                            actual=fc["actual"], err=err, outside=fc["outside"])
    elif fc.get("ahead"):
        a = fc["ahead"]
        out["forecast"] = t("portfolio.fc_ahead", lang, days=a["days"], forecast=a["forecast"],
                            target=t(f"portfolio.target.{a['target']}", lang))
    if al.get("available"):
        out["alerts"] = t("portfolio.alert_count", lang, n=al["n"], high=al["high"], medium=al["medium"], low=al["low"]) \
            if al["n"] else t("portfolio.none", lang)
    return out


def build_portfolio(runs_dir: str | Path, *, lang: str = "zh", out_dir: str | Path | None = None,
                    pdf: bool = True) -> tuple[Path, Path | None]:
    """Write ``portfolio-<timestamp>.html`` (and ``.pdf``) into ``out_dir`` (default ``runs_dir``).

    Returns the HTML and PDF paths (PDF None when ``pdf`` is false).
    """
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from markupsafe import Markup

    clients = portfolio(runs_dir, lang)
    for c in clients:
        c["text"] = _lines(c, lang)
        for k in c["kpis"]:
            good = k["raw_change"] < 0 if k["metric"] in LOWER_IS_BETTER else k["raw_change"] > 0
            k["tone"] = "" if not np.isfinite(k["raw_change"]) or k["raw_change"] == 0 else "up" if good else "down"
    now = dt.datetime.now()
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]))
    labels = {k.split(".", 1)[1]: t(k, lang) for k in (
        "portfolio.title", "portfolio.generated", "portfolio.client", "portfolio.run", "portfolio.attention",
        "portfolio.why", "portfolio.kpis", "portfolio.alerts", "portfolio.clv", "portfolio.forecast", "portfolio.nothing")}
    html = env.get_template("portfolio.html.j2").render(
        lang=lang, L=labels, intro=t("portfolio.intro", lang, n=len(clients)), clients=clients,
        generated=now.strftime("%Y-%m-%d %H:%M"), css=Markup((TEMPLATES / "report.css").read_text(encoding="utf-8")))
    out = Path(out_dir) if out_dir else Path(runs_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"portfolio-{now.strftime('%Y%m%d-%H%M%S')}"
    html_path = stem.with_suffix(".html")
    html_path.write_text(html, encoding="utf-8")
    pdf_path = None
    if pdf:
        from weasyprint import HTML

        pdf_path = stem.with_suffix(".pdf")
        HTML(string=html, base_url=str(out)).write_pdf(pdf_path)
    return html_path, pdf_path
