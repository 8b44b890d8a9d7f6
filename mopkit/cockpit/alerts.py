"""Threshold alerts from the client config, each with its severity and the numbers behind it.

Rules (all on the last complete week, Monday to Sunday, overall and per channel):

* ``roas_below_target``: ROAS < ``roas_target``. Severity high below 50 % of target, medium
  below 80 %, else low.
* ``ctr_drop``: CTR fell more than ``ctr_drop_pct`` % on the week before. High when the fall
  is at least twice the threshold.
* ``refund_spike``: refund rate > ``refund_spike_factor`` x its mean over the previous
  ``lookback_weeks`` weeks and above ``refund_rate_floor``, in a channel-week of at least ``refund_min_orders`` orders. High at twice the factor.
* ``forecast_off``: the forecast (``outputs/forecast.csv``: date, point, lower, upper, model)
  misses the actuals on the days both cover by a WAPE (sum |actual - point| / sum actual)
  above ``forecast_error_pct`` %. High at twice the threshold. The actuals are the KPI the
  forecast names in its ``metric`` column (orders, gmv or net_sales, one definition); a forecast
  naming none is not checked, and the returned table's ``attrs["fallbacks"]`` says so.

Config: the dashboard notebook's parameters, e.g.
``notebooks: {dashboard: {roas_target: 2.0, ctr_drop_pct: 20, refund_spike_factor: 1.5,
forecast_error_pct: 30}}``; :func:`rules_from_config` validates such a mapping.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError
from ..fallbacks import Fallback
from ..i18n import channel_name, register, t
from .kpi import ALL, KpiCube, _ts, compute_kpis

register({
    "alerts.roas_below_target": {"zh": "{channel} 上周 ROAS 为 {value:.2f}，低于目标 {threshold:.2f}",
                                 "en": "{channel}: last week's ROAS was {value:.2f}, below the target {threshold:.2f}"},
    "alerts.ctr_drop": {"zh": "{channel} 上周点击率 {value:.2%}，比前一周 {reference:.2%} 下降 {drop:.0%}",
                        "en": "{channel}: CTR fell {drop:.0%} week over week ({reference:.2%} -> {value:.2%})"},
    "alerts.refund_spike": {"zh": "{channel} 上周退款率 {value:.1%}，是前 {weeks} 周均值 {reference:.1%} 的 {ratio:.1f} 倍",
                            "en": "{channel}: refund rate {value:.1%} last week, {ratio:.1f}x its {weeks}-week mean {reference:.1%}"},
    "alerts.forecast_off": {"zh": "预测（{target}）在 {days} 天内与实际偏差 WAPE {value:.0%}，超过 {threshold:.0%}",
                            "en": "The {target} forecast missed the actuals on {days} days by WAPE {value:.0%} (limit {threshold:.0%})"},
    "alerts.fb.tried": {"zh": "检查预测偏差预警", "en": "checking the forecast-miss alert"},
    "alerts.fb.used": {"zh": "不检查该预警", "en": "no forecast-miss check"},
    "alerts.none": {"zh": "没有触发任何预警", "en": "No alert fired"},
    "alerts.severity.high": {"zh": "高", "en": "high"},
    "alerts.severity.medium": {"zh": "中", "en": "medium"},
    "alerts.severity.low": {"zh": "低", "en": "low"},
    "alerts.col.severity": {"zh": "严重程度", "en": "Severity"},
    "alerts.col.message": {"zh": "预警", "en": "Alert"},
    "alerts.title": {"zh": "预警", "en": "Alerts"},
})
SEVERITIES = ("high", "medium", "low")
#: KPIs a forecast can be checked against (the forecast's ``metric`` column names one).
FORECAST_METRICS = ("orders", "gmv", "net_sales")
COLUMNS = ["rule", "severity", "channel", "period", "metric", "value", "threshold", "reference", "message"]


@dataclass(frozen=True)
class AlertRules:
    """Alert thresholds; build from the config with :func:`rules_from_config`."""

    roas_target: float | None = 1.0  # None switches the rule off
    ctr_drop_pct: float | None = 20.0
    refund_spike_factor: float | None = 1.5
    refund_rate_floor: float = 0.05
    refund_min_orders: int = 100  # a channel-week with fewer orders is not judged: two refunds would swing its rate
    lookback_weeks: int = 4
    forecast_error_pct: float | None = 30.0
    forecast_target: str | None = None  # orders | gmv | net_sales; None: the forecast's own "metric" column


def rules_from_config(params: dict | None) -> AlertRules:
    """:class:`AlertRules` from a mapping (the config's ``notebooks.dashboard.alerts``).

    Raises
    ------
    ConfigError
        An unknown key or a value that is not a number.
    """
    params = dict(params or {})
    names = {f.name: f for f in fields(AlertRules)}
    bad = sorted(set(params) - set(names))
    if bad:
        raise ConfigError(f"unknown alert settings {bad}", fix=f"valid settings are {sorted(names)}")
    out = {}
    for k, v in params.items():
        if v is None or k == "forecast_target":
            out[k] = v
            continue
        try:
            out[k] = int(v) if k in ("lookback_weeks", "refund_min_orders") else float(v)
        except (TypeError, ValueError):
            raise ConfigError(f"alert setting {k} must be a number, got {v!r}", fix=f"e.g. {k}: 20") from None
    return AlertRules(**out)


def _sev(ratio: float, medium: float, high: float, higher_is_worse: bool = True) -> str:
    if higher_is_worse:
        return "high" if ratio >= high else "medium" if ratio >= medium else "low"
    return "high" if ratio <= high else "medium" if ratio <= medium else "low"


def last_complete_week(cube: KpiCube, as_of=None) -> pd.Timestamp:
    """Monday of the last Monday-to-Sunday week ending on or before ``as_of`` (default: the
    last day in the data; pass the analysis window's end when the data stops before it)."""
    last = pd.Timestamp(as_of).normalize() if as_of is not None else cube.day_range[1]
    monday = last - pd.Timedelta(days=last.weekday())
    return monday if last.weekday() == 6 else monday - pd.Timedelta(days=7)


def check_alerts(cube: KpiCube, rules: AlertRules = AlertRules(), forecast: pd.DataFrame | None = None,
                 lang: str = "zh", as_of=None) -> pd.DataFrame:
    """Evaluate the rules; returns one row per alert (columns :data:`COLUMNS`), worst first.

    The weekly rules look at the last complete week up to ``as_of`` (see
    :func:`last_complete_week`).
    ``value`` is the observed figure, ``threshold`` the configured limit, ``reference`` the
    figure compared against (previous week, trailing mean, target). Empty frame if none fires.
    """
    rows: list[dict] = []
    week = last_complete_week(cube, as_of)
    start = week - pd.Timedelta(weeks=max(rules.lookback_weeks, 1))
    w = compute_kpis(cube, freq="W", start=start, end=week + pd.Timedelta(days=6),
                     metrics=["roas", "ctr", "refund_rate", "orders"])
    rows += _weekly_rules(w[w["status"] == "ok"], week, rules, lang)
    fallbacks: list = []
    if forecast is not None and rules.forecast_error_pct is not None:
        rows += _forecast_rule(cube, forecast, rules, lang, fallbacks)
    df = pd.DataFrame(rows, columns=COLUMNS)
    df.attrs["fallbacks"] = fallbacks  # rules that could not be checked, and why (shown by the notebook)
    if df.empty:
        return df
    df["_s"] = df["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
    out = df.sort_values(["_s", "rule", "channel"]).drop(columns="_s").reset_index(drop=True)
    out.attrs["fallbacks"] = fallbacks
    return out


def _name(ch: str, lang: str) -> str:
    return t("kpi.all", lang) if ch == ALL else channel_name(ch, lang)


def _weekly_rules(w: pd.DataFrame, week: pd.Timestamp, rules: AlertRules, lang: str) -> list[dict]:
    rows = []
    piv = w.pivot_table(index=["metric", "channel"], columns="period", values="value")
    prev = week - pd.Timedelta(weeks=1)

    def get(metric, ch, p):
        try:
            return float(piv.at[(metric, ch), p])
        except KeyError:
            return float("nan")

    channels = sorted(set(w["channel"]), key=lambda c: (c != ALL, c))
    for ch in channels:
        roas = get("roas", ch, week)
        if rules.roas_target is not None and np.isfinite(roas) and roas < rules.roas_target:
            rows.append(dict(rule="roas_below_target", severity=_sev(roas / rules.roas_target, 0.8, 0.5, False),
                             channel=ch, period=week, metric="roas", value=roas, threshold=rules.roas_target,
                             reference=rules.roas_target,
                             message=t("alerts.roas_below_target", lang, channel=_name(ch, lang), value=roas,
                                       threshold=rules.roas_target)))
        ctr, ctr0 = get("ctr", ch, week), get("ctr", ch, prev)
        if rules.ctr_drop_pct is not None and np.isfinite(ctr) and np.isfinite(ctr0) and ctr0 > 0:
            drop = 1 - ctr / ctr0
            if drop * 100 > rules.ctr_drop_pct:
                rows.append(dict(rule="ctr_drop", severity=_sev(drop * 100 / rules.ctr_drop_pct, 1, 2),
                                 channel=ch, period=week, metric="ctr", value=ctr, threshold=rules.ctr_drop_pct / 100,
                                 reference=ctr0,
                                 message=t("alerts.ctr_drop", lang, channel=_name(ch, lang), value=ctr,
                                           reference=ctr0, drop=drop)))
        rr = get("refund_rate", ch, week)
        base = [get("refund_rate", ch, week - pd.Timedelta(weeks=k)) for k in range(1, rules.lookback_weeks + 1)]
        base = [b for b in base if np.isfinite(b)]
        n_orders = get("orders", ch, week)
        enough = np.isfinite(n_orders) and n_orders >= rules.refund_min_orders
        if rules.refund_spike_factor is not None and np.isfinite(rr) and base and rr > rules.refund_rate_floor and enough:
            ref = float(np.mean(base))
            ratio = rr / ref if ref > 0 else np.inf
            if ratio > rules.refund_spike_factor:
                rows.append(dict(rule="refund_spike", severity=_sev(ratio / rules.refund_spike_factor, 1, 2),
                                 channel=ch, period=week, metric="refund_rate", value=rr,
                                 threshold=rules.refund_spike_factor, reference=ref,
                                 message=t("alerts.refund_spike", lang, channel=_name(ch, lang), value=rr,
                                           reference=ref, ratio=min(ratio, 999.0), weeks=len(base))))
    return rows


def forecast_error(cube: KpiCube, forecast: pd.DataFrame, target: str | None = None) -> dict:
    """WAPE of ``forecast`` (date, point) against the daily actuals on the days both cover.

    ``target`` is the KPI the forecast predicts: ``orders``, ``gmv`` or ``net_sales`` (one
    definition, :mod:`mopkit.data.orders`); default the forecast's own ``metric`` column, which
    the forecast notebook writes. Nothing is guessed: a forecast that does not say which KPI it
    predicts, or predicts a series no KPI equals (e.g. orders without the refunded ones), is not
    compared.

    Returns ``{"target", "days", "wape", "skipped"}``: ``wape`` NaN when no day overlaps or the
    comparison was skipped; ``skipped`` the reason (in English) or None.
    """
    missing = [c for c in ("date", "point") if c not in forecast.columns]
    if missing:
        raise DataError(f"forecast lacks {missing}", column=missing[0], file="outputs/forecast.csv",
                        fix="re-run the forecast notebook (it writes date, point, lower, upper, model)")
    if target is None and "metric" in forecast.columns:
        named = forecast["metric"].dropna().astype(str).str.strip()
        target = named.iloc[0].lower() if len(named) and named.iloc[0] else None
    if target not in FORECAST_METRICS:
        what = (f"forecast.csv names no KPI (target {forecast['target'].iloc[0]!r}, refunds "
                f"{forecast['refunds'].iloc[0]!r} has no KPI counterpart)" if {"target", "refunds"} <= set(forecast.columns)
                else "forecast.csv does not say which KPI it predicts (no metric column)")
        return {"target": target, "days": 0, "wape": float("nan"), "skipped": what}
    f = forecast.assign(date=pd.to_datetime(forecast["date"]).dt.normalize()).groupby("date")["point"].mean()
    d = compute_kpis(cube, freq="D", by_channel=False, metrics=list(FORECAST_METRICS))
    actual = d.pivot(index="period", columns="metric", values="value")
    if target not in actual.columns or actual[target].isna().all():
        return {"target": target, "days": 0, "wape": float("nan"), "skipped": f"the cockpit has no daily {target}"}
    both = actual[[target]].join(f.rename("point"), how="inner")
    if both.empty or both[target].sum() <= 0:
        return {"target": target, "days": len(both), "wape": float("nan"), "skipped": None}
    wape = float((both[target] - both["point"]).abs().sum() / both[target].sum())
    return {"target": target, "days": len(both), "wape": wape, "skipped": None}


def _forecast_rule(cube, forecast, rules, lang, fallbacks: list) -> list[dict]:
    fe = forecast_error(cube, forecast, rules.forecast_target)
    if fe["skipped"]:
        fallbacks.append(Fallback(t("alerts.fb.tried", lang), fe["skipped"], t("alerts.fb.used", lang)))
        return []
    limit = rules.forecast_error_pct / 100
    if not np.isfinite(fe["wape"]) or fe["wape"] <= limit:
        return []
    return [dict(rule="forecast_off", severity=_sev(fe["wape"] / limit, 1, 2), channel=ALL,
                 period=_ts(int(cube.o_day[-1])), metric=fe["target"], value=fe["wape"], threshold=limit,
                 reference=fe["days"],
                 message=t("alerts.forecast_off", lang, target=t(f"kpi.{fe['target']}", lang),
                           days=fe["days"], value=fe["wape"], threshold=limit))]
