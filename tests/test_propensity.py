"""Purchase propensity and churn (issue 14).

Truths: a tiny table whose features and labels are computed by hand below; scikit-learn's own
metric functions on fixed arrays; the browse signal planted in the sample merchant
(``truth.json["propensity"]``, :mod:`mopkit.data.sample_propensity`) — its realised lift is
recomputed from our features, and the model that sees it must beat both baselines and rank it
among its top features.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import calibration_curve
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from mopkit.data.sample import generate_sample_merchant
from mopkit.errors import DataError, InsufficientDataError, UnknownNameError
from mopkit.propensity import (cutoffs, evaluate, features_at, fit_propensity, labels_at, lift_table, make_model,
                               prepare_activity, reliability)
from mopkit.propensity.models import TREES

COMMITTED = Path(__file__).resolve().parents[1] / "data_samples" / "sample_merchant"
PLANTED = {"long_views_since_purchase", "long_views_30d", "days_since_long_view", "max_dwell_30d"}
T = pd.Timestamp


# --- time split on a tiny table, by hand -------------------------------------------------------

def _tiny():
    orders = pd.DataFrame([
        # customer, time, amount, status, refund, channel, discount
        ("A", "2025-01-01 10:00", 100.0, "paid", 0.0, "tmall", 20.0),
        ("A", "2025-01-03 12:00", 80.0, "refunded", 80.0, "tmall", 0.0),  # full refund: not a purchase
        ("A", "2025-01-05 00:00", 50.0, "paid", 0.0, "douyin", 0.0),
        ("A", "2025-01-10 00:00", 70.0, "paid", 0.0, "douyin", 0.0),  # AT the cutoff: label, not feature
        ("B", "2024-12-01 00:00", 200.0, "paid", 0.0, "wechat", 50.0),
        ("B", "2025-01-02 09:00", 60.0, "cancelled", 0.0, "wechat", 0.0),
        ("B", "2025-02-15 00:00", 90.0, "paid", 0.0, "wechat", 0.0),  # after the 30-day window
        ("C", "2025-01-12 00:00", 40.0, "paid", 0.0, "tmall", 0.0),  # first buys after the cutoff
        ("A", "2025-03-31 00:00", 10.0, "paid", 0.0, "tmall", 0.0),  # makes the windows observable
    ], columns=["customer_id", "order_time", "amount", "status", "refund_amount", "channel", "discount"])
    orders["order_time"] = pd.to_datetime(orders["order_time"])
    events = pd.DataFrame([
        ("A", "2025-01-06 08:00", "view", 200.0),
        ("A", "2025-01-09 08:00", "view", 30.0),
        ("A", "2025-01-09 09:00", "add_to_cart", 5.0),
        ("B", "2025-01-10 00:00", "view", 500.0),  # at the cutoff: not seen
        ("B", "2024-11-20 00:00", "view", 400.0),  # before B's first order, outside 30 days
    ], columns=["customer_id", "event_time", "event_type", "duration_s"])
    events["event_time"] = pd.to_datetime(events["event_time"])
    return orders, events


def test_features_and_labels_by_hand():
    orders, events = _tiny()
    act = prepare_activity(orders, events)
    X = features_at(act, "2025-01-10")
    assert list(X.index) == ["A", "B"]  # C has no purchase before the cutoff
    a, b = X.loc["A"], X.loc["B"]
    # A: purchases 01-01 10:00 (100), 01-05 (50); the refunded order counts as a refund only
    assert a["frequency"] == 2 and a["total_spend"] == 150 and a["monetary"] == 75
    assert a["recency_days"] == 5 and a["tenure_days"] == pytest.approx(8 + 14 / 24)
    assert a["mean_gap_days"] == pytest.approx((4 - 10 / 24) / 1)
    assert a["refunds"] == 1 and a["cancellations"] == 0
    assert a["discount_share"] == pytest.approx(20 / 170)  # (100 + 20) + (50 + 0) list value
    assert a["purchases_30d"] == 2 and a["n_channels"] == 2
    assert a["last_channel_douyin"] == 1 and a["last_channel_tmall"] == 0
    assert a["views_30d"] == 2 and a["long_views_30d"] == 1 and a["carts_30d"] == 1
    assert a["long_views_since_purchase"] == 1 and a["max_dwell_30d"] == 200
    assert a["days_since_event"] == pytest.approx(15 / 24) and a["days_since_long_view"] == pytest.approx(4 - 8 / 24)
    # B: one purchase 40 days before; the cancelled order is counted, the view at the cutoff is not
    assert b["frequency"] == 1 and b["recency_days"] == 40 and np.isnan(b["mean_gap_days"])
    assert b["cancellations"] == 1 and b["long_views_30d"] == 0 and b["max_dwell_30d"] == 0
    assert b["days_since_long_view"] == pytest.approx(51)  # the 2024-11-20 view
    assert b["discount_share"] == pytest.approx(50 / 250)
    y30 = labels_at(act, "2025-01-10", X.index, horizon_days=30)
    assert y30.to_dict() == {"A": 1, "B": 0}  # A buys at the cutoff; B on 02-15, after [01-10, 02-09)
    assert labels_at(act, "2025-01-10", X.index, horizon_days=40).to_dict() == {"A": 1, "B": 1}
    with pytest.raises(DataError, match="ends after the last order day"):
        labels_at(act, "2025-03-15", X.index, horizon_days=30)
    # active_days narrows the population to recent buyers
    assert list(features_at(act, "2025-01-10", active_days=30).index) == ["A"]


def test_cutoffs_do_not_overlap():
    cs = cutoffs("2025-12-31", horizon_days=30, n_train=3)
    assert cs["score"] == T("2026-01-01") and cs["test"] == T("2025-12-02")
    assert cs["train"] == [T("2025-09-03"), T("2025-10-03"), T("2025-11-02")]
    ends = [c + pd.Timedelta(days=30) for c in cs["train"]]
    assert all(e <= n for e, n in zip(ends, cs["train"][1:] + [cs["test"]]))


def test_no_feature_reads_data_at_or_after_cutoff():
    """Change every row at or after the cutoff (values, types, statuses, channels) and add rows:
    the features are identical."""
    s = generate_sample_merchant(seed=5, n_customers=1500)
    o, e, tp = (s.tables[k] for k in ("orders", "events", "touchpoints"))
    c = T("2025-06-01")
    X0 = features_at(prepare_activity(o, e, tp), c)
    rng = np.random.default_rng(0)
    o2, e2, tp2 = o.copy(), e.copy(), tp.copy()
    late = o2["order_time"] >= c
    o2.loc[late, "amount"] *= 3
    o2.loc[late, "status"] = rng.choice(["paid", "refunded", "cancelled"], late.sum())
    o2.loc[late, "refund_amount"] = o2.loc[late, "amount"] * rng.random(late.sum())
    o2.loc[late, "channel"] = rng.choice(sorted(o["channel"].unique()), late.sum())
    o2.loc[late, "order_time"] = c + pd.to_timedelta(rng.integers(0, 200 * 86400, late.sum()), unit="s")
    extra = o[o["order_time"] < c].sample(300, random_state=1).assign(order_time=c, order_id=lambda d: d["order_id"] + "X")
    o2 = pd.concat([o2, extra], ignore_index=True)
    le = e2["event_time"] >= c
    e2.loc[le, "duration_s"] = 999.0
    e2.loc[le, "event_type"] = "view"
    e2 = pd.concat([e2, e[e["event_time"] < c].sample(300, random_state=2).assign(event_time=c)], ignore_index=True)
    lt = tp2["touch_time"] >= c
    tp2.loc[lt, "touch_time"] = c
    X1 = features_at(prepare_activity(o2, e2, tp2), c)
    pd.testing.assert_frame_equal(X0, X1)
    assert late.sum() > 1000 and le.sum() > 1000  # the perturbation touched many rows


# --- metrics against scikit-learn on fixed arrays ----------------------------------------------

def test_metrics_match_scikit_learn_and_hand_lift():
    rng = np.random.default_rng(3)
    y = (rng.random(200) < 0.2).astype(int)
    s = np.clip(0.3 * y + rng.random(200) * 0.7, 0, 1)
    m = evaluate(y, s)
    assert m["roc_auc"] == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert m["pr_auc"] == pytest.approx(average_precision_score(y, s), abs=1e-12)
    assert m["brier"] == pytest.approx(brier_score_loss(y, s), abs=1e-12)
    obs, pred = calibration_curve(y, s, n_bins=10, strategy="quantile")
    rel = reliability(y, s)
    assert np.allclose(rel["observed"], obs) and np.allclose(rel["predicted"], pred)
    # hand case: 20 customers, 4 buyers; the top decile (2 highest scores) holds 2 of them
    y2 = np.array([1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
    s2 = np.linspace(1.0, 0.05, 20)
    lt = lift_table(y2, s2)
    assert lt["customers"].tolist() == [2] * 10
    top = lt.iloc[0]
    assert top["rate"] == 1.0 and top["lift"] == pytest.approx(1.0 / 0.2) and top["capture"] == pytest.approx(0.5)
    assert lt["cum_capture"].iloc[-1] == pytest.approx(1.0)
    assert evaluate(y2, s2)["top_decile_lift"] == pytest.approx(5.0)
    with pytest.raises(InsufficientDataError):
        evaluate(np.zeros(10), np.linspace(0, 1, 10))


def test_unknown_model_name():
    with pytest.raises(UnknownNameError, match="hgb"):
        make_model("xgboost")


# --- the planted browse signal -----------------------------------------------------------------

@pytest.fixture(scope="module")
def sample():
    g = json.loads((COMMITTED / "truth.json").read_text(encoding="utf-8"))["generator"]
    return generate_sample_merchant(seed=g["seed"], n_customers=g["n_customers"], start=g["start"], end=g["end"])


def test_planted_lift_recovered_from_features(sample):
    """truth.json's realised lift, recomputed from our features and labels at its cutoff."""
    real = sample.truth["propensity"]["realised"]
    committed = json.loads((COMMITTED / "truth.json").read_text(encoding="utf-8"))["propensity"]["realised"]
    assert committed == real
    t = sample.tables
    act = prepare_activity(t["orders"], t["events"], t["touchpoints"])
    X = features_at(act, real["cutoff"])
    y = labels_at(act, real["cutoff"], X.index, horizon_days=30).to_numpy()
    flag = (X["long_views_30d"] > 0).to_numpy()
    assert len(X) == real["customers"] and flag.sum() == real["with_long_view"]
    assert y[flag].mean() / y[~flag].mean() == pytest.approx(real["lift"], rel=1e-9)
    assert real["lift"] > 3  # the signal is strong by design


