"""The KPI cockpit: an ipywidgets app served by Voila (``notebooks/04_dashboard``).

Filters (date range, channel, granularity) redraw the KPI cards, the trend, the channel
heatmap and the GMV waterfall from a pre-aggregated :class:`mopkit.cockpit.kpi.KpiCube`; cohorts,
product associations, alerts and the other notebooks' outputs are computed once.

The filter-driven charts are SVG strings in ``ipywidgets.HTML`` (milliseconds to draw, where a
matplotlib figure takes 0.2-0.6 s); the once-only heatmaps are matplotlib PNGs.
"""
from __future__ import annotations

import html
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from . import plots as plots_kpi
from .alerts import AlertRules, check_alerts
from .basket import association_rules, pair_matrix
from .cohorts import retention_matrix
from ..errors import MopkitError
from ..fallbacks import Fallback
from ..i18n import channel_name, register, t
from ..layout import read_output
from .kpi import ALL, KpiCube, compute_kpis, format_change, format_value, prepare_cube, summarize
from .waterfall import gmv_waterfall

register({
    "dash.title": {"zh": "经营驾驶舱", "en": "KPI cockpit"},
    "dash.start": {"zh": "开始日期", "en": "From"},
    "dash.end": {"zh": "结束日期", "en": "To"},
    "dash.channel": {"zh": "渠道", "en": "Channel"},
    "dash.granularity": {"zh": "粒度", "en": "Granularity"},
    "dash.metric": {"zh": "趋势指标", "en": "Trend metric"},
    "dash.day": {"zh": "日", "en": "Day"},
    "dash.week": {"zh": "周", "en": "Week"},
    "dash.month": {"zh": "月", "en": "Month"},
    "dash.fb.alerts": {"zh": "计算预警", "en": "computing the alerts"},
    "dash.fb.pairs": {"zh": "计算商品关联", "en": "computing the product associations"},
    "dash.fb.none": {"zh": "不显示该部分（原因见上）", "en": "nothing for that part (reason above)"},
    "dash.vs_prev": {"zh": "与上一同长度区间相比", "en": "vs the previous period of equal length"},
    "dash.tab.trends": {"zh": "趋势", "en": "Trends"},
    "dash.tab.cohorts": {"zh": "群组留存", "en": "Cohorts"},
    "dash.tab.basket": {"zh": "商品关联", "en": "Basket"},
    "dash.tab.alerts": {"zh": "预警", "en": "Alerts"},
    "dash.tab.results": {"zh": "其他分析结果", "en": "Other results"},
    "dash.missing": {"zh": "本次运行没有此结果（{what}）", "en": "Not in this run ({what})"},
    "dash.outputs.segments": {"zh": "客户分层（RFM/CLV）", "en": "Customer segments (RFM/CLV)"},
    "dash.outputs.forecast": {"zh": "需求预测", "en": "Demand forecast"},
    "dash.outputs.attribution": {"zh": "渠道归因", "en": "Channel attribution"},
    "dash.outputs.budget": {"zh": "预算建议", "en": "Budget plan"},
    "dash.render_ms": {"zh": "刷新耗时 {ms:.0f} 毫秒", "en": "redrawn in {ms:.0f} ms"},
})
CARD_METRICS = ("gmv", "orders", "buyers", "aov", "ad_spend", "roas", "ctr", "refund_rate", "new_buyers", "cac")
TREND_METRICS = ("gmv", "orders", "buyers", "aov", "roas", "ctr", "cvr", "refund_rate", "ad_spend", "cac",
                 "repurchase_rate", "new_buyers")
_LOWER_IS_BETTER = {"refund_rate", "churn_rate", "cac", "cpa", "cpc", "cpm"}


def in_voila() -> bool:
    """Whether this kernel runs under Voila.

    A kernel started for a page request gets ``SERVER_SOFTWARE=voila/<version>``; a pre-heated
    kernel (``--preheat_kernel``, started before any request) does not, but every Voila kernel
    gets ``VOILA_PREHEAT`` and ``VOILA_BASE_URL``.
    """
    env = os.environ
    return env.get("SERVER_SOFTWARE", "").startswith("voila") or "VOILA_PREHEAT" in env or "VOILA_BASE_URL" in env


