"""Generate notebooks/05_triggers.ipynb (triggered audiences, holdouts, replay and campaign results)."""
from pathlib import Path

from nbtools import write_notebook

PARAMS = '''
run_dir: str = ""  # run folder made by `mopkit run`; empty: a fresh run of the bundled sample client
lang: str = "zh"  # "zh" or "en": language of every heading, table, chart and audience file
rules: dict = {}  # per-rule overrides of mopkit.triggers.DEFAULTS, e.g. {"browse_abandonment": {"min_view_seconds": 120, "per": "session"}, "winback": {"enabled": False}}
priority: list = ["cart_abandonment", "browse_abandonment", "vip_at_risk", "winback", "replenishment", "second_purchase"]  # highest first: who wins the frequency cap
holdout_share: float = 0.1  # share of each trigger's audience held out (not sent) to measure uplift
cap_hours: float = 16.0  # at most one message per customer within this many hours, across all triggers
quiet_hours: list = [22, 8]  # no sends from 22:00 to 08:00 (local time); [] to send at any hour
opt_out_path: str = ""  # CSV/XLSX of customer ids who opted out (relative to the client config); empty: none
channel_priority: list = ["wecom", "sms", "douyin", "tmall", "xiaohongshu"]  # preferred channel first
coupon_by_tier: dict = {"default": 10}  # coupon value (client currency) by value tier; "default" for the rest
margin: float = 0.5  # gross margin share: a coupon never exceeds max_discount_share x margin x the customer's average order
max_discount_share: float = 0.5  # share of the margin a coupon may give away
replay_days: int = 90  # replay the rules over this many days of history
conversion_days: int = 7  # replay: a customer converts with an order within this many days after the send
campaign_window_days: int = 7  # campaign results: an order within this many days after the send counts
bootstrap: int = 2000  # bootstrap resamples for the revenue intervals
seed: int = 0  # random seed of the bootstrap'''

CELLS = [
    ("code", '''
from IPython.display import Markdown, display
import mopkit.triggers as T
from mopkit.context import open_run

ctx = open_run(run_dir, lang=lang)
has_items = ctx.has("order_items")  # only the columns the rules read (order ids only to join items)
orders = ctx.table("orders", columns=[c for c in T.ORDER_COLUMNS if has_items or c != "order_id"])
data = T.prepare_data(orders, events=ctx.table("events", columns=T.EVENT_COLUMNS) if ctx.has("events") else None,
                      order_items=ctx.table("order_items", columns=T.ITEM_COLUMNS) if has_items else None,
                      customers=ctx.table("customers", columns=T.CUSTOMER_COLUMNS) if ctx.has("customers") else None,
                      clv=T.read_clv(ctx.outputs_dir))
salt = T.client_salt(ctx.run_dir)  # used for the holdout hash and the opt-out ids; never shown or written
links = ctx.table("customer_links") if ctx.has("customer_links") else None  # one person across platforms
opt_out = T.read_opt_out(opt_out_path, salt, base_dir=T.config_dir(ctx.run_dir), links=links) if opt_out_path else None
display(Markdown(f"## {ctx.t('triggers.nb.title')}\\n\\n"
                 + ctx.t("triggers.nb.intro", share=holdout_share, as_of=data.as_of.strftime("%Y-%m-%d %H:%M"))))
'''),
    ("code", '''
res = T.build_triggers(data, salt=salt, rules=rules, priority=priority, holdout_share=holdout_share, cap_hours=cap_hours,
                       quiet_hours=quiet_hours, opt_out=opt_out, replay_days=replay_days, conversion_days=conversion_days,
                       channel_priority=channel_priority, coupon_by_tier=coupon_by_tier, margin=margin,
                       max_discount_share=max_discount_share, lang=ctx.lang)
files = T.rule_files(res.audience, res.rules, lang=ctx.lang, currency=ctx.currency)
for rule, frame in files.items():
    skipped = ctx.write_list(frame, f"triggers/{rule}")  # CSV; XLSX too while a person can work through it
    if skipped:
        display(ctx.note_fallback(skipped, section="triggers"))
ctx.write_csv(res.summary, "triggers_summary.csv")
ctx.write_csv(T.send_log(res.audience, res.as_of), "triggers_send_log.csv")  # next month's campaigns table
display(Markdown(f"### {ctx.t('triggers.nb.h.audience')}\\n\\n"
                 + ctx.t("triggers.nb.audience_note", cap=cap_hours, q0=(quiet_hours or [0, 0])[0], q1=(quiet_hours or [0, 0])[-1])))
for code in res.notes:
    display(Markdown("> " + ctx.t(f"triggers.note.{code}")))
display(T.summary_table(res.summary, ctx.lang).style.hide(axis="index"))
T.plot_suppression(res.summary, lang=ctx.lang);
'''),
    ("code", '''
display(Markdown(f"### {ctx.t('triggers.nb.h.files')}\\n\\n{ctx.t('triggers.nb.files_note')}"))
display(T.preview_table(files, ctx.lang).style.hide(axis="index"))
'''),
    ("code", '''
display(Markdown(f"### {ctx.t('triggers.nb.h.replay')}\\n\\n{ctx.t('triggers.nb.replay_note', days=replay_days)}"))
T.plot_replay(res.replay_daily, lang=ctx.lang);
'''),
    ("code", '''
display(Markdown(f"### {ctx.t('triggers.nb.h.campaigns')}"))
results = None
if ctx.has("campaigns"):
    recipients, dropped = T.campaign_outcomes(ctx.table("campaigns"), orders, window_days=campaign_window_days)
    results = T.campaign_results(recipients, n_boot=bootstrap, seed=seed, window_days=campaign_window_days)
    ctx.write_csv(results, "campaign_results.csv")
    display(Markdown(ctx.t("triggers.nb.campaigns_note", days=campaign_window_days)))
    for _, d in dropped.iterrows():
        display(Markdown("> " + ctx.t("triggers.nb.dropped", rows=int(d["rows"]), reason=d["reason"])))
    display(T.results_table(results, ctx.lang, ctx.currency).style.hide(axis="index"))
    if results["uplift_abs"].notna().any():
        T.plot_uplift(results, lang=ctx.lang)
else:
    display(Markdown("> " + ctx.t("triggers.nb.no_campaigns")))
'''),
    ("code", '''
findings = T.findings(res, lang=ctx.lang, campaigns=results, currency=ctx.currency)
for text, weight in findings:
    ctx.add_finding(text, section="triggers", weight=weight)
display(Markdown(f"### {ctx.t('triggers.nb.h.findings')}\\n\\n" + "\\n".join(f"- {text}" for text, _ in findings)))
'''),
]

if __name__ == "__main__":
    out = Path(__file__).resolve().parents[1] / "notebooks" / "05_triggers.ipynb"
    write_notebook(out, PARAMS, CELLS, title="# 05 · Triggered marketing / 触发式营销")
    print(out)