def _subsample(tables, share, seed=0):
    ids = tables["orders"]["customer_id"].unique()
    keep = set(np.random.default_rng(seed).choice(ids, int(len(ids) * share), replace=False))
    return {k: tables[k][tables[k]["customer_id"].isin(keep)] for k in ("orders", "events", "touchpoints")}


@pytest.fixture(scope="module")
def half(sample):
    return _subsample(sample.tables, 0.5)  # half of the buyers keeps the test under a minute


@pytest.fixture(scope="module")
def fitted(half):
    t = half
    return fit_propensity(t["orders"], t["events"], t["touchpoints"], horizon_days=30, churn_days=90, seed=0, lang="en",
                          models=("lightgbm", "hgb", "logistic_rfm", "bgnbd"))


def test_trees_beat_both_baselines_and_find_the_planted_signal(fitted):
    buy = fitted.purchase
    m = buy.metrics
    assert buy.chosen in TREES and buy.trees_win
    for tree in TREES:  # both tree libraries find the signal; they differ by little (README)
        assert m.loc[tree, "pr_auc"] > 1.05 * max(m.loc["logistic_rfm", "pr_auc"], m.loc["bgnbd", "pr_auc"])
    for base in ("logistic_rfm", "bgnbd"):
        assert m.loc[buy.chosen, "pr_auc"] > 1.05 * m.loc[base, "pr_auc"]
    top3 = set(buy.importance["feature"].head(3))
    assert top3 & PLANTED, buy.importance.head(5)
    assert m.loc[buy.chosen, "top_decile_lift"] > 3


