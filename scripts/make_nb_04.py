"""Generate notebooks/04_dashboard.ipynb: the KPI section of the report and the Voila cockpit.

Executed by papermill it writes outputs/kpis.csv and outputs/alerts.csv, records findings and
draws static charts; served by Voila (``mopkit serve``) it skips those and shows the app only.
"""
from pathlib import Path

from nbtools import write_notebook

PARAMS = '''
run_dir: str = ""  # run folder made by `mopkit run` (empty: a fresh run of the bundled sample client)
lang: str = "zh"  # "zh" or "en": language of every heading, table and chart
kpi_freqs: str = "W,M"  # granularities written to outputs/kpis.csv: D (day), W (week), M (month)
roas_target: float = 1.0  # alert when a channel's weekly ROAS (GMV / ad spend) is below this
ctr_drop_pct: float = 20.0  # alert when CTR falls more than this many percent week over week
refund_spike_factor: float = 1.5  # alert when the weekly refund rate exceeds this x its 4-week mean
forecast_error_pct: float = 30.0  # alert when the forecast misses the actuals by more than this WAPE %
basket_level: str = "category"  # product association level: "sku", "category" or "product_name"
min_support: float = 0.002  # minimum share of orders holding a product pair to report it
'''

CELLS = [
    ("code", '''
import pandas as pd
from IPython.display import HTML, Markdown, display
from mopkit import cockpit
from mopkit.context import open_run

ctx = open_run(run_dir, lang=lang)
live = cockpit.in_voila()  # served by Voila: show the app only, write nothing
orders = ctx.table("orders", columns=cockpit.ORDER_COLUMNS)  # only the columns the cockpit uses
items = ctx.table("order_items", columns=cockpit.ITEM_COLUMNS) if ctx.has("order_items") else None
ads = ctx.table("ad_spend") if ctx.has("ad_spend") else None
cube = cockpit.prepare_cube(orders, items, ads)
rules = cockpit.rules_from_config(dict(roas_target=roas_target, ctr_drop_pct=ctr_drop_pct,
                                      refund_spike_factor=refund_spike_factor, forecast_error_pct=forecast_error_pct))
forecast = pd.read_csv(ctx.outputs_dir / "forecast.csv") if (ctx.outputs_dir / "forecast.csv").exists() else None
alert_table = cockpit.check_alerts(cube, rules, forecast=forecast, lang=ctx.lang, as_of=ctx.config.end)
retention = cockpit.retention_from_cube(cube)  # cohorts from the cube's customer codes
rules_table = (cockpit.association_rules(items, basket_level, min_support=min_support, orders=orders)
               if items is not None else None)
pairs = cockpit.pair_matrix(rules_table) if rules_table is not None else None
'''),
    ("code", '''
app = cockpit.Cockpit(cube, lang=ctx.lang, currency=ctx.currency, alerts=alert_table, cohorts=retention, pairs=pairs,
              outputs_dir=ctx.outputs_dir, end=ctx.config.end,
              fallbacks=alert_table.attrs.get("fallbacks")) if live else None
app.widget if live else None
'''),
    ("code", '''
if not live:
    kpis = pd.concat([cockpit.compute_kpis(cube, freq=f.strip(), start=ctx.config.start, end=ctx.config.end)
                      for f in kpi_freqs.split(",") if f.strip()], ignore_index=True)
    ctx.write_csv(kpis, "kpis.csv")
    ctx.write_csv(alert_table, "alerts.csv")
    m1, m3 = cockpit.retention_at(retention, 1), cockpit.retention_at(retention, 3)
    for text, weight in cockpit.findings(kpis, lang=ctx.lang, currency=ctx.currency, m1=m1, m3=m3):
        ctx.add_finding(text, section="kpi", weight=weight)
    for a in alert_table.itertuples():
        if a.severity != "low":
            ctx.add_finding(a.message, section="kpi", weight=0.85 if a.severity == "high" else 0.6)
    monthly = kpis[kpis["freq"] == "M"] if (kpis["freq"] == "M").any() else kpis
    last = pd.to_datetime(monthly["period"]).max()
    display(Markdown(f"## {ctx.t('dash.title')}"))
    cockpit.plot_kpi_cards(monthly[pd.to_datetime(monthly["period"]) == last], cockpit.HEADLINE_METRICS,
                             ctx.lang, ctx.currency);
'''),
    ("code", '''
if not live:
    display(Markdown(f"### {ctx.t('alerts.title')}"))
    display(HTML(cockpit.alerts_html(alert_table, ctx.lang)))
    for fb in alert_table.attrs.get("fallbacks", []):  # a rule that could not be checked, and why
        display(ctx.note_fallback(fb, section="dashboard"))
'''),
    ("code", '''
if not live:
    display(Markdown(f"### {ctx.t('dash.tab.trends')}"))
    cockpit.plot_trend(monthly, "gmv", ctx.lang);
'''),
    ("code", '''
if not live:
    cockpit.plot_trend(monthly, "roas", ctx.lang);
'''),
    ("code", '''
if not live:
    cockpit.plot_channel_heatmap(monthly, "revenue_share", ctx.lang);
'''),
    ("code", '''
if not live:
    prev = last - pd.DateOffset(months=1)
    wf = cockpit.gmv_waterfall(cube, (prev, last - pd.Timedelta(days=1)), (last, last + pd.DateOffset(months=1) - pd.Timedelta(days=1)))
    cockpit.plot_waterfall(wf, ctx.lang, ctx.currency);
'''),
    ("code", '''
if not live:
    display(Markdown(f"### {ctx.t('dash.tab.cohorts')}"))
    cockpit.plot_cohort_heatmap(retention.iloc[-12:, :13], ctx.lang);
'''),
    ("code", '''
if not live and pairs is not None and not pairs.empty:
    display(Markdown(f"### {ctx.t('dash.tab.basket')}"))
    cockpit.plot_association_heatmap(pairs, ctx.lang);
'''),
]

if __name__ == "__main__":
    out = Path(__file__).resolve().parents[1] / "notebooks" / "04_dashboard.ipynb"
    write_notebook(out, PARAMS, CELLS, title="# 04 · KPI cockpit / 经营驾驶舱")
    print(out)
