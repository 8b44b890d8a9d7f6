"""Generate notebooks/01_rfm_clv.ipynb (RFM segments, CLV models, action lists)."""
from pathlib import Path

from nbtools import write_notebook

PARAMS = '''
run_dir: str = ""  # run folder made by `mopkit run`; empty: a fresh run of the bundled sample client
language: str = "zh"  # "zh" or "en": language of every heading, table and chart
observation_end: str = ""  # YYYY-MM-DD: day the analysis looks back from; empty: day of the last order
time_unit: str = "W"  # "D" days or "W" weeks: time unit of the CLV models (weeks are faster, same predictions in days)
holdout_days: int = 180  # last days held out to choose the CLV model by its prediction error (0: no comparison, BG/NBD)
horizon_days: int = 365  # CLV horizon in days
discount_rate: float = 0.10  # annual discount rate for CLV
tier_thresholds: dict = {"钻石": 3000, "VIP": 1000}  # tier name -> minimum value (see tier_basis); below all: base tier
tier_basis: str = "spend"  # "spend" (total spend to date) or "clv" (predicted CLV; falls back to spend if CLV is skipped)
churn_bands: dict = {"high": 0.3, "medium": 0.7}  # P(active) below high -> high churn risk, below medium -> medium
min_repeat_customers: int = 200  # fewer repeat buyers than this: CLV is skipped (explained), RFM still runs'''

CELLS = [
    ("code", '''
from IPython.display import Markdown, display
from mopkit import plots_clv as P
from mopkit.audiences import audience_overview, build_audiences
from mopkit.clv import customer_value, prepare_transactions
from mopkit.context import open_run

ctx = open_run(run_dir, language=language)
orders = ctx.table("orders")
display(Markdown(f"## {ctx.t('clv.title')}\\n\\n{ctx.t('clv.intro')}"))
'''),
    ("code", '''
res = customer_value(
    orders, observation_end=observation_end or None, time_unit=time_unit, holdout_days=holdout_days,
    horizon_days=horizon_days, discount_rate=discount_rate, tier_thresholds=tier_thresholds,
    tier_basis=tier_basis, churn_bands=churn_bands, min_repeat_customers=min_repeat_customers, language=ctx.lang,
)
customers = res.customers
if not res.clv_ok:
    display(Markdown("> " + ctx.t("clv.skipped", reason=res.skipped_reason)))
display(Markdown(f"### {ctx.t('clv.h.segments')}"))
display(P.segment_table(customers, ctx.lang, scheme="segment"))
'''),
    ("code", '''
P.plot_segments(customers, ctx.lang);
'''),
    ("code", '''
P.plot_rfm_heatmap(customers, ctx.lang);
'''),
    ("code", '''
display(P.segment_table(customers, ctx.lang, scheme="segment_cn8"))
'''),
    ("code", '''
if res.clv_ok:
    display(Markdown(f"### {ctx.t('clv.h.model')}"))
    if res.comparison is not None:
        display(P.model_table(res, ctx.lang))
        P.plot_tracking(P.tracking_table(res, prepare_transactions(orders, res.observation_end).transactions), res, ctx.lang)
'''),
    ("code", '''
if res.clv_ok and res.comparison is not None:
    P.plot_conditional_expectation(P.conditional_expectation_table(res), ctx.lang)
'''),
    ("code", '''
if res.clv_ok:
    P.plot_p_alive_matrix(res, ctx.lang)
'''),
    ("code", '''
display(Markdown(f"### {ctx.t('clv.h.value')}"))
if res.clv_ok:
    P.plot_clv_distribution(customers, ctx.lang, horizon_days=horizon_days)
display(P.tier_table(customers, ctx.lang))
'''),
    ("code", '''
ctx.write_table(customers.reset_index(), "rfm_clv_customers")  # .csv, or .parquet beyond a spreadsheet's rows
ctx.write_json(res.model_json(), "clv_model.json")
lists = build_audiences(customers, lang=ctx.lang, currency=ctx.currency)
for name, frame in lists.items():
    ctx.write_csv(frame, f"audiences/{name}.csv")
    ctx.write_xlsx(frame, f"audiences/{name}.xlsx")
display(Markdown(f"### {ctx.t('clv.h.audiences')}"))
display(audience_overview(lists, ctx.lang))
'''),
    ("code", '''
found = P.findings(res, ctx.lang, ctx.currency)
for text, weight in found:
    ctx.add_finding(text, section="rfm_clv", weight=weight)
display(Markdown("\\n".join(f"- {text}" for text, _ in found)))
'''),
]

if __name__ == "__main__":
    out = Path(__file__).resolve().parents[1] / "notebooks" / "01_rfm_clv.ipynb"
    write_notebook(out, PARAMS, CELLS, title="# 01 · RFM & CLV / 客户分层与终身价值")
    print(out)
