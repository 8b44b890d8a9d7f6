"""Campaign results against hand-computed two-proportion intervals and hand-built send logs."""
import math

import numpy as np
import pandas as pd
import pytest

import mopkit.triggers as T
from mopkit.errors import DataError

SENT = pd.Timestamp("2025-03-01 10:00")
Z = 1.959963984540054  # standard normal 97.5 % quantile


def _log(name, n_t, x_t, n_h, x_h, amount=100.0, cost=5.0):
    """A send log with x of n converting (one order of ``amount`` 1 day after the send) per group."""
    rows, orders = [], []
    for group, n, x in (("treatment", n_t, x_t), ("holdout", n_h, x_h)):
        for i in range(n):
            cid = f"{name}-{group}-{i}"
            rows.append((cid, name, group, SENT, cost if (group == "treatment" and i < x) else 0.0))
            if i < x:
                orders.append((cid, SENT + pd.Timedelta(days=1), amount))
    camp = pd.DataFrame(rows, columns=["customer_id", "campaign", "group", "sent_at", "coupon_cost"])
    o = pd.DataFrame(orders, columns=["customer_id", "order_time", "amount"]).assign(status="paid")
    return camp, o


def _wilson(x, n):
    p = x / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


def test_wald_and_newcombe_intervals_by_hand():
    camp, o = _log("c1", 500, 60, 500, 30)
    rec, dropped = T.campaign_outcomes(camp, o, window_days=7)
    assert dropped.empty
    # Wald: 0.12 - 0.06 = 0.06 +- Z * sqrt(.12*.88/500 + .06*.94/500) = 0.06 +- Z * 0.018
    r = T.campaign_results(rec, method="wald").iloc[0]
    assert r["uplift_abs"] == pytest.approx(0.06)
    assert r["uplift_abs_low"] == pytest.approx(0.06 - Z * 0.018, abs=1e-9)
    assert r["uplift_abs_high"] == pytest.approx(0.06 + Z * 0.018, abs=1e-9)
    # Newcombe (1998) method 10: Wilson intervals (l1, u1), (l2, u2) of each rate, then
    # d - sqrt((p1-l1)^2 + (u2-p2)^2) ... d + sqrt((u1-p1)^2 + (p2-l2)^2)
    l1, u1 = _wilson(60, 500)
    l2, u2 = _wilson(30, 500)
    r = T.campaign_results(rec).iloc[0]
    assert r["uplift_abs_low"] == pytest.approx(0.06 - math.sqrt((0.12 - l1) ** 2 + (u2 - 0.06) ** 2), abs=1e-9)
    assert r["uplift_abs_high"] == pytest.approx(0.06 + math.sqrt((u1 - 0.12) ** 2 + (0.06 - l2) ** 2), abs=1e-9)
    assert r["uplift_rel"] == pytest.approx(1.0)
    # revenue: 100 per converter -> 12 vs 6 per recipient; 500 treated -> 3,000 incremental, 30 orders
    assert r["rev_per_recipient_treatment"] == pytest.approx(12.0)
    assert r["incremental_revenue"] == pytest.approx(3000.0)
    assert r["incremental_orders"] == pytest.approx(30.0)
    assert r["cost_per_incremental_order"] == pytest.approx(60 * 5.0 / 30)
    # every converter spends exactly 100, so the revenue interval is 100 x 500 x the bootstrap
    # interval of the rate difference: close to the Wald interval scaled (sd of 0.018 -> 900)
    assert r["incremental_revenue_low"] == pytest.approx(3000 - Z * 900, rel=0.15)
    assert r["incremental_revenue_high"] == pytest.approx(3000 + Z * 900, rel=0.15)
    assert r["verdict"] == "win"


def test_verdict_refuses_a_win_the_interval_does_not_support():
    camp, o = _log("c2", 300, 21, 100, 5)  # 7 % vs 5 %: a point gain, but the interval spans zero
    r = T.campaign_results(T.campaign_outcomes(camp, o)[0]).iloc[0]
    assert r["uplift_abs"] == pytest.approx(0.02)
    assert r["uplift_abs_low"] < 0 < r["uplift_abs_high"]
    assert r["verdict"] == "not_proven"
    assert T.verdict(0.01, 0.05, -10.0, 50.0) == "more_buyers"
    assert T.verdict(-0.05, -0.01, -50.0, -10.0) == "harm"


def test_no_holdout_means_no_uplift():
    camp, o = _log("c3", 200, 20, 0, 0)
    r = T.campaign_results(T.campaign_outcomes(camp, o)[0]).iloc[0]
    assert r["verdict"] == "no_holdout"
    assert r["conv_treatment"] == pytest.approx(0.1)
    assert np.isnan(r["uplift_abs"]) and np.isnan(r["incremental_revenue"])


