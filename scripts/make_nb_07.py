"""Generate notebooks/07_budget.ipynb (response curves and the budget plan; parameters map onto notebooks.budget)."""
from pathlib import Path

from nbtools import write_notebook

PARAMS = '''
run_dir: str = ""  # run folder made by `mopkit run`; empty: a fresh run of the bundled sample client
lang: str = "zh"  # "zh" or "en": language of every heading, table and chart
target: str = "gmv"  # outcome the spend drives: "gmv" (orders not cancelled), "orders", "new_gmv" or "new_customers" (first orders only)
media: str = "additive"  # how ads combine with the baseline: "additive" or "multiplicative" (ads scale with weekday, festivals, growth)
period_days: int = 30  # the plan money is per this many days
recent_days: int = 91  # the current split is the mean daily spend over the last this many days
max_shift: float = 0.2  # no channel spend moves by more than this fraction (of the current split scaled to the total)
min_spend: float = 0.0  # attribution fallback: no channel spend drops below this amount
channel_bounds: dict = {}  # optional spend limits per period: {"douyin": [10000, 30000]}
margin: float = 0.0  # gross margin on GMV (0..1); > 0 adds profit to the scenarios
roas_target: float = 5.0  # attribution fallback: the target ROAS of the client
attribution_model: str = "markov"  # attribution model for the fallback plan and the cross-check
min_weeks: int = 26  # refuse the curves with fewer weeks of data
max_mape: float = 0.4  # refuse the curves when the mean error on the held-out tail is larger
holdout_days: int = 56  # tail held out to measure fit quality
n_boot: int = 40  # bootstrap replicates for the intervals
seed: int = 0  # random seed: same seed, same curves and plan'''

CELLS = [
    ("code", '''
import pandas as pd
from IPython.display import Markdown, display
from mopkit import mmm
from mopkit.context import open_run

ctx = open_run(run_dir, lang=lang)
display(Markdown(f"## {ctx.t('mmm.nb.title')}\\n\\n{ctx.t('mmm.nb.intro')}"))
frame = mmm.mmm_frame(ctx.table("orders", columns=["order_id", "customer_id", "order_time", "amount", "status", "refund_amount"]), ctx.table("ad_spend"), target=target, start=ctx.config.start, end=ctx.config.end)
attribution_csv = ctx.output_path("attribution.csv")
performance = pd.read_csv(attribution_csv) if attribution_csv.exists() else None
result = mmm.budget_analysis(frame, performance=performance, attribution_model=attribution_model, roas_target=roas_target,
                             max_shift=max_shift, min_spend=min_spend, bounds=channel_bounds or None,
                             period_days=period_days, recent_days=recent_days, margin=margin, max_mape=max_mape,
                             min_weeks=min_weeks, n_boot=n_boot, seed=seed, holdout_days=holdout_days, media=media, lang=ctx.lang)
display(Markdown(f"### {ctx.t('mmm.nb.h.data')}\\n\\n" + ("\\n".join(f"- {p['text']}" for p in result.problems) or ctx.t('mmm.nb.ok'))
                 + "".join(f"\\n\\n> {note}" for note in result.notes)))
'''),
    ("code", '''
if result.method == "mmm":
    ctx.write_csv(result.channels, "mmm_channels.csv")
    ctx.write_csv(result.curves, "mmm_response_curves.csv")
    ctx.write_csv(result.model.contributions_by("MS"), "mmm_contributions.csv")
    ctx.write_json({**result.model.to_json(), "plan": result.summary, "current_daily_spend": result.current.to_dict()}, "mmm_model.json")
    display(Markdown(f"### {ctx.t('mmm.nb.h.channels')}\\n\\n{ctx.t('mmm.nb.channels_note')}"))
    display(mmm.localise(result.channels[["channel", "theta", "half_life_days", "K", "S", "current_daily_spend", "current_roas",
                                          "marginal_roas", "saturation_point", "contribution_share"]], ctx.lang))
    display(Markdown(f"### {ctx.t('mmm.nb.h.curves')}"))
    mmm.plot_response_curves(result.curves, result.channels, lang=ctx.lang)
'''),
    ("code", '''
if result.method == "mmm":
    display(Markdown(f"### {ctx.t('mmm.nb.h.contrib')}"))
    mmm.plot_contributions(result.model.contributions_by("MS"), lang=ctx.lang)
'''),
    ("code", '''
display(Markdown(f"### {ctx.t('mmm.nb.h.plan')}"))
if result.plan is not None:
    ctx.write_csv(result.plan, "budget_plan.csv")
    if result.method == "attribution":
        display(Markdown("> " + ctx.t("mmm.nb.fallback")))
    else:
        display(Markdown(ctx.t("mmm.nb.plan_note", max_shift=max_shift, days=period_days)))
    display(mmm.localise(result.plan[["channel", "current_spend", "proposed_spend", "change_pct", "expected_value_change",
                                      "expected_value_change_low", "expected_value_change_high", "action"]], ctx.lang))
    mmm.plot_plan(result.plan, lang=ctx.lang)
else:
    display(Markdown("> " + ctx.t("mmm.nb.no_plan")))
'''),
    ("code", '''
if result.method == "mmm":
    ctx.write_csv(result.scenarios, "budget_scenarios.csv")
    display(Markdown(f"### {ctx.t('mmm.nb.h.scenarios')}"))
    display(mmm.localise(result.scenarios.drop(columns=["scale"]), ctx.lang))
    display(Markdown(f"### {ctx.t('mmm.nb.h.compare')}"))
    display(mmm.localise(result.comparison, ctx.lang))
    if result.crosscheck is not None:
        ctx.write_csv(result.crosscheck, "mmm_crosscheck.csv")
        display(Markdown(f"### {ctx.t('mmm.nb.h.cross')}"))
        display(mmm.localise(result.crosscheck, ctx.lang))
'''),
    ("code", '''
found = mmm.findings(result, lang=ctx.lang, currency=ctx.currency, attribution_model=attribution_model)
for text, weight in found:
    ctx.add_finding(text, section="budget", weight=weight)
display(Markdown(f"### {ctx.t('mmm.nb.h.findings')}\\n\\n" + "\\n".join(f"- {text}" for text, _ in found)))
'''),
]

if __name__ == "__main__":
    out = Path(__file__).resolve().parents[1] / "notebooks" / "07_budget.ipynb"
    write_notebook(out, PARAMS, CELLS, title="# 07 · Smart budget / 智能预算")
    print(out)
