"""Tables, findings and charts of the triggers notebook, in both languages."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import mopkit.triggers as T  # noqa: E402
from mopkit.triggers import plots as TP  # noqa: E402

SENT = pd.Timestamp("2025-03-01 10:00")


@pytest.fixture(scope="module")
def results():
    rows, orders = [], []
    for name, (nt, xt, nh, xh) in {"spring": (1000, 150, 1000, 80), "flat": (500, 40, 100, 8), "nohold": (300, 30, 0, 0)}.items():
        for group, n, x in (("treatment", nt, xt), ("holdout", nh, xh)):
            for i in range(n):
                cid = f"{name}{group}{i}"
                rows.append((cid, name, group, SENT))
                if i < x:
                    orders.append((cid, SENT + pd.Timedelta(days=2), 80.0))
    camp = pd.DataFrame(rows, columns=["customer_id", "campaign", "group", "sent_at"])
    o = pd.DataFrame(orders, columns=["customer_id", "order_time", "amount"])
    return T.campaign_results(T.campaign_outcomes(camp, o)[0]).set_index("campaign", drop=False)


def test_verdicts_and_findings_in_words(results):
    assert results.loc["spring", "verdict"] == "win"
    assert results.loc["flat", "verdict"] == "not_proven"  # 8 % vs 8 %
    assert results.loc["nohold", "verdict"] == "no_holdout"
    en = T.results_table(results.reset_index(drop=True), "en")
    assert list(en["Verdict"]) == ["Not proven: the interval includes zero, so no uplift can be claimed",
                                   "No holdout: uplift cannot be measured, only raw rates are shown",
                                   "Worked: conversion and revenue uplift both supported by the intervals"]
    res = T.TriggerResult(audience=pd.DataFrame(), guarded=pd.DataFrame(), summary=pd.DataFrame(
        {"rule": ["winback"], "candidates": [10], "suppressed": [2], "audience": [8], "treatment": [7], "holdout": [1],
         "replay_days": [90], "replay_fired_per_day": [3.0], "replay_conversion_7d": [0.05], "expected_revenue_30d": [1200.0]}),
        replay_daily=pd.DataFrame(), as_of=SENT, rules=["winback"])
    found = T.findings(res, lang="en", campaigns=results.reset_index(drop=True))
    texts = [t for t, _ in found]
    assert found[0][1] == 0.8 and texts[0].startswith("Campaign spring worked: conversion up +7.0 percentage points (95% interval +4.")
    assert any("no uplift can be claimed" in t for t in texts)
    assert any("had no holdout" in t for t in texts)
    assert any("Win-back would fire about 3 times a day" in t and "1,200 CNY" in t for t in texts)
    zh = [t for t, _ in T.findings(res, lang="zh", campaigns=results.reset_index(drop=True))]
    assert any("包含零" in t for t in zh) and any("沉睡客户召回" in t for t in zh)


def test_plots_return_axes(results):
    ax = TP.plot_uplift(results.reset_index(drop=True), lang="en")
    assert ax.get_title() == "Conversion uplift per campaign, with 95% intervals"
    assert len(ax.get_yticklabels()) == 2  # the campaign without a holdout has no interval to draw
    summary = pd.DataFrame({"rule": ["cart_abandonment"], "audience": [5], **{f"suppressed_{r}": [1] for r in T.REASONS}})
    ax = TP.plot_suppression(summary, lang="zh")
    assert sum(p.get_width() for p in ax.patches) == 5 + len(T.REASONS)
    daily = pd.DataFrame({"date": pd.to_datetime(["2025-01-01", "2025-01-03"]), "rule": "winback", "fired": [2, 4]})
    ax = TP.plot_replay(daily, lang="en")
    assert list(ax.lines[0].get_ydata()) == [2, 0, 4]  # the missing day is a zero, not a gap
    plt.close("all")
