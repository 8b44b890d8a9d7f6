"""Charts of the KPI cockpit: cards, trends, heatmaps, waterfall.

Every function takes a result table and an optional ``ax``, draws on it and returns it; none
calls ``plt.show()``. Labels follow ``lang``; the theme comes from :func:`mopkit.plotting.apply_theme`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..i18n import channel_name, register, t
from .kpi import ALL, format_change, format_value, metric_unit
from ..plotting import channel_color, new_ax

register({
    "plots_kpi.trend": {"zh": "{metric} 趋势", "en": "{metric} trend"},
    "plots_kpi.heatmap": {"zh": "{metric}：渠道 × 时间", "en": "{metric} by channel and period"},
    "plots_kpi.period": {"zh": "时间", "en": "Period"},
    "plots_kpi.cards": {"zh": "核心指标", "en": "Key metrics"},
})


def plot_kpi_cards(summary: pd.DataFrame, metrics, lang: str = "zh", currency: str = "CNY", ax=None):
    """Cards with value and change arrow for ``metrics`` from a :func:`mopkit.cockpit.kpi.summarize`
    (or one period of :func:`mopkit.cockpit.kpi.compute_kpis`) table, channel "all"."""
    ax = new_ax(ax, figsize=(2.2 * len(metrics), 1.6))
    s = summary[summary["channel"] == ALL].set_index("metric")
    ax.set_axis_off()
    n = len(metrics)
    for i, m in enumerate(metrics):
        v = s.at[m, "value"] if m in s.index else np.nan
        c = s.at[m, "change"] if m in s.index else np.nan
        x = (i + 0.5) / n
        ax.text(x, 0.8, t(f"kpi.{m}", lang), ha="center", va="center", fontsize=9, color="#555555",
                transform=ax.transAxes)
        ax.text(x, 0.47, format_value(v, m, lang, currency), ha="center", va="center", fontsize=15,
                fontweight="bold", transform=ax.transAxes)
        colour = "#999999" if not np.isfinite(c) else ("#009E73" if c > 0 else "#D55E00")
        if m in ("refund_rate", "churn_rate", "cac", "cpa", "cpc", "cpm") and np.isfinite(c):
            colour = "#D55E00" if c > 0 else "#009E73"  # for costs and losses, up is bad
        ax.text(x, 0.15, format_change(c), ha="center", va="center", fontsize=10, color=colour,
                transform=ax.transAxes)
    ax.set_title(t("plots_kpi.cards", lang), loc="left")
    return ax


def _pct_axis(ax, metric):
    if metric_unit(metric) == "ratio":
        from matplotlib.ticker import PercentFormatter

        ax.yaxis.set_major_formatter(PercentFormatter(1.0))


def plot_trend(kpis: pd.DataFrame, metric: str, lang: str = "zh", channels=None, ax=None):
    """Line of ``metric`` over periods, one line per channel (``channels`` default: all rows,
    the "all" line drawn thicker)."""
    ax = new_ax(ax, figsize=(9, 3.6))
    d = kpis[kpis["metric"] == metric]
    chans = channels if channels is not None else list(dict.fromkeys(d["channel"]))
    for ch in chans:
        s = d[d["channel"] == ch].sort_values("period")
        if s["value"].notna().any():
            label = t("kpi.all", lang) if ch == ALL else channel_name(ch, lang)
            ax.plot(s["period"], s["value"], label=label, lw=2.4 if ch == ALL else 1.3,
                    color="#333333" if ch == ALL else channel_color(ch))
    ax.set_title(t("plots_kpi.trend", lang, metric=t(f"kpi.{metric}", lang)))
    ax.set_xlabel(t("plots_kpi.period", lang))
    ax.set_ylabel(t(f"kpi.{metric}", lang))
    _pct_axis(ax, metric)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, ncol=3)
    ax.figure.autofmt_xdate()
    return ax


def _heat(ax, mat: pd.DataFrame, fmt: str, cmap: str, label: str):
    import seaborn as sns

    sns.heatmap(mat, ax=ax, annot=mat.shape[0] * mat.shape[1] <= 260, fmt=fmt, cmap=cmap,
                cbar_kws={"label": label}, linewidths=0.3, annot_kws={"fontsize": 7})
    return ax


def plot_channel_heatmap(kpis: pd.DataFrame, metric: str, lang: str = "zh", ax=None):
    """Heatmap of ``metric``: channels (rows) by period (columns)."""
    d = kpis[(kpis["metric"] == metric) & (kpis["channel"] != ALL)]
    mat = d.pivot(index="channel", columns="period", values="value")
    mat.index = [channel_name(c, lang) for c in mat.index]
    freq = d["freq"].iloc[0] if len(d) and "freq" in d.columns else "M"
    mat.columns = [p.strftime("%Y-%m" if freq == "M" else "%m-%d") for p in pd.to_datetime(mat.columns)]
    ax = new_ax(ax, figsize=(min(14, max(6, 0.5 * mat.shape[1] + 2)), 0.5 * mat.shape[0] + 1.5))
    pct = metric_unit(metric) == "ratio"
    _heat(ax, mat * (100 if pct else 1), ".0f" if not pct else ".1f", "YlGnBu", t(f"kpi.{metric}", lang) + (" %" if pct else ""))
    ax.set_title(t("plots_kpi.heatmap", lang, metric=t(f"kpi.{metric}", lang)))
    ax.set_xlabel(t("plots_kpi.period", lang))
    ax.set_ylabel(t("common.channel", lang))
    return ax


def plot_cohort_heatmap(matrix: pd.DataFrame, lang: str = "zh", ax=None):
    """Retention heatmap from :func:`mopkit.cockpit.cohorts.retention_matrix` (percent)."""
    ax = new_ax(ax, figsize=(9, max(3, 0.3 * len(matrix) + 1.5)))
    mat = matrix * 100
    mat.index = [p.strftime("%Y-%m") for p in matrix.index]
    _heat(ax, mat, ".0f", "Blues", "%")
    ax.set_title(t("cohorts.title", lang))
    ax.set_xlabel(t("cohorts.offset", lang))
    ax.set_ylabel(t("cohorts.cohort", lang))
    return ax


def plot_association_heatmap(pairs: pd.DataFrame, lang: str = "zh", ax=None):
    """Lift heatmap from :func:`mopkit.cockpit.basket.pair_matrix`."""
    ax = new_ax(ax, figsize=(7, 6))
    _heat(ax, pairs, ".1f", "RdPu", t("basket.lift", lang))
    ax.set_title(t("basket.title", lang))
    ax.set_xlabel(t("basket.consequent", lang))
    ax.set_ylabel(t("basket.antecedent", lang))
    return ax


def plot_waterfall(wf: pd.DataFrame, lang: str = "zh", currency: str = "CNY", ax=None):
    """Waterfall from :func:`mopkit.cockpit.waterfall.gmv_waterfall`."""
    ax = new_ax(ax, figsize=(8, 3.8))
    labels = [t("waterfall.start", lang) if s == "__start__" else t("waterfall.end", lang) if s == "__end__"
              else channel_name(s, lang) for s in wf["step"]]
    colours = ["#0072B2" if k == "total" else ("#009E73" if v >= 0 else "#D55E00")
               for k, v in zip(wf["kind"], wf["value"])]
    x = np.arange(len(wf))
    ax.bar(x, wf["top"] - wf["bottom"], bottom=wf["bottom"], color=colours, width=0.6)
    for xi, (v, top) in enumerate(zip(wf["value"], wf["top"])):
        ax.text(xi, top, format_value(v, "gmv", lang, currency), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, labels)
    ax.set_title(t("waterfall.title", lang))
    ax.set_ylabel(t("kpi.gmv", lang))
    return ax


# ------------------------------------------------------------------ SVG for the live dashboard
# matplotlib needs 0.2-0.6 s per figure on a small machine; the dashboard redraws three charts
# on every filter change, so it draws them as plain SVG strings (milliseconds), same data.
_W, _H, _L, _R, _T, _B = 860, 260, 70, 20, 28, 42


def _esc(s) -> str:
    import html

    return html.escape(str(s))


def _nice_ticks(lo: float, hi: float, n: int = 4) -> np.ndarray:
    if not np.isfinite(lo) or not np.isfinite(hi) or hi <= lo:
        hi = lo + 1 if np.isfinite(lo) else 1
        lo = lo if np.isfinite(lo) else 0
    step = (hi - lo) / n
    mag = 10 ** np.floor(np.log10(step))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= step), default=step)
    return np.arange(np.floor(lo / step) * step, hi + step * 0.999, step)


def _fmt_tick(v: float, metric: str) -> str:
    if metric_unit(metric) == "ratio":
        return f"{v * 100:.1f}%"
    if abs(v) >= 1e6:
        return f"{v / 1e6:.1f}M"
    if abs(v) >= 1e4:
        return f"{v / 1e3:.0f}k"
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def svg_trend(kpis: pd.DataFrame, metric: str, lang: str = "zh", height: int = _H) -> str:
    """The trend chart of :func:`plot_trend` as an SVG string."""
    d = kpis[kpis["metric"] == metric]
    periods = sorted(pd.to_datetime(d["period"].unique()))
    if not periods:
        return "<svg/>"
    pos = {p: i for i, p in enumerate(periods)}
    vals = d["value"].to_numpy(float)
    lo, hi = (np.nanmin(vals), np.nanmax(vals)) if np.isfinite(vals).any() else (0.0, 1.0)
    ticks = _nice_ticks(min(lo, 0), hi)
    y0, y1 = ticks[0], ticks[-1]
    pw, ph = _W - _L - _R, height - _T - _B
    X = lambda i: _L + (pw * i / max(len(periods) - 1, 1))  # noqa: E731
    Y = lambda v: _T + ph * (1 - (v - y0) / ((y1 - y0) or 1))  # noqa: E731
    out = [f'<svg class="mop-svg mop-trend" xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           f'<text x="{_L}" y="16" font-size="13" font-weight="bold">'
           f'{_esc(t("plots_kpi.trend", lang, metric=t(f"kpi.{metric}", lang)))}</text>']
    for v in ticks:
        out.append(f'<line x1="{_L}" x2="{_W - _R}" y1="{Y(v):.1f}" y2="{Y(v):.1f}" stroke="#e5e5e5"/>'
                   f'<text x="{_L - 6}" y="{Y(v) + 4:.1f}" text-anchor="end" fill="#555">{_esc(_fmt_tick(v, metric))}</text>')
    step = max(1, len(periods) // 8)
    for i in range(0, len(periods), step):
        out.append(f'<text x="{X(i):.1f}" y="{height - _B + 16}" text-anchor="middle" fill="#555">'
                   f'{periods[i].strftime("%Y-%m-%d")}</text>')
    legend_x = _L
    for ch in dict.fromkeys(d["channel"]):
        s = d[d["channel"] == ch]
        pts = [(X(pos[p]), Y(v)) for p, v in zip(pd.to_datetime(s["period"]), s["value"]) if np.isfinite(v)]
        if not pts:
            continue
        colour = "#333333" if ch == ALL else channel_color(ch)
        width = 2.6 if ch == ALL else 1.4
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="{width}" points="'
                   + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts) + '"/>')
        label = t("kpi.all", lang) if ch == ALL else channel_name(ch, lang)
        out.append(f'<rect x="{legend_x}" y="{height - 14}" width="10" height="10" fill="{colour}"/>'
                   f'<text x="{legend_x + 14}" y="{height - 5}">{_esc(label)}</text>')
        legend_x += 28 + 12 * len(label)
    out.append("</svg>")
    return "".join(out)


def svg_matrix(mat: pd.DataFrame, title: str, fmt=lambda v: f"{v:.2f}", cmap: str = "YlGnBu",
               row_w: int = 110, annotate: bool | None = None) -> str:
    """A heatmap of ``mat`` (row labels = index, column labels = columns, as given) as SVG."""
    import matplotlib
    from matplotlib.colors import to_hex

    if mat.empty:
        return "<svg/>"
    vals = mat.to_numpy(float)
    lo, hi = (np.nanmin(vals), np.nanmax(vals)) if np.isfinite(vals).any() else (0, 1)
    cm = matplotlib.colormaps[cmap]
    nr, nc = mat.shape
    cw, chh, left = (_W - row_w - _R) / nc, 22, row_w
    annotate = cw >= 34 if annotate is None else annotate
    h = _T + nr * chh + 30
    out = [f'<svg class="mop-svg mop-heat" xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{h}" '
           f'font-family="sans-serif" font-size="11">',
           f'<text x="{left}" y="16" font-size="13" font-weight="bold">{_esc(title)}</text>']
    for r, row in enumerate(mat.index):
        y = _T + r * chh
        out.append(f'<text x="{left - 6}" y="{y + 15}" text-anchor="end">{_esc(row)}</text>')
        for c in range(nc):
            v = vals[r, c]
            z = (v - lo) / ((hi - lo) or 1) if np.isfinite(v) else 0
            fill = "#f2f2f2" if not np.isfinite(v) else to_hex(cm(z))
            txt = fmt(v) if np.isfinite(v) else ""
            out.append(f'<rect x="{left + c * cw:.1f}" y="{y}" width="{cw + 0.3:.1f}" height="{chh - 1}" '
                       f'fill="{fill}"><title>{_esc(txt)}</title></rect>')
            if annotate and txt:
                out.append(f'<text x="{left + (c + 0.5) * cw:.1f}" y="{y + 15}" text-anchor="middle" '
                           f'fill="{"#fff" if z > 0.6 else "#222"}" font-size="10">{_esc(txt)}</text>')
    step = max(1, nc // 10)
    for c in range(0, nc, step):
        out.append(f'<text x="{left + (c + 0.5) * cw:.1f}" y="{_T + nr * chh + 16}" text-anchor="middle" '
                   f'fill="#555">{_esc(mat.columns[c])}</text>')
    out.append("</svg>")
    return "".join(out)


def svg_heatmap(kpis: pd.DataFrame, metric: str, lang: str = "zh") -> str:
    """The channel-by-period heatmap of :func:`plot_channel_heatmap` as an SVG string."""
    d = kpis[(kpis["metric"] == metric) & (kpis["channel"] != ALL)]
    if d.empty:
        return "<svg/>"
    mat = d.pivot(index="channel", columns="period", values="value")
    mat.index = [channel_name(c, lang) for c in mat.index]
    mat.columns = [p.strftime("%Y-%m-%d") for p in pd.to_datetime(mat.columns)]
    return svg_matrix(mat, t("plots_kpi.heatmap", lang, metric=t(f"kpi.{metric}", lang)),
                      lambda v: format_value(v, metric, lang), annotate=False)


def svg_cohorts(matrix: pd.DataFrame, lang: str = "zh") -> str:
    """The retention heatmap of :func:`plot_cohort_heatmap` as SVG."""
    mat = matrix.copy()
    mat.index = [p.strftime("%Y-%m") for p in matrix.index]
    return svg_matrix(mat, t("cohorts.title", lang), lambda v: f"{v * 100:.0f}%", cmap="Blues", row_w=80)


def svg_pairs(pairs: pd.DataFrame, lang: str = "zh") -> str:
    """The lift heatmap of :func:`plot_association_heatmap` as SVG (rows: bought, columns: also bought)."""
    return svg_matrix(pairs, t("basket.title", lang), lambda v: f"{v:.1f}", cmap="RdPu", row_w=140)


def svg_waterfall(wf: pd.DataFrame, lang: str = "zh", currency: str = "CNY", height: int = _H) -> str:
    """The waterfall of :func:`plot_waterfall` as an SVG string."""
    n = len(wf)
    ticks = _nice_ticks(0, float(wf["top"].max()) if n else 1)
    y1 = ticks[-1] or 1
    ph = height - _T - _B
    Y = lambda v: _T + ph * (1 - v / y1)  # noqa: E731
    bw = (_W - _L - _R) / max(n, 1)
    out = [f'<svg class="mop-svg mop-waterfall" xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           f'<text x="{_L}" y="16" font-size="13" font-weight="bold">{_esc(t("waterfall.title", lang))}</text>']
    for v in ticks:
        out.append(f'<line x1="{_L}" x2="{_W - _R}" y1="{Y(v):.1f}" y2="{Y(v):.1f}" stroke="#e5e5e5"/>'
                   f'<text x="{_L - 6}" y="{Y(v) + 4:.1f}" text-anchor="end" fill="#555">{_esc(_fmt_tick(v, "gmv"))}</text>')
    for i, r in enumerate(wf.itertuples()):
        colour = "#0072B2" if r.kind == "total" else ("#009E73" if r.value >= 0 else "#D55E00")
        x = _L + i * bw + bw * 0.2
        label = (t("waterfall.start", lang) if r.step == "__start__" else t("waterfall.end", lang)
                 if r.step == "__end__" else channel_name(r.step, lang))
        out.append(f'<rect x="{x:.1f}" y="{Y(r.top):.1f}" width="{bw * 0.6:.1f}" '
                   f'height="{max(Y(r.bottom) - Y(r.top), 1):.1f}" fill="{colour}"/>'
                   f'<text x="{x + bw * 0.3:.1f}" y="{Y(r.top) - 4:.1f}" text-anchor="middle">'
                   f'{_esc(format_value(r.value, "gmv", lang, currency))}</text>'
                   f'<text x="{x + bw * 0.3:.1f}" y="{height - _B + 16}" text-anchor="middle">{_esc(label)}</text>')
    out.append("</svg>")
    return "".join(out)