def test_scores_cover_every_buyer_with_reasons(fitted):
    s = fitted.scores
    assert s["propensity"].between(0, 1).all() and set(s["decile"]) == set(range(1, 11))
    assert s.loc[s["lapsed"], "churn_risk"].isna().all() and s.loc[~s["lapsed"], "churn_risk"].between(0, 1).all()
    top = s[s["decile"] == 1]
    assert (top["reasons"].str.len() > 0).mean() > 0.9
    assert (s.loc[s["decile"] > 3, "reasons"] == "").all()  # reasons only where a message is worth sending
    assert top["propensity"].min() >= s.loc[s["decile"] == 2, "propensity"].max()
    j = fitted.model_json()
    json.dumps(j, allow_nan=False)
    assert j["purchase"]["chosen"] == fitted.purchase.chosen and set(j["purchase"]["metrics"]) == {"lightgbm", "hgb", "logistic_rfm", "bgnbd"}


def test_deterministic_and_too_short_history():
    s = generate_sample_merchant(seed=11, n_customers=1500)
    t = s.tables
    kw = dict(models=("hgb", "logistic_rfm", "bgnbd"), n_train=2, seed=3)
    a = fit_propensity(t["orders"], t["events"], t["touchpoints"], **kw)
    b = fit_propensity(t["orders"], t["events"], t["touchpoints"], **kw)
    pd.testing.assert_frame_equal(a.scores, b.scores)
    pd.testing.assert_frame_equal(a.purchase.metrics, b.purchase.metrics)
    # below the training cap (the default, 500k rows) nothing changes: same as no cap, and the
    # model file does not mention a sample
    c = fit_propensity(t["orders"], t["events"], t["touchpoints"], max_train_rows=None, **kw)
    pd.testing.assert_frame_equal(a.scores, c.scores)
    assert a.model_json() == c.model_json()
    assert a.settings["max_train_rows"] is None and "training_sample" not in a.model_json()["purchase"]
    short = t["orders"][t["orders"]["order_time"] < "2024-03-01"]
    with pytest.raises(InsufficientDataError, match="too short"):
        fit_propensity(short, n_train=3)


