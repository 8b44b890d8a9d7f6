"""Generate notebooks/01_rfm_clv.ipynb (RFM segments, CLV models, action lists)."""
from pathlib import Path

from nbtools import write_notebook

PARAMS = '''
run_dir: str = ""  # run folder made by `mopkit run`; empty: a fresh run of the bundled sample client
lang: str = "zh"  # "zh" or "en": language of every heading, table and chart
observation_end: str = ""  # YYYY-MM-DD: day the analysis looks back from; empty: day of the last order
time_unit: str = "W"  # "D" days or "W" weeks: time unit of the CLV models (weeks are faster, same predictions in days)
holdout_days: int = 180  # last days held out to choose the CLV model by its prediction error (0: no comparison, BG/NBD)
horizon_days: int = 365  # CLV horizon in days
discount_rate: float = 0.10  # annual discount rate for CLV
tier_thresholds: dict = {"钻石": 3000, "VIP": 1000}  # tier name -> minimum value (see tier_basis); below all: base tier
tier_basis: str = "spend"  # "spend" (total spend to date) or "clv" (predicted CLV; falls back to spend if CLV is skipped)
churn_days: int = 90  # churn index: probability of no purchase in the next churn_days
churn_bands: dict = {"high": 0.9, "medium": 0.7}  # churn index at or above high -> high risk, at or above medium -> medium
min_improvement: float = 0.02  # BG/NBD is kept unless another model lowers the holdout error by at least this share
min_repeat_customers: int = 200  # fewer repeat buyers than this: CLV is skipped (explained), RFM still runs'''

CELLS = [
    ("code", '''
from IPython.display import Markdown, display
from mopkit import clv
from mopkit.context import open_run

ctx = open_run(run_dir, lang=lang)
orders = ctx.table("orders", columns=["customer_id", "order_time", "amount", "status", "refund_amount"])
display(Markdown(f"## {ctx.t('clv.title')}\\n\\n{ctx.t('clv.intro')}"))
'''),
    ("code", '''
res = clv.customer_value(
    orders, observation_end=observation_end or None, time_unit=time_unit, holdout_days=holdout_days,
    horizon_days=horizon_days, discount_rate=discount_rate, tier_thresholds=tier_thresholds,
    tier_basis=tier_basis, churn_bands=churn_bands, churn_days=churn_days, min_improvement=min_improvement,
    min_repeat_customers=min_repeat_customers, lang=ctx.lang,
)
customers = res.customers
del orders  # res.transactions holds the purchases analysed; a big client's orders are GBs
if not res.clv_ok:
    display(Markdown("> " + ctx.t("clv.skipped", reason=res.skipped_reason)))
for fb in clv.fallbacks(res, ctx.lang):  # what was tried, why it failed, what was used instead
    display(ctx.note_fallback(fb, section="rfm_clv"))
display(Markdown(f"### {ctx.t('clv.h.segments')}"))
display(clv.segment_table(customers, ctx.lang, scheme="segment"))
'''),
    ("code", '''
clv.plot_segments(customers, ctx.lang);
'''),
    ("code", '''
clv.plot_rfm_heatmap(customers, ctx.lang);
'''),
    ("code", '''
display(clv.segment_table(customers, ctx.lang, scheme="segment_cn8"))
'''),
    ("code", '''
if res.clv_ok:
    display(Markdown(f"### {ctx.t('clv.h.model')}"))
    if res.comparison is not None:
        display(clv.model_table(res, ctx.lang))
        clv.plot_tracking(clv.tracking_table(res, res.transactions), res, ctx.lang)
'''),
    ("code", '''
if res.clv_ok and res.comparison is not None:
    clv.plot_conditional_expectation(clv.conditional_expectation_table(res), ctx.lang)
'''),
    ("code", '''
if res.clv_ok:
    clv.plot_p_alive_matrix(res, ctx.lang)
'''),
    ("code", '''
if res.churn_calibration is not None:
    display(Markdown(f"### {ctx.t('clv.h.churn')}"))
    display(clv.churn_calibration_table(res, ctx.lang).style.hide(axis="index"))
'''),
    ("code", '''
display(Markdown(f"### {ctx.t('clv.h.value')}"))
if res.clv_ok:
    clv.plot_clv_distribution(customers, ctx.lang, horizon_days=horizon_days)
display(clv.tier_table(customers, ctx.lang))
'''),
    ("code", '''
ctx.write_table(customers.reset_index(), "rfm_clv_customers")  # .csv, or .parquet beyond what a person opens
ctx.write_json(res.model_json(), "clv_model.json")
lists = clv.build_audiences(customers, lang=ctx.lang, currency=ctx.currency)
for name, frame in lists.items():
    skipped = ctx.write_list(frame, f"audiences/{name}")  # CSV; XLSX too while a person can work through it
    if skipped:
        display(ctx.note_fallback(skipped, section="rfm_clv"))
display(Markdown(f"### {ctx.t('clv.h.audiences')}"))
display(clv.audience_overview(lists, ctx.lang, ctx.currency).style.hide(axis="index"))
'''),
    ("code", '''
found = clv.findings(res, lang=ctx.lang, currency=ctx.currency)
for text, weight in found:
    ctx.add_finding(text, section="rfm_clv", weight=weight)
display(Markdown("\\n".join(f"- {text}" for text, _ in found)))
'''),
]

if __name__ == "__main__":
    out = Path(__file__).resolve().parents[1] / "notebooks" / "01_rfm_clv.ipynb"
    write_notebook(out, PARAMS, CELLS, title="# 01 · RFM & CLV / 客户分层与终身价值")
    print(out)
