"""Generate notebooks/00_data_health.ipynb."""
from pathlib import Path

from nbtools import write_notebook

PARAMS = '''
run_dir: str = ""  # run folder made by `mopkit run` (empty: a fresh run of the bundled sample client)
lang: str = "zh"  # "zh" or "en": language of every heading, table and chart
trend_window: int = 7  # days in the moving average of the order trend
'''

CELLS = [
    ("code", '''
from IPython.display import Markdown, display
from mopkit import overview
from mopkit.context import open_run

ctx = open_run(run_dir, lang=lang)
orders = ctx.table("orders", columns=["customer_id", "order_time", "amount", "status", "channel"])
health = ctx.health()
display(Markdown(f"## {ctx.t('health.title')}\\n\\n{ctx.t('health.intro')}"))
'''),
    ("code", '''
display(overview.health_summary(health, ctx.lang))
display(overview.health_details(health, ctx.lang))
'''),
    ("code", '''
display(overview.health_by_file(health, ctx.lang))
'''),
    ("code", '''
stitching = ctx.stitching()
stitch_text = overview.stitching_text(stitching, ctx.lang)
ctx.write_csv(stitching, "stitching.csv")
ctx.add_finding(stitch_text, section="data_health", weight=0.25)
display(Markdown(f"### {ctx.t('overview.stitch_title')}\\n\\n{stitch_text}"))
display(overview.stitching_table(stitching, ctx.lang))
'''),
    ("code", '''
daily = overview.daily_series(orders)
mix = overview.channel_mix(orders)
ctx.write_csv(daily, "daily_orders.csv")
ctx.write_csv(mix, "channel_mix.csv")
summary = overview.overview_text(orders, mix, ctx.lang, ctx.currency)
ctx.add_finding(summary, section="data_health", weight=0.3)
ctx.add_finding(overview.dropped_text(health, ctx.lang, beside_table=False), section="data_health", weight=0.1)
display(Markdown(summary + "\\n\\n" + overview.dropped_text(health, ctx.lang)))
'''),
    ("code", '''
overview.plot_trend(daily, ctx.lang, window=trend_window);
'''),
    ("code", '''
overview.plot_channel_mix(mix, ctx.lang);
'''),
]

if __name__ == "__main__":
    out = Path(__file__).resolve().parents[1] / "notebooks" / "00_data_health.ipynb"
    write_notebook(out, PARAMS, CELLS, title="# 00 · Data health / 数据体检")
    print(out)