def cards_html(summary: pd.DataFrame, lang: str, currency: str, metrics=CARD_METRICS) -> str:
    """HTML of the KPI cards (value, change arrow) from :func:`mopkit.cockpit.kpi.summarize`."""
    s = summary[summary["channel"] == ALL].set_index("metric")
    cards = []
    for m in metrics:
        v = float(s.at[m, "value"]) if m in s.index else np.nan
        c = float(s.at[m, "change"]) if m in s.index else np.nan
        good = np.isfinite(c) and ((c > 0) != (m in _LOWER_IS_BETTER)) and c != 0
        colour = "#777" if not np.isfinite(c) or c == 0 else ("#1a7f37" if good else "#c0392b")
        cards.append(
            f'<div class="mop-kpi" data-metric="{m}" style="display:inline-block;min-width:120px;margin:4px;'
            f'padding:8px 12px;border:1px solid #ddd;border-radius:6px;background:#fafafa">'
            f'<div style="font-size:12px;color:#555">{html.escape(t(f"kpi.{m}", lang))}</div>'
            f'<div class="mop-kpi-value" style="font-size:20px;font-weight:bold">'
            f'{html.escape(format_value(v, m, lang, currency))}</div>'
            f'<div class="mop-kpi-change" style="font-size:12px;color:{colour}">{format_change(c)}</div></div>')
    return '<div class="mop-cards">' + "".join(cards) + "</div>"


def alerts_html(alerts: pd.DataFrame, lang: str) -> str:
    """Alerts as an HTML list, worst first."""
    if alerts is None or alerts.empty:
        return f"<p>{html.escape(t('alerts.none', lang))}</p>"
    colour = {"high": "#c0392b", "medium": "#d68910", "low": "#7f8c8d"}
    items = [f'<li class="mop-alert"><b style="color:{colour[r.severity]}">[{t(f"alerts.severity.{r.severity}", lang)}]</b> '
             f"{html.escape(r.message)}</li>" for r in alerts.itertuples()]
    return "<ul>" + "".join(items) + "</ul>"


def run_outputs_summary(outputs_dir: str | Path | None, lang: str) -> list[tuple[str, pd.DataFrame | None]]:
    """Short tables from the other notebooks' outputs of the same run, ``None`` when absent.

    Reads ``rfm_clv_customers`` (.csv or .parquet; its ``segment`` column: customers per segment),
    ``forecast.csv`` (date, point, lower, upper, model: the next 14 days), ``attribution.csv``
    and ``budget_plan.csv`` (as they are, first 20 rows).
    """
    out = Path(outputs_dir) if outputs_dir else None

    def read(name):
        p = out / name if out else None
        return pd.read_csv(p) if p is not None and p.exists() else None

    seg = None
    # 01_rfm_clv's per-customer table: CSV, or Parquet beyond a spreadsheet's rows
    df = read_output(out.parent, "rfm_clv_customers") if out is not None else None
    col = next((c for c in ("segment", "tier") if c in df.columns), None) if df is not None else None
    if col:
        seg = df[col].value_counts().rename_axis(col).reset_index(name=t("common.customers", lang))
    fc = read("forecast.csv")
    if fc is not None:
        fc = fc.head(14)
    att, bud = read("attribution.csv"), read("budget_plan.csv")
    if bud is None:  # 07_budget writes the run's plan after this notebook; until then 03's linear plan
        bud = read("attribution_budget_plan.csv")
    return [(t("dash.outputs.segments", lang), seg), (t("dash.outputs.forecast", lang), fc),
            (t("dash.outputs.attribution", lang), None if att is None else att.head(20)),
            (t("dash.outputs.budget", lang), None if bud is None else bud.head(20))]