def test_run_writes_scores_model_and_audience(small_run):
    """`mopkit run` (the shared small run of conftest) writes the propensity outputs."""
    from mopkit.layout import read_output

    assert small_run.ok, small_run.summary()
    out = Path(small_run.run_dir) / "outputs"
    assert (out / "propensity_scores.csv").exists()  # a person-sized table stays a CSV
    assert (out / "audiences" / "propensity_top_decile.xlsx").exists()
    scores = read_output(small_run.run_dir, "propensity_scores")
    assert list(scores.columns) == ["customer_id", "propensity", "decile", "churn_risk", "lapsed", "reasons"]
    assert scores["customer_id"].str.startswith("c_").all()  # pseudonyms, never raw ids
    model = json.loads((out / "propensity_model.json").read_text(encoding="utf-8"))
    assert model["purchase"]["chosen"] in model["purchase"]["metrics"]
    top = pd.read_csv(out / "audiences" / "propensity_top_decile.csv", encoding="utf-8-sig")
    assert set(top["customer_id"]) == set(scores.loc[scores["decile"] == 1, "customer_id"])
    assert json.loads((out / "findings" / "propensity.json").read_text(encoding="utf-8"))


def test_missing_column_is_a_clear_error():
    orders, events = _tiny()
    with pytest.raises(DataError, match="event_type"):
        prepare_activity(orders, events.drop(columns=["event_type"]))
    with pytest.raises(DataError, match="no order counts as a purchase"):
        prepare_activity(orders.assign(status="cancelled"))