def test_window_bounds_and_dropped_rows():
    camp = pd.DataFrame({"customer_id": ["a", "b", "c", "d", "d", "e"], "campaign": "w",
                         "group": ["treatment", "treatment", "holdout", "Holdout ", "holdout", "control"],
                         "sent_at": SENT})
    o = pd.DataFrame({"customer_id": ["a", "b", "c", "a"],
                      "order_time": [SENT + pd.Timedelta(days=7), SENT + pd.Timedelta(days=7, seconds=1), SENT,
                                     SENT - pd.Timedelta(hours=1)],
                      "amount": [10.0, 20.0, 30.0, 40.0], "status": "paid"})
    rec, dropped = T.campaign_outcomes(camp, o, window_days=7)
    # a: the order exactly 7 days later counts; b: one second too late; c: at the send itself (not after)
    assert dict(zip(rec["customer_id"], rec["converted"])) == {"a": True, "b": False, "c": False, "d": False}
    assert rec.set_index("customer_id").loc["a", "revenue"] == 10.0
    assert dict(zip(dropped["reason"], dropped["rows"])) == {"group is neither treatment nor holdout": 1,
                                                              "customer listed twice in a campaign (first kept)": 1}
    with pytest.raises(DataError, match="group"):
        T.campaign_outcomes(camp.drop(columns="group"), o)


def test_bootstrap_is_seeded():
    camp, o = _log("c4", 400, 40, 400, 30)
    rec = T.campaign_outcomes(camp, o)[0]
    a = T.campaign_results(rec, seed=3)
    b = T.campaign_results(rec, seed=3)
    pd.testing.assert_frame_equal(a, b)


def test_a_campaigns_interval_does_not_depend_on_the_other_campaigns():
    camp, o = _log("c4", 400, 40, 400, 30)
    o["amount"] = np.random.default_rng(0).gamma(3.0, 40.0, len(o))  # varied spend: a continuous bootstrap
    alone = T.campaign_results(T.campaign_outcomes(camp, o)[0], seed=3)
    camp2, o2 = _log("a_first", 300, 30, 300, 20)  # sorts before c4: it draws first
    both = T.campaign_results(T.campaign_outcomes(pd.concat([camp2, camp]), pd.concat([o2, o]))[0], seed=3)
    pd.testing.assert_frame_equal(both[both["campaign"] == "c4"].reset_index(drop=True), alone)


def test_spender_bootstrap_matches_a_plain_bootstrap():
    """The bootstrap draws only spenders (count ~ Binomial): same distribution as resampling all rows."""
    from mopkit.triggers.campaigns import _bootstrap_mean_diff

    rng = np.random.default_rng(0)
    a = np.where(rng.random(3000) < 0.06, rng.gamma(3, 60, 3000), 0.0)
    b = np.where(rng.random(3000) < 0.04, rng.gamma(3, 60, 3000), 0.0)
    fast = _bootstrap_mean_diff(a, b, 3000, np.random.default_rng(1))
    r = np.random.default_rng(2)
    plain = np.array([r.choice(a, a.size).mean() - r.choice(b, b.size).mean() for _ in range(3000)])
    # analytic standard error of the difference of means, for scale
    se = np.sqrt(a.var() / a.size + b.var() / b.size)
    assert fast.std() == pytest.approx(se, rel=0.06) and plain.std() == pytest.approx(se, rel=0.06)
    assert fast.mean() == pytest.approx(a.mean() - b.mean(), abs=0.1 * se)


def test_purchases_and_revenue_follow_the_clv_definition():
    # mopkit.data.orders.is_purchase: not cancelled and net (amount - refund) > 0; revenue is net
    camp = pd.DataFrame({"customer_id": ["a", "b", "c"], "campaign": "w", "group": "treatment", "sent_at": SENT})
    o = pd.DataFrame({"customer_id": ["a", "b", "c"], "order_time": SENT + pd.Timedelta(days=1),
                      "amount": [100.0, 50.0, 30.0], "refund_amount": [40.0, 50.0, 0.0],
                      "status": ["refunded", "refunded", "cancelled"]})
    rec, _ = T.campaign_outcomes(camp, o, window_days=7)
    got = rec.set_index("customer_id")
    # a: partly refunded, still a purchase worth 60; b: fully refunded; c: cancelled
    assert got["converted"].to_dict() == {"a": True, "b": False, "c": False}
    assert got.loc["a", "revenue"] == 60.0
