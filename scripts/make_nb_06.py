"""Generate notebooks/06_propensity.ipynb (purchase propensity and churn risk)."""
from pathlib import Path

from nbtools import write_notebook

PARAMS = '''
run_dir: str = ""  # run folder made by `mopkit run`; empty: a fresh run of the bundled sample client
lang: str = "zh"  # "zh" or "en": language of every heading, table and chart
horizon_days: int = 30  # propensity: the probability of a purchase in the next horizon_days
churn_days: int = 90  # churn: no purchase in the next churn_days
active_days: int = 365  # churn is asked of customers who bought in the last active_days; the others are "lapsed"
n_train: int = 3  # training cutoffs, one horizon apart, before the test window (at least 2)
models: list = ["lightgbm", "logistic_rfm", "bgnbd"]  # candidates: lightgbm, hgb (scikit-learn trees), logistic_rfm, bgnbd
min_gain: float = 0.05  # trees are used only if their PR-AUC beats both baselines by this share (0.05: 5 %)
clv_model: str = "bgnbd"  # the CLV baseline: "bgnbd" or "mbgnbd"
audience_deciles: list = [1]  # deciles in the coupon / trigger audience (1: the top 10 %)
seed: int = 0  # random seed (training, calibration folds, importance)
max_train_rows: int = 500000  # trained models learn from a seeded sample of at most this many rows (all customers are scored)'''

CELLS = [
    ("code", '''
from IPython.display import Markdown, display
import mopkit.propensity as PR
from mopkit.context import open_run
from mopkit.errors import InsufficientDataError

ctx = open_run(run_dir, lang=lang)
display(Markdown(f"## {ctx.t('propensity.nb.title')}\\n\\n"
                 f"{ctx.t('propensity.nb.intro', h=horizon_days, churn=churn_days, active=active_days)}"))
'''),
    ("code", '''
res, skipped = None, None
try:
    # each table is read (only the columns the features use), indexed and released in turn:
    # at 10M orders the tables are GBs, their index a fraction of that
    activity = PR.prepare_activity(ctx.table("orders", columns=PR.ORDER_COLUMNS))
    if ctx.has("events"):
        activity = PR.add_events(activity, ctx.table("events", columns=PR.EVENT_COLUMNS))
    if ctx.has("touchpoints"):
        activity = PR.add_touchpoints(activity, ctx.table("touchpoints", columns=PR.TOUCH_COLUMNS))
    res = PR.fit_propensity(
        None, activity=activity, horizon_days=horizon_days, churn_days=churn_days, active_days=active_days,
        n_train=n_train, models=models, min_gain=min_gain, clv_model=clv_model, seed=seed, lang=ctx.lang,
        max_train_rows=max_train_rows)
    del activity
except InsufficientDataError as exc:
    skipped = exc.message
    display(Markdown("> " + ctx.t("propensity.nb.skipped", reason=skipped)))
'''),
    ("code", '''
if res is not None:
    buy = res.purchase
    cs = buy.cutoffs
    display(Markdown(f"### {ctx.t('propensity.nb.h.compare')}\\n\\n" + ctx.t(
        "propensity.nb.cutoffs", train=", ".join(str(c.date()) for c in cs["train"]), test=str(cs["test"].date()),
        h=horizon_days, score=str(cs["score"].date()))))
    display(PR.metrics_table(buy, ctx.lang))
    verdict = "propensity.nb.verdict_wins" if buy.trees_win else "propensity.nb.verdict_loses"
    display(Markdown(ctx.t("propensity.nb.compare_note", base=float(buy.test_y.mean())) + "\\n\\n**"
                     + ctx.t(verdict, model=PR.labels.model_label(buy.chosen, ctx.lang), gain=min_gain) + "**"))
'''),
    ("code", '''
if res is not None:
    display(Markdown(f"### {ctx.t('propensity.nb.h.curves')}"))
    PR.plot_roc(res.purchase, ctx.lang)
    PR.plot_pr(res.purchase, ctx.lang);
'''),
    ("code", '''
if res is not None:
    display(Markdown(f"### {ctx.t('propensity.nb.h.lift')}"))
    PR.plot_lift(res.purchase, ctx.lang)
    display(PR.lift_display(res.purchase, ctx.lang))
'''),
    ("code", '''
if res is not None:
    display(Markdown(f"### {ctx.t('propensity.nb.h.calibration')}"))
    PR.plot_calibration(res.purchase, ctx.lang);
'''),
    ("code", '''
if res is not None and res.purchase.importance is not None:
    display(Markdown(f"### {ctx.t('propensity.nb.h.importance')}"))
    PR.plot_importance(res.purchase, ctx.lang)
    display(PR.importance_table(res.purchase, ctx.lang))
'''),
    ("code", '''
if res is not None:
    display(Markdown(f"### {ctx.t('propensity.nb.h.churn')}"))
    if res.churn is not None:
        display(PR.metrics_table(res.churn, ctx.lang))
        verdict = "propensity.nb.verdict_wins" if res.churn.trees_win else "propensity.nb.verdict_loses"
        display(Markdown("**" + ctx.t(verdict, model=PR.labels.model_label(res.churn.chosen, ctx.lang), gain=min_gain) + "**"))
    else:
        display(Markdown("> " + ctx.t("propensity.nb.churn_skipped", reason=res.churn_skipped)))
'''),
    ("code", '''
if res is not None:
    scores = PR.scores_table(res)
    top = PR.audience(res, ctx.lang, deciles=audience_deciles)
    scores_file = ctx.write_table(scores, "propensity_scores")  # .csv, or .parquet beyond what a person opens
    del scores
    ctx.write_json(res.model_json(), "propensity_model.json")
    skipped_xlsx = ctx.write_list(top, "audiences/propensity_top_decile")  # CSV; XLSX too while a person can use it
    display(Markdown(f"### {ctx.t('propensity.nb.h.scores')}\\n\\n" + ctx.t(
        "propensity.nb.scores_note", n=len(top), scores=f"outputs/{scores_file.name}",
        audience="outputs/audiences/propensity_top_decile." + ("csv" if skipped_xlsx else "xlsx"))))
    if skipped_xlsx:
        display(ctx.note_fallback(skipped_xlsx, section="propensity"))
    display(PR.decile_summary(res, ctx.lang))
'''),
    ("code", '''
if res is not None:
    found = PR.findings(res, lang=ctx.lang, currency=ctx.currency)
    for text, weight in found:
        ctx.add_finding(text, section="propensity", weight=weight)
    display(Markdown(f"### {ctx.t('propensity.nb.h.findings')}\\n\\n" + "\\n".join(f"- {text}" for text, _ in found)))
'''),
]

if __name__ == "__main__":
    out = Path(__file__).resolve().parents[1] / "notebooks" / "06_propensity.ipynb"
    write_notebook(out, PARAMS, CELLS, title="# 06 · Propensity / 购买意向与流失")
    print(out)