def test_charts_and_findings_in_both_languages(fitted):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mopkit.propensity import findings
    from mopkit.propensity import plots as PP

    buy = fitted.purchase
    for fn in (PP.plot_roc, PP.plot_pr, PP.plot_calibration):
        ax = fn(buy, "en")
        assert len(ax.get_lines()) >= len(buy.metrics)  # one curve per model
        plt.close(ax.figure)
    ax = PP.plot_lift(buy, "zh")
    assert [round(p.get_height(), 6) for p in ax.patches] == [round(v, 6) for v in buy.lift["lift"]]
    plt.close(ax.figure)
    ax = PP.plot_importance(buy, "zh")
    assert len(ax.patches) == min(10, len(buy.importance))
    plt.close(ax.figure)
    zh, en = findings(fitted, lang="zh"), findings(fitted, lang="en")
    assert len(zh) == len(en) >= 4 and all(0 <= w <= 1 for _, w in zh)
    assert "PR-AUC" in en[0][0] and f"{buy.metrics.loc[buy.chosen, 'pr_auc']:.3f}" in en[0][0]


def test_touches_of_customers_without_orders_change_nothing():
    """Issue 16: customers are numbered over the ordering ones only; a touch or event of someone
    without an order is left out, so every feature and label is what it was with them dropped."""
    orders, events = _tiny()
    touches = pd.DataFrame({"customer_id": ["A", "Z", "B", "Y"], "channel": ["tmall", "tmall", "sms", "wechat"],
                            "touch_time": pd.to_datetime(["2025-01-04", "2025-01-05", "2025-01-06", "2025-01-07"])})
    ev2 = pd.concat([events, events.assign(customer_id="Z")], ignore_index=True)
    a = prepare_activity(orders, ev2, touches)
    b = prepare_activity(orders, events, touches[touches["customer_id"].isin(["A", "B"])])
    for c in ("2025-01-10", "2025-02-01"):
        xa, xb = features_at(a, c), features_at(b, c)
        pd.testing.assert_frame_equal(xa, xb)
        pd.testing.assert_series_equal(labels_at(a, c, xa.index), labels_at(b, c, xb.index))
    assert a.channels == ["douyin", "tmall", "wechat"] and list(a.ids) == ["A", "B", "C"]


def test_training_sample_is_drawn_per_window_as_over_the_stack():
    """Rows sampled per window before stacking = the same seeded positions taken from the full stack."""
    from mopkit.propensity.pipeline import _training_rows

    rng = np.random.default_rng(5)
    frames = [(pd.DataFrame({"a": rng.random(n), "b": rng.random(n)}, index=[f"w{k}_{i}" for i in range(n)]),
               rng.integers(0, 2, n).astype(np.int8)) for k, n in enumerate((700, 0, 450))]
    X, y, sample = _training_rows(frames, 300, seed=3)
    full_X, full_y = pd.concat([f[0] for f in frames]), np.concatenate([f[1] for f in frames])
    idx = np.sort(np.random.default_rng(3).choice(len(full_X), 300, replace=False))
    pd.testing.assert_frame_equal(X, full_X.iloc[idx])
    np.testing.assert_array_equal(y, full_y[idx])
    assert sample == {"rows": 300, "of": 1150}
    X2, y2, none = _training_rows(frames, 1150, seed=3)  # at the cap: every row, no sample
    assert none is None and len(X2) == 1150


