"""The published cockpit's data: everything the page shows, pre-aggregated from one run.

This is the only module of :mod:`mopkit.publish` that imports the KPI code (``kpi``,
``cohorts``, ``basket``, ``alerts`` of :mod:`mopkit.cockpit`).

The page filters in the browser, so the figures are shipped as sums that add up over any date
range: per day x channel x platform the catalogue's additive metrics (GMV, net sales, orders,
impressions, clicks, ad spend) computed by :func:`mopkit.cockpit.compute_kpis` itself. Ratios are
rebuilt in the browser from those sums with the catalogue's formulas, listed once in
:data:`RATIOS` (a test checks they reproduce ``compute_kpis`` for every period). Distinct-buyer
metrics do not add up over days, so they are shipped per day, week and month as
``compute_kpis`` returns them (per channel, not per platform).
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

# -- the one place the KPI code is imported ----------------------------------------------------
from .. import overview as _overview  # health_summary and the health.* labels
from ..clv import rfm as _rfm  # noqa: F401  (registers the seg.* and tier.* labels)
from ..cockpit import alerts as _alerts
from ..cockpit import basket as _basket
from ..cockpit import cohorts as _cohorts
from ..cockpit import kpi as _kpi
# ----------------------------------------------------------------------------------------------
from ..context import open_run
from ..layout import read_findings, read_output
from ..errors import InsufficientDataError, MopkitError
from ..i18n import channel_name, has, t
from .labels import ui_labels

#: Metrics that add up over days, channels and platforms (shipped per day).
ADDITIVE = ("gmv", "net_sales", "orders", "impressions", "clicks", "ad_spend")
#: metric -> (numerator, denominator, factor): the catalogue's ratio formulas over ADDITIVE sums
#: (``refund`` is gmv - net_sales). Mirrors mopkit.cockpit.kpi._grid; tests/test_publish.py checks it.
RATIOS = {
    "aov": ("gmv", "orders", 1),
    "refund_rate": ("refund", "gmv", 1),
    "ctr": ("clicks", "impressions", 1),
    "cpc": ("ad_spend", "clicks", 1),
    "cpm": ("ad_spend", "impressions", 1000),
    "cvr": ("orders", "clicks", 1),
    "cpa": ("ad_spend", "orders", 1),
    "roas": ("gmv", "ad_spend", 1),
    "roi": ("profit", "ad_spend", 1),  # profit = net_sales - ad_spend
}
#: Distinct-buyer metrics, shipped per period.
BUYER_METRICS = ("buyers", "new_buyers", "returning_buyers", "repurchase_rate")
NO_PLATFORM = "__none__"


def _days(ts) -> int:
    return int(np.datetime64(pd.Timestamp(ts).date(), "D").astype(np.int64))


def _table(df: pd.DataFrame | None, columns: list[tuple[str, str, str]]) -> dict | None:
    """A table for the page: ``columns`` = (source column, header, unit); unit is money,
    count, ratio, multiple, number, text or date."""
    if df is None or df.empty:
        return None
    cols = [c for c in columns if c[0] in df.columns]
    rows = []
    for rec in df[[c[0] for c in cols]].itertuples(index=False):
        row = []
        for v, (_, _, unit) in zip(rec, cols):
            if unit in ("text", "date"):
                row.append(None if pd.isna(v) else str(v)[:10] if unit == "date" else str(v))
            else:
                row.append(None if pd.isna(v) else float(v))
        rows.append(row)
    return {"columns": [{"key": c[0], "label": c[1], "unit": c[2]} for c in cols], "rows": rows}


def _round(a: np.ndarray, metric: str) -> list:
    unit = _kpi.metric_unit(metric)
    return np.round(a, 2 if unit == "money" else 6).tolist()


def _daily(full, orders, items, ads, lo, hi) -> tuple[dict, list, list, bool]:
    """Additive metrics per day x channel x platform, from compute_kpis (freq D); ``full`` is the
    cube of all platforms."""
    plat_o = "platform" in orders.columns and orders["platform"].notna().any()
    # ads split by platform only when their platform is known (a spend file without one is "unknown")
    plat_a = ads is not None and "platform" in ads.columns and (~ads["platform"].astype(str).isin(["unknown", "nan", "None", ""])).any()
    platforms = sorted(orders["platform"].dropna().astype(str).unique()) if plat_o else [NO_PLATFORM]
    channels = list(full.channels)
    cols = {k: [] for k in ("d", "c", "p", *ADDITIVE)}

    def ship(cube, p, metrics) -> None:
        k = _kpi.compute_kpis(cube, freq="D", start=lo, end=hi, overall=False, metrics=metrics)
        wide = k.pivot_table(index=["period", "channel"], columns="metric", values="value", aggfunc="first")
        wide = wide.reindex(columns=metrics).fillna(0.0)
        wide = wide[(wide != 0).any(axis=1)].reset_index()
        cols["d"] += [_days(d) for d in wide["period"]]
        cols["c"] += [channels.index(c) for c in wide["channel"]]
        cols["p"] += [p] * len(wide)
        for m in ADDITIVE:
            cols[m] += _round(wide[m].to_numpy(float), m) if m in metrics else [0] * len(wide)

    if not plat_o:
        ship(full, 0, list(ADDITIVE))
        return cols, channels, platforms, False
    for pi, plat in enumerate(platforms):
        o = orders[orders["platform"].astype(str) == plat]
        a = ads[ads["platform"].astype(str) == plat] if plat_a else None
        if not o.empty:
            ship(_kpi.prepare_cube(o, items, a if a is not None and len(a) else None), pi, list(ADDITIVE))
    # ads of no order platform (a spend file without a platform column, or rows whose platform is
    # unknown or sold nothing) are shipped with platform -1: they count under "all platforms",
    # so its totals are compute_kpis' totals
    rest = ads if not plat_a else ads[~ads["platform"].astype(str).isin(platforms)]
    if rest is not None and len(rest):
        ad_metrics = ["impressions", "clicks", "ad_spend"]
        ship(full if not plat_a else _kpi.prepare_cube(orders.iloc[:0], None, rest), -1, ad_metrics)
    # without a platform column the page says ads are not split under a platform filter
    unsplit = bool(not plat_a and ads is not None and len(ads))
    return cols, channels, platforms, unsplit


def _buyers(cube, lo, hi) -> dict:
    """Distinct-buyer metrics per freq and channel (``all`` = every channel)."""
    out = {}
    for freq in ("D", "W", "M"):
        k = _kpi.compute_kpis(cube, freq=freq, start=lo, end=hi, metrics=list(BUYER_METRICS))
        per = {}
        for ch, g in k.groupby("channel"):
            wide = g.pivot_table(index="period", columns="metric", values="value", aggfunc="first")
            wide = wide.reindex(columns=list(BUYER_METRICS))
            per[ch] = {"p": [_days(p) for p in wide.index],
                       **{m: [None if not np.isfinite(v) else round(float(v), 6) for v in wide[m]] for m in BUYER_METRICS}}
        out[freq] = per
    return out


def _cohorts_data(orders) -> dict | None:
    try:
        ret = _cohorts.retention_matrix(orders)
    except MopkitError:
        return None
    ret = ret.iloc[-24:]
    size_col = next((c for c in ret.columns if not isinstance(c, (int, np.integer))), None)
    offs = [c for c in ret.columns if isinstance(c, (int, np.integer))][:13]
    return {"rows": [str(i)[:7] for i in ret.index], "cols": [int(c) for c in offs],
            "size": ret[size_col].astype(float).tolist() if size_col is not None else None,
            "values": [[None if not np.isfinite(v) else round(float(v), 4) for v in row]
                       for row in ret[offs].to_numpy(float)]}


def _pairs(items, orders, level, min_support, lang) -> dict | None:
    if items is None or items.empty:
        return None
    try:
        rules = _basket.association_rules(items, level, min_support=min_support, orders=orders)
    except MopkitError:
        return None
    rules = rules[rules["antecedent"].astype(str) < rules["consequent"].astype(str)]  # A->B and B->A once
    L = lambda k: t(f"publish.col.{k}", lang)  # noqa: E731
    return _table(rules.sort_values(["lift", "support"], ascending=False),
                  [("antecedent", L("item_a"), "text"), ("consequent", L("item_b"), "text"),
                   ("count", L("orders_together"), "count"), ("support", L("support"), "ratio"),
                   ("confidence", L("confidence"), "ratio"), ("lift", L("lift"), "multiple")])


def _segments(outputs: Path, lang: str) -> tuple[dict | None, dict | None]:
    df = read_output(outputs.parent, "rfm_clv_customers")  # CSV, or Parquet past a spreadsheet's rows
    if df is None:
        return None, None
    L = lambda k: t(f"publish.col.{k}", lang)  # noqa: E731
    res = []
    for col in ("segment", "tier"):
        if col not in df.columns:
            res.append(None)
            continue
        key = "segment_key" if col == "segment" and "segment_key" in df.columns else col
        base = {t("tier.base", "zh"), t("tier.base", "en")}
        names = (df[key].astype(str).map(lambda k: t(f"seg.{k}", lang) if has(f"seg.{k}") else k) if key == "segment_key"
                 else df[col].astype(str).map(lambda k: t("tier.base", lang) if k in base else k))
        agg = {"customers": ("monetary", "size") if "monetary" in df.columns else (col, "size")}
        if "monetary" in df.columns:
            agg["monetary"] = ("monetary", "sum")
        if "clv" in df.columns:
            agg["clv"] = ("clv", "mean")
        g = df.assign(_name=names).groupby("_name").agg(**agg).sort_values("customers", ascending=False).reset_index()
        g["share"] = g["customers"] / g["customers"].sum()
        res.append(_table(g, [("_name", L(col), "text"), ("customers", L("customers"), "count"),
                              ("share", L("share"), "ratio"), ("monetary", L("monetary"), "money"),
                              ("clv", L("clv_mean"), "money")]))
    return res[0], res[1]


def _forecast(cube, outputs: Path, target: str) -> dict | None:
    p = outputs / "forecast.csv"
    if not p.exists():
        return None
    fc = pd.read_csv(p, parse_dates=["date"])
    if fc.empty:
        return None
    d0, d1 = cube.day_range
    lo = max(d0, d1 - pd.Timedelta(days=89))
    k = _kpi.compute_kpis(cube, freq="D", start=lo, end=d1, by_channel=False, metrics=[target])
    actual = [[str(p)[:10], round(float(v), 2)] for p, v in zip(k["period"], k["value"])]
    fc_rows = [[str(r.date)[:10], *(round(float(getattr(r, c)), 2) if c in fc.columns and np.isfinite(getattr(r, c))
                                   else None for c in ("point", "lower", "upper"))] for r in fc.itertuples()]
    overlap = int(((fc["date"] >= d0) & (fc["date"] <= d1)).sum())
    return {"target": target, "unit": _kpi.metric_unit(target), "actual": actual, "forecast": fc_rows,
            "model": str(fc["model"].iloc[0]) if "model" in fc.columns else "", "overlap": overlap}


def _freshness(run_dir: Path, lang: str) -> dict | None:
    rows = []
    for name, col in (("orders", "order_time"), ("ad_spend", "date"), ("events", "event_time"),
                      ("touchpoints", "touch_time"), ("order_items", None), ("customers", None)):
        p = run_dir / "data" / f"{name}.parquet"
        if not p.exists():
            continue
        meta = pq.read_metadata(p)  # the row count is in the footer: no column is read for it
        first = last = None
        if col in meta.schema.names:
            dates = pd.to_datetime(pd.read_parquet(p, columns=[col])[col])
            first, last = dates.min(), dates.max()
        rows.append({"table": name, "rows": meta.num_rows, "first": None if first is None else str(first)[:10],
                     "last": None if last is None else str(last)[:10]})
    L = lambda k: t(f"publish.col.{k}", lang)  # noqa: E731
    rows = [r | {"table": _table_name(r["table"], lang)} for r in rows]
    return _table(pd.DataFrame(rows), [("table", L("table"), "text"), ("rows", L("rows"), "count"),
                                       ("first", L("first_date"), "date"), ("last", L("last_date"), "date")])


def _table_name(name: str, lang: str) -> str:
    key = f"publish.table.{name}"
    return t(key, lang) if has(key) else name


def _health(run_dir: Path, lang: str) -> tuple[dict | None, dict | None]:
    """The data-health ledger per table (read, kept, dropped, repaired, reconciles) and the
    lines that dropped or repaired rows, with their reasons."""
    p = run_dir / "data" / "health.csv"
    if not p.exists():
        return None, None
    h = pd.read_csv(p)
    summary = _overview.health_summary(h, lang)  # table names and the reconcile flag already in `lang`
    tcol, ok = t("health.table", lang), t("health.balanced", lang)
    cols = [(c, c, "text" if c in (tcol, ok) else "count") for c in summary.columns]
    L = lambda k: t(f"publish.col.{k}", lang)  # noqa: E731
    d = h[h["kind"].isin(["dropped", "repaired", "note"])]
    d = d.assign(kind=d["kind"].map(lambda k: t(f"health.{k}", lang) if has(f"health.{k}") else k),
                 table=d["table"].map(lambda n: _table_name(n, lang)))
    details = _table(d, [("table", L("table"), "text"), ("file", L("file"), "text"), ("kind", L("kind"), "text"),
                         ("reason", L("reason"), "text"), ("rows", L("rows"), "count")])
    return _table(summary, cols), details


def _alert_table(cube, ctx, lang) -> dict | None:
    params = ctx.config.notebook_params("dashboard")
    rules = _alerts.rules_from_config({k: params[k] for k in ("roas_target", "ctr_drop_pct", "refund_spike_factor",
                                                             "forecast_error_pct") if k in params})
    fc_path = ctx.outputs_dir / "forecast.csv"
    fc = pd.read_csv(fc_path) if fc_path.exists() else None
    a = _alerts.check_alerts(cube, rules, forecast=fc, lang=lang, as_of=ctx.config.end)
    L = lambda k: t(f"publish.col.{k}", lang)  # noqa: E731
    a = a.assign(sev=a["severity"].map(lambda s: t(f"alerts.severity.{s}", lang)),
                 ch=a["channel"].map(lambda c: t("kpi.all", lang) if c == _kpi.ALL else
                                     channel_name(c, lang) if isinstance(c, str) and c else "–"),
                 metric_name=a["metric"].map(lambda m: t(f"kpi.{m}", lang) if has(f"kpi.{m}") else m))
    tab = _table(a, [("sev", L("severity"), "text"), ("period", L("period"), "date"), ("ch", L("channel"), "text"),
                     ("metric_name", L("metric"), "text"), ("message", L("message"), "text")])
    if tab is not None:
        tab["severity"] = a["severity"].tolist()
    return tab or {"columns": [], "rows": [], "severity": []}


def _triggers(outputs: Path, lang: str) -> dict | None:
    p = outputs / "triggers_summary.csv"
    if not p.exists():
        return None
    df = pd.read_csv(p)
    cols = []
    for c in df.columns:
        unit = "text" if not pd.api.types.is_numeric_dtype(df[c]) else (
            "count" if pd.api.types.is_integer_dtype(df[c]) else "number")
        key = f"publish.col.{c}"
        cols.append((c, t(key, lang) if has(key) else c, unit))
    return _table(df, cols)


def build_payload(run_dir: str | Path, lang: str = "zh") -> dict:
    """Everything the published page needs, as plain JSON-able data.

    Reads the run's ``data/*.parquet``, ``data/health.csv`` and ``outputs/`` (findings,
    forecast, RFM/CLV customers, triggers summary when present). Alerts are evaluated again
    with the run's dashboard thresholds so their messages are in ``lang``.

    Raises
    ------
    InsufficientDataError
        The run has no orders table.
    """
    run_dir = Path(run_dir)
    ctx = open_run(run_dir, lang=lang, theme=False)
    if not ctx.has("orders"):
        raise InsufficientDataError("this run has no orders table", file=run_dir / "data",
                                    fix="publish a run folder made by `mopkit run` (runs/<client>/<timestamp>)")
    orders = ctx.table("orders")
    items = ctx.table("order_items") if ctx.has("order_items") else None
    ads = ctx.table("ad_spend") if ctx.has("ad_spend") else None
    cube = _kpi.prepare_cube(orders, items, ads)
    d0, d1 = cube.day_range
    lo = max(d0, pd.Timestamp(ctx.config.start)) if ctx.config.start else d0
    hi = min(d1, pd.Timestamp(ctx.config.end)) if ctx.config.end else d1
    daily, channels, platforms, ads_unsplit = _daily(cube, orders, items, ads, lo, hi)
    dash = ctx.config.notebook_params("dashboard")
    fc_target = ctx.config.notebook_params("forecast").get("target", "orders")
    seg, tier = _segments(ctx.outputs_dir, lang)
    health, health_details = _health(run_dir, lang)
    findings = [f for f in read_findings(run_dir)][:3]
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8")) if (run_dir / "manifest.json").exists() else {}
    return {
        "meta": {"shop": ctx.config.name, "lang": lang, "currency": ctx.currency,
                 "start": str(lo.date()), "end": str(hi.date()), "d0": _days(lo), "d1": _days(hi),
                 "run": run_dir.name, "created": str(manifest.get("created", manifest.get("started", "")))[:19],
                 "published": dt.date.today().isoformat(), "has_ads": bool(cube.has.get("ads")),
                 "has_refund": bool(cube.has.get("refund")), "ads_unsplit": ads_unsplit},
        "labels": ui_labels(lang),
        "metric_names": {m: t(f"kpi.{m}", lang) for m in _kpi.METRICS},
        "units": {m: _kpi.metric_unit(m) for m in _kpi.METRICS},
        "ratios": RATIOS,
        "channels": [[c, channel_name(c, lang)] for c in channels],
        "platforms": [[p, channel_name(p, lang) if p != NO_PLATFORM else ""] for p in platforms],
        "daily": daily,
        "buyers": _buyers(cube, lo, hi),
        "findings": [{"text": f["text"], "weight": f["weight"], "section": f["section"],
                      "lang": f.get("lang", lang)} for f in findings],
        "cohorts": _cohorts_data(orders),
        "pairs": _pairs(items, orders, dash.get("basket_level", "category"), float(dash.get("min_support", 0.002)), lang),
        "segments": seg, "tiers": tier,
        "triggers": _triggers(ctx.outputs_dir, lang),
        "alerts": _alert_table(cube, ctx, lang),
        "health": health, "health_details": health_details,
        "freshness": _freshness(run_dir, lang),
        "forecast": _forecast(cube, ctx.outputs_dir, fc_target if fc_target in _kpi.METRICS else "orders"),
    }
