"""Generate notebooks/03_attribution.ipynb (multi-channel attribution, ROAS and budget plan)."""
from pathlib import Path

from nbtools import write_notebook

PARAMS = '''
run_dir: str = ""  # run folder made by `mopkit run`; empty: a fresh run of the bundled sample client
lang: str = "zh"  # "zh" or "en": language of every heading, table and chart
lookback_days: int = 30  # touches at most this many days before an order belong to its journey
models: list = ["first_touch", "last_touch", "last_non_direct", "linear", "time_decay", "position_based", "markov", "shapley"]  # attribution models to compare (names from mopkit.attribution.MODELS)
markov_order: int = 1  # Markov chain order: 1, 2 or 3 (higher orders need many journeys per state)
collapse_repeats: bool = True  # count repeated touches of the same channel in a row once
max_path_length: int = 0  # keep only the last N touches of a journey (0: no cap)
half_life_days: float = 7.0  # time decay: a touch's credit halves every this many days before the order
roas_target: float = 5.0  # the client's target return on ad spend (revenue / spend)
max_shift: float = 0.2  # budget plan: no channel's spend moves by more than this fraction
min_spend: float = 0.0  # budget plan: no channel's spend drops below this amount
budget_model: str = "markov"  # attribution model the budget plan trusts (if not run: a stated fallback, noted)'''

CELLS = [
    ("code", '''
import pandas as pd
from IPython.display import Markdown, display
import mopkit.attribution as A
from mopkit.context import open_run

ctx = open_run(run_dir, lang=lang)
display(Markdown(f"## {ctx.t('attr.nb.title')}\\n\\n{ctx.t('attr.nb.intro', lookback=lookback_days)}"))
'''),
    ("code", '''
# touch-level data when the client has it, else the aggregated path table (only the columns used are read)
journeys = (A.build_journeys(
    ctx.table("touchpoints", columns=A.TOUCH_COLUMNS), ctx.table("orders", columns=A.ORDER_COLUMNS),
    customers=ctx.table("customers", columns=["customer_id"]) if ctx.has("customers") else None,
    lookback_days=lookback_days, collapse_repeats=collapse_repeats, max_path_length=max_path_length or None,
) if ctx.has("touchpoints") else A.journeys_from_paths(
    ctx.table("paths"), collapse_repeats=collapse_repeats, max_path_length=max_path_length or None,
))
ctx.write_csv(journeys.report.drop(columns=["params"]), "attribution_journeys_report.csv")
display(Markdown(f"### {ctx.t('attr.nb.h.data')}\\n\\n{ctx.t('attr.nb.data_note')}"))
display(A.report_table(journeys.report, ctx.lang))
'''),
    ("code", '''
credits = A.attribute(journeys, models, markov_order=markov_order, half_life_days=half_life_days, skip_refused=True)
markov = A.MarkovAttribution(order=markov_order).fit(journeys)
spend = (A.spend_by_channel(ctx.table("ad_spend"), start=ctx.config.start, end=ctx.config.end)
         if ctx.has("ad_spend") else pd.Series(dtype=float, name="cost"))
performance = A.channel_performance(credits, spend)
if spend.attrs.get("invalid_costs"):
    display(Markdown("> " + ctx.t("attr.invalid_costs", n=spend.attrs["invalid_costs"])))
ctx.write_csv(performance, "attribution.csv")
ctx.write_csv(markov.removal_effects_, "attribution_removal_effects.csv")
display(Markdown(f"### {ctx.t('attr.nb.h.compare')}\\n\\n{ctx.t('attr.nb.compare_note')}"))
for name, reason in credits.attrs["skipped"].items():
    display(Markdown("> " + ctx.t("attr.nb.skipped", model=name, reason=reason)))
A.plot_model_comparison(credits, metric="conversions", lang=ctx.lang);
'''),
    ("code", '''
A.plot_model_comparison(credits, metric="value", lang=ctx.lang);
'''),
    ("code", '''
display(Markdown(f"### {ctx.t('attr.nb.h.removal')}\\n\\n{ctx.t('attr.nb.removal_note', order=markov_order)}"))
A.plot_removal_effects(markov.removal_effects_, lang=ctx.lang);
'''),
    ("code", '''
display(Markdown(f"### {ctx.t('attr.nb.h.heatmap')}"))
A.plot_transition_heatmap(A.transition_matrix(journeys), lang=ctx.lang);
'''),
    ("code", '''
display(Markdown(f"### {ctx.t('attr.nb.h.paths')}"))
A.plot_top_paths(journeys.paths, n=12, lang=ctx.lang);
'''),
    ("code", '''
display(Markdown(f"### {ctx.t('attr.nb.h.roas')}"))
if spend.sum() > 0:
    display(A.localise(A.spend_coverage(credits, spend, ctx.lang), ctx.lang))
    A.plot_roas_by_model(performance, roas_target=roas_target, lang=ctx.lang)
    display(A.roas_table(performance, ctx.lang))
else:
    display(Markdown("> " + ctx.t("attr.nb.no_spend")))
'''),
    ("code", '''
display(Markdown(f"### {ctx.t('attr.nb.h.budget')}"))
plan = None
if spend.sum() > 0:
    chosen, fallback = A.choose_budget_model(credits, budget_model, ctx.lang)
    if fallback is not None:
        display(ctx.note_fallback(fallback, section="attribution"))
    plan = A.plan_budget(performance, model=chosen, roas_target=roas_target, max_shift=max_shift,
                         min_spend=min_spend, lang=ctx.lang)
    ctx.write_csv(plan.table, "attribution_budget_plan.csv")  # the run's budget_plan.csv comes from 07_budget
    display(A.localise(plan.table, ctx.lang))
    A.plot_budget_plan(plan, lang=ctx.lang)
    display(Markdown(f"**{ctx.t('attr.nb.h.assumptions')}**\\n\\n" + "\\n".join(f"- {a}" for a in plan.assumptions)))
else:
    display(Markdown("> " + ctx.t("attr.nb.no_spend")))
'''),
    ("code", '''
findings = A.findings(credits, removal_effects=markov.removal_effects_, performance=performance,
                                  plan=plan, lang=ctx.lang, currency=ctx.currency, reference_model=budget_model)
for text, weight in findings:
    ctx.add_finding(text, section="attribution", weight=weight)
display(Markdown(f"### {ctx.t('attr.nb.h.findings')}\\n\\n" + "\\n".join(f"- {text}" for text, _ in findings)))
'''),
]

if __name__ == "__main__":
    out = Path(__file__).resolve().parents[1] / "notebooks" / "03_attribution.ipynb"
    write_notebook(out, PARAMS, CELLS, title="# 03 · Attribution / 渠道归因")
    print(out)
