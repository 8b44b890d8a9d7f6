"""Spend join, CPA/ROAS and the budget reallocation on hand-computed cases."""
import numpy as np
import pandas as pd
import pytest

from mopkit.attribution import (attribute, findings, channel_performance, journeys_from_paths,
                                plan_budget, spend_by_channel, spend_coverage)
from mopkit.errors import ConfigError, DataError, InsufficientDataError


@pytest.fixture
def perf():
    credits = pd.DataFrame({"model": "markov", "channel": ["a", "b", "c", "d"],
                            "conversions": [6.0, 3.0, 0.0, 1.0], "value": [600.0, 300.0, 100.0, 50.0]})
    spend = pd.Series({"a": 100.0, "b": 100.0, "c": 100.0, "x": 40.0})
    return credits, spend


def test_spend_by_channel_window_and_validation():
    ad = pd.DataFrame({"date": pd.to_datetime(["2024-01-01", "2024-01-31", "2024-02-01"]),
                       "channel": ["Douyin", "douyin", "wechat"], "cost": [10.0, 5.0, 7.0]})
    s = spend_by_channel(ad, start="2024-01-01", end="2024-01-31")
    assert s.to_dict() == {"douyin": 15.0}
    # invalid costs: left out and counted (the rule the KPI cockpit follows too), never 0, never a stop
    bad = spend_by_channel(ad.assign(cost=[1.0, -2.0, "n/a"]))
    assert bad.to_dict() == {"douyin": 1.0} and bad.attrs["invalid_costs"] == 2
    with pytest.raises(DataError, match="cost"):
        spend_by_channel(ad.drop(columns="cost"))


def test_channel_performance_and_coverage(perf):
    credits, spend = perf
    p = channel_performance(credits, spend).set_index("channel")
    assert p.loc["a", "cpa"] == pytest.approx(100 / 6) and p.loc["a", "roas"] == pytest.approx(6.0)
    assert np.isnan(p.loc["c", "cpa"]) and p.loc["c", "roas"] == pytest.approx(1.0)  # no conversions
    assert p.loc["d", "cost"] == 0 and np.isnan(p.loc["d", "roas"])  # no spend recorded
    cov = spend_coverage(credits, spend, lang="en").set_index("channel")["status"]
    assert cov["a"] == "ok" and "no ad spend" in cov["d"] and "in no journey" in cov["x"]


def test_plan_budget_hand_computed(perf):
    credits, spend = perf
    p = channel_performance(credits, spend)
    # target 2.5: a (ROAS 6) and b (3) may grow by 20% (20 each); c (1) may give 20% but not below 90
    plan = plan_budget(p, roas_target=2.5, max_shift=0.2, min_spend=90)
    ch = plan.table.set_index("channel")["change"].to_dict()
    assert ch == pytest.approx({"a": 10.0, "b": 0.0, "c": -10.0})  # highest ROAS served first
    assert plan.summary["expected_value_change"] == pytest.approx(10 * 6 - 10 * 1)
    assert plan.table["proposed_spend"].sum() == pytest.approx(300.0)  # total unchanged
    assert any("d" in a for a in plan.assumptions)  # d has no spend: said so
    plan0 = plan_budget(p, roas_target=2.5, max_shift=0.2, min_spend=0)
    assert plan0.table.set_index("channel")["change"].to_dict() == pytest.approx({"a": 20.0, "b": 0.0, "c": -20.0})
    # nothing above target: no move
    none = plan_budget(p, roas_target=10, max_shift=0.2)
    assert (none.table["change"] == 0).all() and none.summary["channels_above_target"] == []
    with pytest.raises(ConfigError, match="max_shift"):
        plan_budget(p, max_shift=1.5)
    with pytest.raises(ConfigError, match="markov"):
        plan_budget(p, model="shapley")
    with pytest.raises(InsufficientDataError):
        plan_budget(channel_performance(credits, pd.Series(dtype=float)))


def test_findings_follow_language(perf):
    credits, spend = perf
    j = journeys_from_paths(pd.DataFrame({"path": ["a > b", "b", "a > c"], "conversions": [5, 3, 2],
                                          "non_conversions": [5, 10, 1], "value": [500, 300, 100]}))
    cr = attribute(j, ["last_touch", "markov"])
    p = channel_performance(cr, pd.Series({"a": 50.0, "b": 200.0, "c": 10.0}))
    plan = plan_budget(p, roas_target=3, max_shift=0.3)  # markov ROAS: a 6.0, b 2.7, c 6.7
    assert plan.summary["moved"] > 0
    for lang, word in (("zh", "预算"), ("en", "budget")):
        f = findings(cr, performance=p, plan=plan, lang=lang)
        assert f and all(0 <= w <= 1 for _, w in f)
        assert any(word in text for text, _ in f)


def test_invalid_costs_are_left_out_and_counted_the_same_in_the_kpis():
    from mopkit.data.orders import INVALID_COST
    from mopkit.cockpit.kpi import compute_kpis, prepare_cube

    orders = pd.DataFrame({"order_id": ["1", "2"], "customer_id": ["c1", "c2"], "channel": "douyin", "amount": [30.0, 50.0],
                           "order_time": pd.to_datetime(["2024-01-02", "2024-01-03"])})
    ad = pd.DataFrame({"date": pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-04"]),
                       "channel": "douyin", "cost": [10.0, -5.0, None]})
    cube = prepare_cube(orders, ad_spend=ad)
    assert cube.notes[INVALID_COST] == 2
    k = compute_kpis(cube, freq="M", by_channel=False, metrics=["ad_spend", "roas"]).set_index("metric")["value"]
    assert k["ad_spend"] == 10.0 and k["roas"] == pytest.approx(80.0 / 10.0)  # the same spend as the budget plan's
    assert spend_by_channel(ad).to_dict() == {"douyin": 10.0}


def test_budget_model_fallback_is_stated():
    from mopkit.attribution import choose_budget_model

    credits = pd.DataFrame({"model": ["last_touch", "linear"], "channel": "a", "conversions": 1.0, "value": 1.0})
    assert choose_budget_model(credits, "linear") == ("linear", None)
    chosen, fb = choose_budget_model(credits, "markov", "en")
    assert chosen == "linear"  # the stated order prefers linear to last touch, wherever they sit in the table
    assert "Markov" in fb.tried and "not among the models run" in fb.reason and "Linear" in fb.used
    credits.attrs["skipped"] = {"shapley": "too many channels (14 > 12)"}
    chosen, fb = choose_budget_model(credits, "shapley", "zh")
    assert chosen == "linear" and "too many channels" in fb.reason and "备用方案" in fb.text("zh")
