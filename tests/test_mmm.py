"""Marketing-mix model: transforms, recovery of planted curves, optimiser, refusal, sample truth."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mopkit import mmm
from mopkit.errors import ConfigError, InsufficientDataError, UnknownNameError


def test_adstock_hand_computed():
    # a_t = x_t + 0.5 a_{t-1}: 100, 50+20=70, 35; normalised by (1 - 0.5)
    x = np.array([100.0, 20.0, 0.0])
    assert mmm.geometric_adstock(x, 0.5, normalize=False) == pytest.approx([100.0, 70.0, 35.0])
    assert mmm.geometric_adstock(x, 0.5) == pytest.approx([50.0, 35.0, 17.5])
    # a steady spend keeps its level once the carry-over has built up (normalised)
    assert mmm.geometric_adstock(np.full(200, 80.0), 0.7)[-1] == pytest.approx(80.0)
    two = mmm.geometric_adstock(np.c_[x, 2 * x], 0.5, normalize=False)
    assert two[:, 1] == pytest.approx(2 * two[:, 0])
    with pytest.raises(ValueError):
        mmm.geometric_adstock(x, 1.0)


def test_hill_and_derived_quantities_hand_computed():
    # h(K) = 1/2; S=2, x=2K: 4/(4+1) = 0.8; S=1, x=3K: 3/4; h(0) = 0
    assert mmm.hill(np.array([100.0, 200.0, 0.0]), 100.0, 2.0) == pytest.approx([0.5, 0.8, 0.0])
    assert mmm.hill(300.0, 100.0, 1.0) == pytest.approx(0.75)
    # S=1: h'(x) = K / (x + K)^2 -> at x = K: 1 / (4K)
    assert mmm.hill_derivative(100.0, 100.0, 1.0) == pytest.approx(1 / 400)
    # S=2 at x=K: S/x * 1/4 = 2/(4*100)
    assert mmm.hill_derivative(100.0, 100.0, 2.0) == pytest.approx(2 / 400)
    assert mmm.half_life(0.5) == pytest.approx(1.0)
    assert mmm.half_life(0.0) == 0.0
    # 80 % of the maximum: x = K * 4^(1/S)
    assert mmm.saturation_point(100.0, 2.0) == pytest.approx(200.0)


TRUTH = {"theta": [0.3, 0.6, 0.1], "K": [800.0, 400.0, 1500.0], "S": [1.0, 2.0, 1.5], "beta": [3000.0, 2000.0, 4000.0]}


def _synthetic(seed=1, T=730, noise=300.0):
    """Additive media on a multiplicative baseline; spend in 2-week levels, one pause per channel."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-01-01", periods=T)
    X = np.zeros((T, 3))
    for c, base in enumerate([700.0, 400.0, 1200.0]):
        lvl = np.repeat(rng.uniform(0.3, 1.8, T // 14 + 1), 14)[:T]
        X[:, c] = base * lvl * rng.lognormal(0, 0.3, T)
    for c, day in enumerate((300, 100, 500)):
        X[day:day + 14, c] = 0.0  # each channel paused for two weeks once: anchors the curve at zero spend
    doy = dates.day_of_year.to_numpy()
    base = 10000 * (1 + 0.2 * np.arange(T) / T) * (1 + 0.12 * np.sin(2 * np.pi * doy / 365.25)) * np.where(dates.day_of_week >= 5, 1.08, 1.0)
    contrib = np.column_stack([TRUTH["beta"][c] * mmm.hill(mmm.geometric_adstock(X[:, c], TRUTH["theta"][c]), TRUTH["K"][c], TRUTH["S"][c])
                               for c in range(3)])
    y = base + contrib.sum(axis=1) + rng.normal(0, noise, T)
    frame = pd.DataFrame({"date": dates, "y": y, "a": X[:, 0], "b": X[:, 1], "c": X[:, 2]})
    return frame, contrib


def test_recovers_planted_curves():
    # Planted: TRUTH above; tolerances from the issue: theta +-0.1, K within 25 %, contributions within 15 %.
    frame, contrib = _synthetic()
    m = mmm.MarketingMixModel(n_boot=8, seed=0).fit(frame, ["a", "b", "c"])
    assert m.theta_ == pytest.approx(TRUTH["theta"], abs=0.1)
    assert m.K_ == pytest.approx(TRUTH["K"], rel=0.25)
    assert m.contributions_.sum().to_numpy() == pytest.approx(contrib.sum(axis=0), rel=0.15)
    assert m.r2_ > 0.9 and m.holdout_["mape"] < 0.05
    tab = m.channel_table(frame[["a", "b", "c"]].iloc[-91:].mean())
    assert (tab["theta_low"] <= tab["theta"]).all() and (tab["theta"] <= tab["theta_high"]).all()
    assert tab["contribution_share"].sum() == pytest.approx(1.0)
    # marginal ROAS below average ROAS where the curve is concave past its half-saturation
    assert (tab["marginal_roas"] > 0).all()
    curves = m.response_curves(n_points=11)
    assert set(curves["channel"]) == {"a", "b", "c"} and (curves["low"] <= curves["high"] + 1e-9).all()
    assert (curves.groupby("channel")["response"].apply(lambda s: s.is_monotonic_increasing)).all()
    js = m.to_json()
    assert js["fit"]["holdout"]["days"] == 56 and set(js["channels"]) == {"a", "b", "c"}


def test_fit_is_deterministic():
    frame, _ = _synthetic(seed=3, T=400)
    a = mmm.MarketingMixModel(n_boot=3, seed=5, holdout_days=0).fit(frame, ["a", "b", "c"])
    b = mmm.MarketingMixModel(n_boot=3, seed=5, holdout_days=0).fit(frame, ["a", "b", "c"])
    assert np.array_equal(a.draws_.beta, b.draws_.beta)


def test_optimiser_equal_marginal_returns_closed_form():
    # Two concave channels r_c(s) = beta_c s / (s + K_c) (Hill, S = 1). At the optimum of
    # s1 + s2 = T the marginal returns beta_c K_c / (s_c + K_c)^2 are equal, which gives
    # s_c = sqrt(beta_c K_c) (T + K1 + K2) / (sqrt(beta1 K1) + sqrt(beta2 K2)) - K_c.
    beta, K, T = np.array([5000.0, 2000.0]), np.array([400.0, 300.0]), 1000.0
    curves = mmm.Curves(("x", "y"), np.zeros((1, 2)), K[None], np.ones((1, 2)), beta[None])
    r = np.sqrt(beta * K)
    expected = r * (T + K.sum()) / r.sum() - K
    got = mmm.optimise_allocation(curves, np.array([500.0, 500.0]), max_shift=None)
    assert got == pytest.approx(expected, rel=1e-4)
    m = curves.marginal(got)[0]
    assert m[0] == pytest.approx(m[1], rel=1e-4)
    # with a 20 % cap the optimum is the cap on the side that should grow
    capped = mmm.optimise_allocation(curves, np.array([500.0, 500.0]), max_shift=0.2)
    assert capped == pytest.approx([600.0, 400.0], rel=1e-6) if expected[0] > 600 else capped[0] == pytest.approx(expected[0], rel=1e-4)


def test_plan_and_scenarios_columns_and_bounds():
    curves = mmm.Curves(("x", "y"), np.zeros((1, 2)), np.array([[400.0, 300.0]]), np.ones((1, 2)), np.array([[5000.0, 2000.0]]))
    cur = pd.Series({"x": 500.0, "y": 500.0})
    plan = mmm.plan_with_curves(curves, cur, max_shift=0.2, period_days=30)
    t = plan.table
    for col in ("channel", "model", "roas", "cpa", "current_spend", "proposed_spend", "change", "change_pct",
                "expected_value_change", "expected_conversion_change", "action", "method",
                "expected_value_change_low", "expected_value_change_high", "period_days"):
        assert col in t.columns, col
    assert t["proposed_spend"].sum() == pytest.approx(t["current_spend"].sum())
    assert t["current_spend"].sum() == pytest.approx(1000.0 * 30)
    # hand check: gain = 30 * (r(600, 400) - r(500, 500))
    r = lambda s, b, k: b * s / (s + k)  # noqa: E731
    gain = 30 * (r(600, 5000, 400) + r(400, 2000, 300) - r(500, 5000, 400) - r(500, 2000, 300))
    assert plan.summary["expected_value_change"] == pytest.approx(gain, rel=1e-6)
    sc = mmm.scenarios(curves, cur, max_shift=0.2, period_days=30)
    assert list(sc["scale"]) == [0.8, 1.0, 1.2] and sc["value_optimised"].is_monotonic_increasing
    assert (sc["value_optimised"] >= sc["value_current_split"] - 1e-9).all()
    with pytest.raises(ConfigError):
        mmm.plan_with_curves(curves, cur, max_shift=0.2, bounds={"x": [0, 100]})  # cannot hold the total
    with pytest.raises(ConfigError):
        mmm.plan_with_curves(curves, cur, bounds={"zz": [0, 1]})


def test_refuses_unidentifiable_data():
    frame, _ = _synthetic(T=700)
    short = frame.iloc[:100]
    codes = [p["code"] for p in mmm.identification_problems(short, ["a", "b", "c"], lang="en")]
    assert "too_few_weeks" in codes
    flat = frame.assign(b=500.0)
    probs = mmm.identification_problems(flat, ["a", "b", "c"], lang="zh")
    assert [p["code"] for p in probs] == ["constant_spend"] and probs[0]["channels"] == ["b"]
    assert "微信" not in probs[0]["text"] and "变异系数" in probs[0]["text"]
    twin = frame.assign(c=frame["a"] * 1.7)
    probs = mmm.identification_problems(twin, ["a", "b", "c"], lang="en")
    assert [p["code"] for p in probs] == ["collinear"] and probs[0]["channels"] == ["a", "c"]
    assert "move together" in probs[0]["text"] or "moves together" in probs[0]["text"]
    with pytest.raises(InsufficientDataError, match="cannot identify"):
        mmm.MarketingMixModel(n_boot=0).fit(twin, ["a", "b", "c"])
    assert mmm.identification_problems(frame, ["a", "b", "c"]) == []


@pytest.fixture(scope="module")
def sample():
    from mopkit.data.sample import generate_sample_merchant

    return generate_sample_merchant(seed=2024, n_customers=20_000)


def test_sample_plants_curves_and_plan_beats_current_split(sample):
    from mopkit.data.sample_mmm import true_curves

    t = sample.truth["mmm"]
    assert set(t["curves"]) == set(sample.tables["ad_spend"]["channel"])
    frame = mmm.mmm_frame(sample.tables["orders"], sample.tables["ad_spend"], target="new_gmv")  # as the sample config
    ad = sample.tables["ad_spend"]
    # every channel has no spend during its two-week pause (and spends on other days)
    for c, start in t["schedule"]["pauses"].items():
        p0 = pd.Timestamp(start)
        inside = (frame["date"] >= p0) & (frame["date"] < p0 + pd.Timedelta(days=14))
        assert (frame.loc[inside, c] == 0).all() and (frame.loc[~inside, c] > 0).mean() > 0.95, c
    assert set(ad["channel"]) == set(t["curves"])
    assert mmm.identification_problems(frame, frame.attrs["channels"]) == []
    m = mmm.MarketingMixModel(n_boot=10, seed=0, media="multiplicative").fit(frame)  # as the sample config
    cur = frame[list(m.channels_)].iloc[-91:].mean()
    plan = mmm.plan_with_curves(m.curves(), cur, max_shift=0.2, period_days=30)
    truth = true_curves(t)
    order = [truth.channels.index(c) for c in m.channels_]
    new = plan.table["proposed_spend"].to_numpy() / 30
    true_new = truth.response(np.r_[[new[order.index(i)] for i in range(len(order))]])[0]
    true_cur = truth.response(np.r_[[cur.iloc[order.index(i)] for i in range(len(order))]])[0]
    assert true_new > true_cur  # the optimised plan beats today's split on the planted curves
    # and it captures most of what the planted curves allow under the same 20 % cap (measured: 87 %)
    best = mmm.plan_with_curves(truth, pd.Series(dict(zip(m.channels_, cur.to_numpy()))), max_shift=0.2, period_days=30)
    assert 30 * (true_new - true_cur) > 0.5 * best.summary["expected_value_change"] > 0


def test_mmm_frame_hand_case_and_errors():
    from mopkit.errors import DataError

    orders = pd.DataFrame({
        "order_id": ["o1", "o2", "o3", "o4", "o5"],
        "customer_id": ["u1", "u1", "u2", "u2", "u3"],
        "order_time": pd.to_datetime(["2025-01-01 10:00", "2025-01-02 09:00", "2025-01-01 11:00", "2025-01-03 12:00", "2025-01-03 08:00"]),
        "amount": [100.0, 50.0, 70.0, 30.0, 20.0],
        "status": ["paid", "paid", "cancelled", "paid", "refunded"],
    })
    ad = pd.DataFrame({"date": pd.to_datetime(["2025-01-01", "2025-01-01", "2025-01-03", "2025-01-04"]),
                       "channel": ["Douyin", "douyin", "tmall", "tmall"], "cost": [10.0, 5.0, 8.0, 1.0]})
    f = mmm.mmm_frame(orders, ad)
    # GMV counts every order not cancelled (refunded stays): 1 Jan 100; 2 Jan 50; 3 Jan 30 + 20
    assert f["y"].tolist() == [100.0, 50.0, 50.0] and f.attrs["channels"] == ["douyin", "tmall"]
    assert f["douyin"].tolist() == [15.0, 0.0, 0.0] and f["tmall"].tolist() == [0.0, 0.0, 8.0]
    assert f.attrs["dropped"]["spend rows outside the order days"] == 1
    # first counted order per customer: u1 on 1 Jan (100), u2's first is cancelled -> 3 Jan (30), u3 3 Jan (20)
    n = mmm.mmm_frame(orders, ad, target="new_gmv")
    assert n["y"].tolist() == [100.0, 0.0, 50.0]
    assert mmm.mmm_frame(orders, ad, target="new_customers")["y"].tolist() == [1.0, 0.0, 2.0]
    with pytest.raises(DataError, match="lacks columns"):
        mmm.mmm_frame(orders, ad.drop(columns="cost"))
    # a negative cost is left out and counted, as in the KPIs and attribution (one rule: data.orders)
    from mopkit.data.orders import INVALID_COST

    g = mmm.mmm_frame(orders, ad.assign(cost=[1.0, -1.0, 2.0, 3.0]))
    assert g.attrs["dropped"][INVALID_COST] == 1 and g["douyin"].tolist() == [1.0, 0.0, 0.0]
    assert g["tmall"].tolist() == [0.0, 0.0, 2.0]
    with pytest.raises(DataError, match="unknown MMM target"):
        mmm.mmm_frame(orders, ad, target="profit")


def test_multiplicative_media_recovers_planted_curves():
    # y = base_t * (1 + sum_c b_c h_c): ads work in proportion to the day's baseline (weekday,
    # season, growth). Planted b = [0.3, 0.2, 0.4], noise sd 200; same tolerances as the additive case.
    frame, _ = _synthetic(noise=1.0)
    X = frame[["a", "b", "c"]].to_numpy()
    rng = np.random.default_rng(7)
    doy = frame["date"].dt.day_of_year.to_numpy()
    T = len(frame)
    base = 10000 * (1 + 0.3 * np.arange(T) / T) * (1 + 0.15 * np.sin(2 * np.pi * doy / 365.25))
    b = np.array([0.3, 0.2, 0.4])
    H = np.column_stack([mmm.hill(mmm.geometric_adstock(X[:, c], TRUTH["theta"][c]), TRUTH["K"][c], TRUTH["S"][c]) for c in range(3)])
    contrib = base[:, None] * H * b
    frame["y"] = base + contrib.sum(axis=1) + rng.normal(0, 200, T)
    m = mmm.MarketingMixModel(n_boot=4, seed=0, media="multiplicative").fit(frame, ["a", "b", "c"])
    assert m.theta_ == pytest.approx(TRUTH["theta"], abs=0.1)
    assert m.K_ == pytest.approx(TRUTH["K"], rel=0.25)
    assert m.contributions_.sum().to_numpy() == pytest.approx(contrib.sum(axis=0), rel=0.15)
    # curves are stated at the mean baseline of the last 365 days
    assert m.beta_ == pytest.approx(b * base[-365:].mean(), rel=0.25)
    assert m.contribution_draws()[0] == pytest.approx(m.contributions_.sum().to_numpy(), rel=1e-9)
    with pytest.raises(UnknownNameError):
        mmm.MarketingMixModel(media="log").fit(frame, ["a", "b", "c"])
