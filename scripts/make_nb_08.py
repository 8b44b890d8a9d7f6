"""Generate notebooks/08_business_case.ipynb (ROI, NPV, IRR, payback of the consultant's plan)."""
from pathlib import Path

from nbtools import write_notebook

PARAMS = '''
run_dir: str = ""  # run folder made by `mopkit run`; empty: a fresh run of the bundled sample client
lang: str = "zh"  # "zh" or "en": language of every heading, table and chart
consulting_fee: float = 0.0  # one-off consulting fee, paid in month 0 (client currency)
tools_per_month: float = 0.0  # tools / SaaS subscriptions per month
coupon_cost_per_redemption: float = 0.0  # cost of one redeemed coupon (win-back offers)
extra_ad_spend_per_month: float = 0.0  # ad spend on top of today's budget, per month
staff_hours_per_month: float = 0.0  # the merchant's staff hours the plan needs per month
staff_hourly_rate: float = 0.0  # cost of one staff hour
gross_margin: float = 0.6  # share of extra revenue kept after cost of goods, in (0, 1]
discount_rate: float = 0.10  # the client's annual discount rate for the NPV
horizon_months: int = 12  # months the case covers
ramp_up_months: int = 3  # months until the benefits reach full run-rate, linearly (0: full from month 1)
scenario_spread: float = 0.3  # pessimistic/optimistic move of a benefit that has no interval (±share)
winback_response_rate: float = 0.05  # share of the win-back audience that buys again each month (assumption)
tornado_step: float = 0.2  # the tornado moves each assumption by ± this share'''

CELLS = [
    ("code", '''
from IPython.display import Markdown, display
from mopkit import business as B
from mopkit import copycheck as CC
from mopkit.context import open_run

ctx = open_run(run_dir, lang=lang)
params = B.params_from_config(dict(
    consulting_fee=consulting_fee, tools_per_month=tools_per_month, coupon_cost_per_redemption=coupon_cost_per_redemption,
    extra_ad_spend_per_month=extra_ad_spend_per_month, staff_hours_per_month=staff_hours_per_month,
    staff_hourly_rate=staff_hourly_rate, gross_margin=gross_margin, discount_rate=discount_rate,
    horizon_months=horizon_months, ramp_up_months=ramp_up_months, scenario_spread=scenario_spread))
period = B.window_days(ctx.config.start, ctx.config.end, ctx.table("orders", columns=["order_time"]))
gathered = B.gather_benefits(ctx.outputs_dir, default_period_days=period, winback_response_rate=winback_response_rate)
case = B.build_case(gathered, params, currency=ctx.currency, step=tornado_step)
display(Markdown(f"## {ctx.t('business.nb.title')}\\n\\n"
                 + ctx.t('business.nb.intro', horizon=horizon_months, ramp=ramp_up_months, rate=discount_rate)))
'''),
    ("code", '''
display(Markdown(f"### {ctx.t('business.nb.h.assumptions')}"))
display(B.assumptions_table(case, ctx.lang))
notes = B.missing_notes(case, ctx.lang)
display(Markdown(f"### {ctx.t('business.nb.h.missing')}\\n\\n"
                 + ("\\n".join(f"- {n}" for n in notes) if notes else ctx.t('business.nb.none_missing'))
                 + ("" if case.benefits else "\\n\\n> " + ctx.t('business.nb.no_benefits'))))
'''),
    ("code", '''
display(Markdown(f"### {ctx.t('business.nb.h.scenarios')}\\n\\n{ctx.t('business.nb.scenarios_note', spread=scenario_spread)}"))
display(B.scenario_display(case, ctx.lang))
for s in B.SCENARIOS:
    if B.irr_note(case, s, ctx.lang):
        display(Markdown(f"> {ctx.t('business.scenario.' + s)}: {B.irr_note(case, s, ctx.lang)}"))
B.plot_cumulative(case, lang=ctx.lang);
'''),
    ("code", '''
display(Markdown(f"### {ctx.t('business.nb.h.cashflow')}"))
display(B.cashflow_display(case, "base", ctx.lang))
'''),
    ("code", '''
display(Markdown(f"### {ctx.t('business.nb.h.tornado')}\\n\\n{ctx.t('business.nb.tornado_note', step=tornado_step)}"))
if len(case.tornado):
    B.plot_tornado(case, lang=ctx.lang)
    display(B.tornado_display(case, ctx.lang))
'''),
    ("code", '''
ctx.write_json(case.to_json(), "business_case.json")
ctx.write_csv(case.cashflows_long().round(2), "business_case_cashflows.csv")
B.write_workbook(case, ctx.output_path("business_case.xlsx"), lang=ctx.lang)
findings = B.findings(case, lang=ctx.lang, currency=ctx.currency)
for text, weight in findings:
    ctx.add_finding(text, section="business_case", weight=weight)
display(Markdown(f"### {ctx.t('business.nb.h.findings')}\\n\\n" + "\\n".join(f"- {text}" for text, _ in findings)
                 + "\\n\\n" + ctx.t('business.nb.files')))
'''),
    ("code", '''
# the ad copies of this campaign (config: copycheck.copies), checked before they go live
copies_file, extra_terms = CC.run_settings(ctx.run_dir)
display(Markdown(f"### {ctx.t('copycheck.nb.h')}"))
if copies_file is not None:
    checked = CC.check_copies(CC.read_copies(copies_file), CC.load_terms(extra_terms), lang=ctx.lang)
    CC.write_report(checked, ctx.output_path("copycheck.xlsx"), lang=ctx.lang)
    ctx.write_csv(checked.hits, "copycheck_hits.csv")
    display(Markdown(ctx.t('copycheck.nb.intro')))
    display(CC.display_table(checked, ctx.lang)[[ctx.t(f"copycheck.col.{c}") for c in ("id", "platform", "text", "status", "hits", "suggestions")]])
    for text, weight in CC.findings(checked, lang=ctx.lang):
        ctx.add_finding(text, section="copycheck", weight=weight)
else:
    display(Markdown("> " + ctx.t('copycheck.nb.none')))
'''),
]

if __name__ == "__main__":
    out = Path(__file__).resolve().parents[1] / "notebooks" / "08_business_case.ipynb"
    write_notebook(out, PARAMS, CELLS, title="# 08 · Business case / 投资回报测算")
    print(out)
