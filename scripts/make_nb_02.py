"""Generate notebooks/02_forecast.ipynb (parameters map one to one onto notebooks.forecast)."""
from pathlib import Path

from nbtools import write_notebook

PARAMS = '''
run_dir: str = ""  # run folder made by `mopkit run` (empty: a fresh run of the bundled sample client)
lang: str = "zh"  # "zh" or "en": language of every heading, table and chart
target: str = "orders"  # what to forecast: "orders", "gmv", "net_sales" or "units" (units needs order_items)
horizon: int = 14  # days to forecast, 7 to 30
folds: int = 3  # rolling-origin backtest folds of `horizon` days each
epochs: int = 40  # maximum LSTM training epochs (early stopping on a validation tail)
seed: int = 0  # random seed: same seed, same forecast
level: float = 0.9  # nominal coverage of the prediction interval
refunds: str = "gross"  # "gross" (orders and GMV as the KPIs count them), "net" (refunded orders and refunds left out) or "exclude"
promotions: list = []  # client promotions: [{"name": "会员日", "start": "2025-08-08", "end": "2025-08-10"}]
'''

CELLS = [
    ("code", '''
from IPython.display import Markdown, display
from mopkit.context import open_run
from mopkit import forecast

ctx = open_run(run_dir, lang=lang)
orders = ctx.table("orders", columns=["order_id", "order_time", "amount", "status", "refund_amount"])
items = ctx.table("order_items") if ctx.has("order_items") else None
display(Markdown(f"## {ctx.t('forecast.title')}\\n\\n{ctx.t('forecast.intro')}"))
'''),
    ("code", '''
if target == "units" and items is None:
    display(Markdown(ctx.t("common.skipped", reason="order_items → orders")))
    target = "orders"
series = forecast.daily_series(orders, target, order_items=items, refunds=refunds, lang=ctx.lang)
result = forecast.forecast_demand(series, horizon=horizon, folds=folds, epochs=epochs, seed=seed, level=level,
                         promotions=promotions, lang=ctx.lang)
# `metric`: the KPI this forecast equals (mopkit.data.orders definitions), empty if none; the alert reads it
ctx.write_csv(result.forecast.assign(date=result.forecast["date"].dt.date, target=target, refunds=refunds,
                                     metric=forecast.kpi_metric(target, refunds) or ""), "forecast.csv")
ctx.write_csv(result.backtest_table(), "forecast_backtest.csv")
texts = forecast.findings(result, lang=ctx.lang, currency=ctx.currency)
for text, weight in texts:
    ctx.add_finding(text, section="forecast", weight=weight)
display(Markdown("\\n".join(f"- {text}" for text, _ in texts)))
if result.notes:
    display(Markdown(f"**{ctx.t('forecast.note.title')}**\\n\\n" + "\\n".join(f"- {n}" for n in result.notes)))
'''),
    ("code", '''
forecast.plot_forecast(result, ctx.lang);
'''),
    ("code", '''
display(forecast.leaderboard_table(result, ctx.lang).style.hide(axis="index"))
forecast.plot_leaderboard(result, ctx.lang);
'''),
    ("code", '''
forecast.plot_by_horizon(result, ctx.lang);
'''),
]

if __name__ == "__main__":
    out = Path(__file__).resolve().parents[1] / "notebooks" / "02_forecast.ipynb"
    write_notebook(out, PARAMS, CELLS, title="# 02 · Demand forecast / 需求预测")
    print(out)