def test_capped_training_still_beats_the_baselines(half):
    """Trained on a third of its rows, LightGBM still finds the planted browse signal and beats
    both baselines by the margin; the model file records the sample (only because it was cut)."""
    t = half
    res = fit_propensity(t["orders"], t["events"], t["touchpoints"], horizon_days=30, churn_days=90, seed=0, lang="en",
                         models=("lightgbm", "logistic_rfm", "bgnbd"), max_train_rows=1_500)
    buy, m = res.purchase, res.purchase.metrics
    assert buy.train_sample["rows"] == 1_500 and buy.train_sample["of"] > 3 * 1_500  # the cap was hit
    assert buy.chosen == "lightgbm" and buy.trees_win
    assert m.loc["lightgbm", "pr_auc"] > 1.05 * max(m.loc["logistic_rfm", "pr_auc"], m.loc["bgnbd", "pr_auc"])
    assert m.loc["lightgbm", "top_decile_lift"] > 3
    j = res.model_json()
    assert j["settings"]["max_train_rows"] == 1_500 and j["purchase"]["training_sample"] == buy.train_sample
    assert len(res.scores) == len(res.scores.dropna(subset=["propensity"]))  # every customer is still scored


def test_reasons_equal_the_per_row_wording():
    """The vectorised wording equals a per-row loop over each customer's ranked effects."""
    from mopkit.i18n import t as tr
    from mopkit.propensity import reasons
    from mopkit.propensity.labels import reason_text

    rng = np.random.default_rng(2)
    n = 3_000
    X = pd.DataFrame({"recency_days": rng.integers(0, 400, n).astype(float), "frequency": rng.integers(1, 9, n).astype(float),
                      "long_views_30d": rng.integers(0, 4, n).astype(float), "last_channel_tmall": rng.integers(0, 2, n).astype(float),
                      "monetary": np.round(rng.gamma(3, 50, n), 2)})
    X.loc[rng.random(n) < 0.2, "long_views_30d"] = np.nan  # missing: never a reason
    w = rng.normal(size=X.shape[1])
    scale = np.array([100, 5, 2, 1, 100])

    def predict(Z):
        return 1 / (1 + np.exp(-(np.nan_to_num(Z.to_numpy(float)) / scale) @ w))

    cands = list(X.columns)
    for lang in ("zh", "en"):
        got = reasons(predict, X, cands, lang=lang, top=3)
        eff = np.column_stack([np.where(X[c].isna(), -np.inf, predict(X) - predict(X.assign(**{c: X[c].median()})))
                               for c in cands])
        vals, sep = X.to_numpy(float), tr("propensity.reason.sep", lang)
        want = [sep.join(reason_text(cands[j], vals[i, j], lang) for j in np.argsort(-eff[i], kind="stable")[:3]
                         if eff[i, j] >= 0.005) for i in range(n)]
        assert got.tolist() == want
        assert (got == "").mean() < 0.5 and got.str.contains(sep, regex=False).any()


def test_tables_added_one_at_a_time_give_the_same_features():
    """The notebook's memory-saving route (orders, then events, then touches, each table released
    in turn) gives the features of all tables at once, and never changes the activity it extends."""
    from mopkit.propensity import add_events, add_touchpoints

    s = generate_sample_merchant(seed=4, n_customers=400)
    t = s.tables
    whole = prepare_activity(t["orders"], t["events"], t["touchpoints"])
    base = prepare_activity(t["orders"])
    step = add_touchpoints(add_events(base, t["events"]), t["touchpoints"])
    assert base.events is None and base.touches is None
    c = whole.last_day - pd.Timedelta(days=20)
    pd.testing.assert_frame_equal(features_at(step, c), features_at(whole, c))
    assert {"views_30d", "touches_30d"} <= set(features_at(step, c).columns)
    with pytest.raises(DataError, match="touch_time"):
        add_touchpoints(base, t["touchpoints"].drop(columns=["touch_time"]))