class Cockpit:
    """The dashboard app. ``Cockpit(...).widget`` is what the notebook displays.

    Parameters
    ----------
    cube : from :func:`mopkit.cockpit.kpi.prepare_cube`.
    lang, currency : display language and currency.
    alerts : alert table from :func:`mopkit.cockpit.alerts.check_alerts` (computed by the caller).
    cohorts : retention matrix; pairs : lift matrix from :func:`mopkit.cockpit.basket.pair_matrix`.
    outputs_dir : the run's ``outputs/`` folder for the other analyses' summaries.
    start, end : the initial date range (default: the last 365 days of data).
    """

    def __init__(self, cube: KpiCube, *, lang: str = "zh", currency: str = "CNY",
                 alerts: pd.DataFrame | None = None, cohorts: pd.DataFrame | None = None,
                 pairs: pd.DataFrame | None = None, outputs_dir=None, start=None, end=None,
                 freq: str = "W", fallbacks: list | None = None):
        import ipywidgets as w

        self.cube, self.lang, self.currency = cube, lang, currency
        self.fallbacks = list(fallbacks or [])  # mopkit.fallbacks.Fallback: shown above the tabs
        d0, d1 = cube.day_range
        end = pd.Timestamp(end) if end is not None else d1
        start = pd.Timestamp(start) if start is not None else max(d0, end - pd.Timedelta(days=364))
        self.timings: list[float] = []
        lay = w.Layout(width="auto")
        self.start = w.DatePicker(description=t("dash.start", lang), value=start.date(), layout=lay)
        self.end = w.DatePicker(description=t("dash.end", lang), value=end.date(), layout=lay)
        opts = [(t("kpi.all", lang), ALL)] + [(channel_name(c, lang), c) for c in cube.channels]
        self.channel = w.Dropdown(description=t("dash.channel", lang), options=opts, value=ALL, layout=lay)
        self.channel.add_class("mop-channel")
        self.freq = w.ToggleButtons(options=[(t("dash.day", lang), "D"), (t("dash.week", lang), "W"),
                                             (t("dash.month", lang), "M")], value=freq,
                                    description=t("dash.granularity", lang))
        self.metric = w.Dropdown(description=t("dash.metric", lang), value="gmv", layout=lay,
                                 options=[(t(f"kpi.{m}", lang), m) for m in TREND_METRICS])
        self.cards = w.HTML()
        self.cards.add_class("mop-cards-box")
        self.status = w.HTML()
        self.trend, self.heat, self.water = (w.HTML() for _ in range(3))
        for ctl in (self.start, self.end, self.channel, self.freq, self.metric):
            ctl.observe(self._on_change, names="value")

        static = []
        for key, content in (("cohorts", cohorts), ("basket", pairs)):
            if content is None or content.empty:
                static.append(w.HTML(f"<p>{t('dash.missing', lang, what=t(f'dash.tab.{key}', lang))}</p>"))
            elif key == "cohorts":
                static.append(w.HTML(plots_kpi.svg_cohorts(content.iloc[-18:, :13], lang)))
            else:
                static.append(w.HTML(plots_kpi.svg_pairs(content, lang)))
        alert_box = w.HTML(alerts_html(alerts, lang))
        res = []
        for title, df in run_outputs_summary(outputs_dir, lang):
            body = (df.to_html(index=False, float_format=lambda x: f"{x:,.2f}", border=0) if df is not None
                    else f"<p>{t('dash.missing', lang, what=title)}</p>")
            res.append(w.HTML(f"<h4>{html.escape(title)}</h4>{body}"))
        tabs = w.Tab(children=[w.VBox([self.metric, self.trend, self.heat, self.water]), static[0], static[1],
                               alert_box, w.VBox(res)])
        for i, key in enumerate(("trends", "cohorts", "basket", "alerts", "results")):
            tabs.set_title(i, t(f"dash.tab.{key}", lang))
        head = w.HTML(f"<h2>{html.escape(t('dash.title', lang))}</h2>")
        filters = w.HBox([self.start, self.end, self.channel])
        notes = w.HTML("".join(f"<p class='mop-fallback' style='color:#b9770e'>{html.escape(fb.text(lang))}</p>"
                               for fb in self.fallbacks))
        self.widget = w.VBox([head, notes, filters, self.freq, self.cards, self.status, tabs])
        self.refresh()

    @classmethod
    def from_tables(cls, tables: dict[str, pd.DataFrame], *, lang: str = "zh", currency: str = "CNY",
                    rules: AlertRules = AlertRules(), outputs_dir=None, basket_level: str = "category",
                    as_of=None, **kw) -> "Cockpit":
        """Build everything from canonical tables (``orders`` required; ``order_items``,
        ``ad_spend`` optional) and, if given, the run's ``outputs/`` folder."""
        orders = tables["orders"]
        cube = prepare_cube(orders, tables.get("order_items"), tables.get("ad_spend"))
        fc = None
        if outputs_dir and (Path(outputs_dir) / "forecast.csv").exists():
            fc = pd.read_csv(Path(outputs_dir) / "forecast.csv")
        fallbacks = []
        try:
            alerts = check_alerts(cube, rules, forecast=fc, lang=lang, as_of=as_of)
        except MopkitError as exc:  # bad input only: a bug in the rules still raises
            alerts = None
            fallbacks.append(Fallback(t("dash.fb.alerts", lang), exc.message, t("dash.fb.none", lang)))
        cohorts = retention_matrix(orders)
        pairs = None
        items = tables.get("order_items")
        if items is not None and len(items):
            try:
                pairs = pair_matrix(association_rules(items, basket_level, min_support=0.002, orders=orders))
            except MopkitError as exc:
                fallbacks.append(Fallback(t("dash.fb.pairs", lang), exc.message, t("dash.fb.none", lang)))
        return cls(cube, lang=lang, currency=currency, alerts=alerts, cohorts=cohorts, pairs=pairs,
                   outputs_dir=outputs_dir, fallbacks=fallbacks, **kw)

    def _on_change(self, change) -> None:
        self.refresh()

    def filters(self) -> dict:
        """The current filter values."""
        ch = self.channel.value
        return dict(start=pd.Timestamp(self.start.value), end=pd.Timestamp(self.end.value),
                    channels=None if ch == ALL else [ch], freq=self.freq.value, metric=self.metric.value)

    def refresh(self) -> float:
        """Recompute and redraw everything that depends on the filters; returns seconds taken."""
        t0 = time.perf_counter()
        f = self.filters()
        if f["start"] > f["end"]:
            self.status.value = f"<p style='color:#c0392b'>{html.escape(t('dash.start', self.lang))} &gt; {html.escape(t('dash.end', self.lang))}</p>"
            return 0.0
        views = render_views(self.cube, **f, lang=self.lang, currency=self.currency)
        self.cards.value = views["cards"]
        self.trend.value, self.heat.value, self.water.value = views["trend"], views["heat"], views["water"]
        dt = time.perf_counter() - t0
        self.timings.append(dt)
        self.status.value = (f"<span style='color:#777;font-size:11px'>{html.escape(t('dash.vs_prev', self.lang))} · "
                             f"{html.escape(t('dash.render_ms', self.lang, ms=dt * 1000))}</span>")
        return dt


def render_views(cube: KpiCube, *, start, end, channels=None, freq="W", metric="gmv",
                 lang="zh", currency="CNY") -> dict:
    """Everything the filters drive, without widgets (timed by the benchmark): cards HTML and the
    trend, channel-heatmap and waterfall as SVG strings."""
    summary = summarize(cube, start, end, channels=channels, metrics=CARD_METRICS)
    k = compute_kpis(cube, freq=freq, start=start, end=end, channels=channels, metrics=[metric])
    length = end - start
    wf = gmv_waterfall(cube, (start - length - pd.Timedelta(days=1), start - pd.Timedelta(days=1)), (start, end),
                       channels=channels)
    return {
        "cards": cards_html(summary, lang, currency),
        "trend": plots_kpi.svg_trend(k, metric, lang),
        "heat": plots_kpi.svg_heatmap(k, metric, lang),
        "water": plots_kpi.svg_waterfall(wf, lang, currency),
        "kpis": k, "summary": summary,
    }
