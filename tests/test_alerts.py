"""Alerts on a hand-built four-week fixture; every expected number is computed in comments."""
import numpy as np
import pandas as pd
import pytest

from mopkit.cockpit import alerts, kpi
from mopkit.errors import ConfigError

# Four full weeks, Mon 2024-03-04 .. Sun 2024-03-31; one order and one ad row per channel on each
# Wednesday. douyin: GMV 50/week, no refunds; CTR 100/1000 then 50/1000 in week 4; cost 100.
# wechat: GMV 300/week, refunds 30 (10 %) then 120 (40 %) in week 4; CTR 100/1000; cost 100.
END = "2024-03-31"
WEDS = pd.date_range("2024-03-06", periods=4, freq="7D")
ORDERS = pd.DataFrame({
    "order_id": [f"{c}{i}" for i in range(4) for c in ("d", "w")],
    "customer_id": [f"{c}{i}" for i in range(4) for c in ("d", "w")],
    "order_time": np.repeat(WEDS, 2),
    "amount": [50.0, 300.0] * 4,
    "channel": ["douyin", "wechat"] * 4,
    "status": "paid",
    "refund_amount": [0, 30, 0, 30, 0, 30, 0, 120.0],
})
ADS = pd.DataFrame({
    "date": np.repeat(WEDS, 2), "channel": ["douyin", "wechat"] * 4,
    "impressions": 1000, "clicks": [100, 100, 100, 100, 100, 100, 50, 100], "cost": 100.0,
})


@pytest.fixture(scope="module")
def cube():
    return kpi.prepare_cube(ORDERS, None, ADS)


def test_weekly_alerts_match_hand_computation(cube):
    # the data stops on Wed 03-27, (week of 03-25), so without as_of the last complete week is the one of 03-18
    assert alerts.last_complete_week(cube) == pd.Timestamp("2024-03-18")
    assert alerts.last_complete_week(cube, as_of="2024-03-31") == pd.Timestamp("2024-03-25")
    # the fixture has a handful of orders a week: judge refunds from one order on
    rules = alerts.rules_from_config({"roas_target": 2, "ctr_drop_pct": 20, "refund_spike_factor": 1.5,
                                      "refund_min_orders": 1})
    a = alerts.check_alerts(cube, rules, lang="en", as_of=END).set_index(["rule", "channel"])
    expected = {
        # ROAS week 4: douyin 50/100 = 0.5 (< 50 % of 2 -> high); all 350/200 = 1.75 (87.5 % -> low)
        ("roas_below_target", "douyin"): ("high", 0.5, 2.0),
        ("roas_below_target", "all"): ("low", 1.75, 2.0),
        # CTR: douyin 0.1 -> 0.05, a 50 % drop (>= 2 x 20 % -> high); all 0.1 -> 150/2000 = 0.075, 25 % -> medium
        ("ctr_drop", "douyin"): ("high", 0.05, 0.1),
        ("ctr_drop", "all"): ("medium", 0.075, 0.1),
        # refunds: wechat 0.4 vs 0.1 mean (4x, >= 2 x 1.5 -> high); all 120/350 vs 30/350 -> 4x high
        ("refund_spike", "wechat"): ("high", 0.4, 0.1),
        ("refund_spike", "all"): ("high", 120 / 350, 30 / 350),
    }
    assert set(a.index) == set(expected)
    for key, (sev, value, ref) in expected.items():
        assert a.at[key, "severity"] == sev, key
        assert a.at[key, "value"] == pytest.approx(value), key
        assert a.at[key, "reference"] == pytest.approx(ref), key
    assert list(a["severity"]) == sorted(a["severity"], key=alerts.SEVERITIES.index)  # worst first
    assert "0.50" in a.at[("roas_below_target", "douyin"), "message"]


def test_refund_spike_needs_enough_orders_to_be_judged(cube):
    # the same 4x refund spike, but with the default minimum of 100 orders a channel-week the
    # fixture's few orders are too few to call it: no refund alert (a couple of refunds is noise)
    rules = alerts.rules_from_config({"roas_target": None, "ctr_drop_pct": None, "refund_spike_factor": 1.5})
    assert alerts.check_alerts(cube, rules, lang="en", as_of=END).empty
    rules = alerts.rules_from_config({"roas_target": None, "ctr_drop_pct": None, "refund_spike_factor": 1.5,
                                      "refund_min_orders": 1})
    assert set(alerts.check_alerts(cube, rules, lang="en", as_of=END)["rule"]) == {"refund_spike"}


def test_rules_can_be_switched_off_and_chinese_messages(cube):
    rules = alerts.rules_from_config({"roas_target": None, "ctr_drop_pct": 60, "refund_spike_factor": 5})
    a = alerts.check_alerts(cube, rules, lang="zh", as_of=END)
    assert a.empty  # ctr falls 50 % < 60 %; refund ratio 4 < 5; no ROAS target
    a = alerts.check_alerts(cube, alerts.AlertRules(roas_target=2.0), lang="zh", as_of=END)
    assert any("抖音" in m for m in a["message"])


def test_forecast_alert(cube):
    # actual daily GMV is 350 on each Wednesday; forecast 175 on those 4 days:
    # WAPE = 4 * 175 / (4 * 350) = 0.5 > 0.3 -> fires, 0.5 / 0.3 < 2 -> medium
    fc = pd.DataFrame({"date": WEDS, "point": 175.0, "lower": 100.0, "upper": 250.0, "model": "x", "metric": "gmv"})
    assert alerts.forecast_error(cube, fc) == {"target": "gmv", "days": 4, "wape": pytest.approx(0.5), "skipped": None}
    a = alerts.check_alerts(cube, alerts.AlertRules(roas_target=None, ctr_drop_pct=None, refund_spike_factor=None),
                            forecast=fc, lang="en")
    assert a["rule"].tolist() == ["forecast_off"] and a.at[0, "severity"] == "medium"
    assert a.at[0, "value"] == pytest.approx(0.5) and a.at[0, "reference"] == 4
    # a net-sales forecast is compared with net sales (one definition): Wednesdays 350 - refunds
    # 30, 30, 30, 120 -> |320-175| x 3 + |230-175| = 490 over 3 x 320 + 230 = 1190
    net = alerts.forecast_error(cube, fc.assign(metric="net_sales"))
    assert net["target"] == "net_sales" and net["wape"] == pytest.approx(490 / 1190)
    # the metric is read, never guessed from the scale: 2 orders/day named "orders" fit exactly ...
    assert alerts.forecast_error(cube, fc.assign(point=2.0, metric="orders"))["wape"] == pytest.approx(0.0)
    # ... and a forecast that names no KPI is not checked, with the reason as a visible fallback
    fo = fc.drop(columns="metric").assign(point=2.0, target="orders", refunds="net")
    got = alerts.forecast_error(cube, fo)
    assert np.isnan(got["wape"]) and "no KPI counterpart" in got["skipped"]
    a = alerts.check_alerts(cube, alerts.AlertRules(roas_target=None, ctr_drop_pct=None, refund_spike_factor=None),
                            forecast=fo, lang="en")
    assert a.empty and "forecast-miss" in a.attrs["fallbacks"][0].text("en")
    # a forecast of future days only cannot be checked: no alert
    future = fc.assign(date=pd.date_range("2024-04-01", periods=4))
    assert np.isnan(alerts.forecast_error(cube, future)["wape"])


def test_bad_config():
    with pytest.raises(ConfigError, match="roas_goal"):
        alerts.rules_from_config({"roas_goal": 2})
    with pytest.raises(ConfigError, match="number"):
        alerts.rules_from_config({"ctr_drop_pct": "a lot"})
