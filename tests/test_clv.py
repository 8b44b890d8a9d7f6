"""CLV summary and models against published CDNOW results, lifetimes itself and planted truth."""
from __future__ import annotations

import importlib.util
import pickle
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mopkit.clv import calibration_holdout_split, clv_summary, customer_value, prepare_transactions
from mopkit.clv.models import SpendModel, TransactionModel, check_enough_data, independence_check, select_model
from mopkit.errors import UnknownNameError, InsufficientDataError, ModelError

CAL_END = "1997-09-30"  # 39 weeks (273 days) from 1997-01-01, inclusive: reproduces the published T <= 38.86 weeks


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    """The raw CDNOW sample shipped with lifetimes (2,357 customers), read directly (not via
    lifetimes.datasets, which needs pkg_resources)."""
    path = Path(importlib.util.find_spec("lifetimes").submodule_search_locations[0]) / "datasets" / "CDNOW_sample.txt"
    df = pd.read_csv(path, sep=r"\s+", header=None, names=["customer_id", "id", "order_time", "quantity", "amount"],
                     dtype={"order_time": str})
    df["order_time"] = pd.to_datetime(df["order_time"], format="%Y%m%d")
    return df


@pytest.fixture(scope="module")
def cdnow_cal(cdnow) -> pd.DataFrame:
    cal = cdnow[cdnow["order_time"] <= CAL_END]
    return clv_summary(cal, CAL_END, freq="D", freq_multiplier=7)  # days counted in weeks


@pytest.mark.parametrize("freq,mult,end", [("D", 7, CAL_END), ("D", 1, CAL_END), ("W", 1, "1997-09-28"), ("D", 1, None)])
def test_summary_identical_to_lifetimes(cdnow, freq, mult, end):
    from lifetimes.utils import summary_data_from_transaction_data

    tx = cdnow if end is None else cdnow[cdnow["order_time"] <= end]
    ours = clv_summary(tx, end, freq=freq, freq_multiplier=mult)
    ref = summary_data_from_transaction_data(tx, "customer_id", "order_time", monetary_value_col="amount",
                                             observation_period_end=end, freq=freq, freq_multiplier=mult).sort_index()
    assert len(ours) == 2357
    assert (ours.index.to_numpy() == ref.index.to_numpy()).all()
    for c in ("frequency", "recency", "T"):  # counts of periods: exactly equal
        np.testing.assert_array_equal(ours[c].to_numpy(), ref[c].to_numpy())
    np.testing.assert_allclose(ours["monetary_value"].to_numpy(), ref["monetary_value"].to_numpy(), rtol=1e-12)


def test_summary_identical_with_intraday_times_and_weeks():
    from lifetimes.utils import summary_data_from_transaction_data

    rng = np.random.default_rng(3)
    n = 3000
    tx = pd.DataFrame({"customer_id": rng.integers(0, 300, n).astype(str),
                       "order_time": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 400 * 86400, n), unit="s"),
                       "amount": rng.gamma(2.0, 50.0, n).round(2)})
    for freq in ("D", "W"):
        ours = clv_summary(tx, "2023-12-20 13:00", freq=freq)
        ref = summary_data_from_transaction_data(tx, "customer_id", "order_time", monetary_value_col="amount",
                                                 observation_period_end="2023-12-20 13:00", freq=freq).sort_index()
        np.testing.assert_allclose(ours.to_numpy(), ref.to_numpy(), rtol=1e-12)


def test_bgnbd_reproduces_published_cdnow(cdnow_cal):
    # Fader, Hardie & Lee (2005), Marketing Science 24(2), Table/Section 5: r=0.243, alpha=4.414,
    # a=0.793, b=2.426, LL=-9582.4 (weeks, 39-week calibration).
    m = TransactionModel("bgnbd").fit(cdnow_cal)
    for k, v in {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}.items():
        assert m.params_[k] == pytest.approx(v, abs=1e-3), k
    assert m.loglik_ == pytest.approx(-9582.4, abs=0.1)
    assert m.n_rows_ < len(cdnow_cal)  # fitted on unique histories
    # weighted unique rows and all rows give the same maximum
    full = TransactionModel("bgnbd", weighted=False).fit(cdnow_cal)
    for k in m.params_:
        assert m.params_[k] == pytest.approx(full.params_[k], rel=1e-4)


def test_pareto_nbd_reproduces_published_cdnow(cdnow_cal):
    # Fader & Hardie's Pareto/NBD CDNOW estimates (r=0.553, alpha=10.578, s=0.606, beta=11.669, LL=-9595.0);
    # Nelder-Mead stops at tol 1e-4, hence 0.01 absolute on the larger scale parameters.
    m = TransactionModel("pareto_nbd").fit(cdnow_cal)
    for k, v in {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}.items():
        assert m.params_[k] == pytest.approx(v, abs=0.01 if k in ("alpha", "beta") else 2e-3), k
    assert m.loglik_ == pytest.approx(-9595.0, abs=0.2)


def test_gamma_gamma_reproduces_published_cdnow(cdnow_cal):
    # Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value": p=6.25, q=3.74, gamma=15.44;
    # they also report corr(frequency, mean spend) = 0.11 for the independence check.
    g = SpendModel().fit(cdnow_cal)
    assert g.params_["p"] == pytest.approx(6.25, abs=0.01)
    assert g.params_["q"] == pytest.approx(3.74, abs=0.01)
    assert g.params_["v"] == pytest.approx(15.44, abs=0.01)
    ind = independence_check(cdnow_cal)
    assert ind["corr"] == pytest.approx(0.11, abs=0.01) and ind["ok"] and ind["n"] == 946


def test_models_pickle_and_leave_warning_filters_alone(cdnow_cal):
    before = list(warnings.filters)
    m = TransactionModel("mbgnbd").fit(cdnow_cal)
    assert list(warnings.filters) == before  # lifetimes' simplefilter undone
    m2 = pickle.loads(pickle.dumps(m))
    f, r, T = (cdnow_cal[c].to_numpy() for c in ("frequency", "recency", "T"))
    np.testing.assert_allclose(m2.expected_purchases(10, f, r, T), m.expected_purchases(10, f, r, T))
    pa = m.p_alive(f, r, T)
    assert ((pa >= 0) & (pa <= 1)).all()
    # BG/NBD: customers drop out only right after a repeat purchase, so one-time buyers are alive (FHL 2005)
    bg = TransactionModel("bgnbd").fit(cdnow_cal)
    np.testing.assert_allclose(bg.p_alive(f[f == 0], r[f == 0], T[f == 0]), 1.0)


def test_model_selection_on_holdout(cdnow):
    ch = calibration_holdout_split(cdnow, CAL_END, "1998-06-30", freq="D", freq_multiplier=7)
    # hand count: customers' distinct purchase days after 1997-09-30, repeat purchases by cal customers
    after = cdnow[cdnow["order_time"] > CAL_END].drop_duplicates(["customer_id", "order_time"])
    assert ch["frequency_holdout"].sum() == len(after)
    assert ch["duration_holdout"].iloc[0] == pytest.approx(273 / 7)
    comp = select_model(ch)
    assert set(comp.table.index) == {"bgnbd", "pareto_nbd", "mbgnbd"}
    rmse = comp.table["holdout_rmse"]
    # the margin rule: the lowest-RMSE model only replaces BG/NBD when at least 2 % better
    assert comp.best == (rmse.idxmin() if 1 - rmse.min() / rmse["bgnbd"] >= 0.02 else "bgnbd")
    assert comp.margin >= 0


def test_calibration_holdout_tiny_hand_case():
    tx = pd.DataFrame({"customer_id": ["a", "a", "a", "a", "b", "c"],
                       "order_time": pd.to_datetime(["2024-01-01", "2024-01-01 18:00", "2024-01-05", "2024-01-12",
                                                     "2024-01-03", "2024-01-11"], format="ISO8601"),
                       "amount": [10.0, 5.0, 20.0, 7.0, 3.0, 9.0]})
    ch = calibration_holdout_split(tx, "2024-01-10", "2024-01-15")
    # a: days 1/1 (two orders merged, 15.0) and 1/5 -> frequency 1, recency 4, T 9, mean repeat 20
    assert ch.loc["a"].to_dict() == {"frequency_cal": 1.0, "recency_cal": 4.0, "T_cal": 9.0, "monetary_value_cal": 20.0,
                                     "frequency_holdout": 1.0, "monetary_value_holdout": 7.0, "duration_holdout": 5.0}
    assert ch.loc["b", "T_cal"] == 7.0 and ch.loc["b", "frequency_holdout"] == 0.0
    assert "c" not in ch.index  # first seen in the holdout
    # a shorter holdout recounted alone equals a whole new split with that end
    from mopkit.clv.summary import holdout_frequency

    for end in ("2024-01-11", "2024-01-12", "2024-01-15"):
        full = calibration_holdout_split(tx, "2024-01-10", end)
        np.testing.assert_array_equal(holdout_frequency(tx, "2024-01-10", end, ch.index), full["frequency_holdout"])
    assert holdout_frequency(tx, "2024-01-10", "2024-01-11", ch.index).tolist() == [0.0, 0.0]  # a buys on 1/12


def test_prepare_counts_every_drop():
    orders = pd.DataFrame({"customer_id": ["a", "a", None, "b", "b"],
                           "order_time": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-02-01"]),
                           "amount": [10.0, 20.0, 5.0, 8.0, 9.0], "status": ["paid", "cancelled", "paid", "refunded", "paid"],
                           "refund_amount": [0.0, 0.0, 0.0, 8.0, 0.0]})
    p = prepare_transactions(orders, "2024-01-31")
    assert dict(zip(p.dropped["reason"], p.dropped["rows"])) == {
        "cancelled": 1, "no customer id": 1, "net amount <= 0 (fully refunded or free)": 1, "after observation end": 1}
    assert len(p.transactions) + p.dropped["rows"].sum() == len(orders)


def test_too_little_data_skips_clv_but_keeps_rfm():
    rng = np.random.default_rng(1)
    orders = pd.DataFrame({"customer_id": [f"c{i}" for i in rng.integers(0, 80, 120)],
                           "order_time": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, 120), unit="D"),
                           "amount": rng.gamma(2, 40, 120)})
    summary = clv_summary(orders)
    with pytest.raises(InsufficientDataError, match="at least 200"):
        check_enough_data(summary, 200)
    res = customer_value(orders, min_repeat_customers=200, lang="en")
    assert not res.clv_ok and "at least 200" in res.skipped_reason
    assert len(res.customers) == orders["customer_id"].nunique()
    assert res.customers["churn_basis"].eq("r_score").all() and "clv" not in res.customers
    assert res.model_json()["status"] == "skipped"


def test_retry_ladder_and_clear_failure(cdnow_cal):
    nan_rung = {"note": "broken", "penalizer": float("nan")}  # makes every parameter NaN
    m = TransactionModel("bgnbd", ladder=(nan_rung, {"note": "default"})).fit(cdnow_cal)
    assert m.rung_ == "default" and [a["ok"] for a in m.attempts_] == [False, True]
    with pytest.raises(ModelError, match="did not converge.*broken"):
        TransactionModel("bgnbd", ladder=(nan_rung,)).fit(cdnow_cal)
    with pytest.raises(UnknownNameError, match="bgnbd"):
        TransactionModel("nope").fit(cdnow_cal)


def test_customer_value_on_cdnow(cdnow):
    res = customer_value(cdnow, observation_end="1998-06-30", time_unit="W", holdout_days=273, horizon_days=365,
                         discount_rate=0.1, tier_thresholds={"钻石": 500, "VIP": 150}, lang="zh")
    c = res.customers
    assert res.clv_ok and len(c) == 2349  # 8 zero-amount orders dropped -> 8 customers left out
    assert res.dropped.set_index("reason")["rows"].sum() == 8
    assert (c["exp_purchases_30d"] <= c["exp_purchases_90d"]).all() and (c["exp_purchases_90d"] <= c["exp_purchases_365d"]).all()
    # CLV with a positive discount rate is below the undiscounted value of a year's expected purchases
    assert (c["clv"] <= c["exp_purchases_365d"] * c["expected_order_value"] + 1e-9).all()
    assert set(c["tier"]) == {"钻石", "VIP", "普通"} and (c.loc[c["total_spend"] >= 500, "tier"] == "钻石").all()
    js = res.model_json()
    assert js["chosen_model"] in js["models"] and js["gamma_gamma"]["params"]["q"] > 1


def test_planted_parameters_recovered():
    # The sample merchant plants BG/NBD (days) and Gamma-Gamma parameters but time-warps purchase
    # times (weekday/festival intensity) and same-day purchases merge, so recovery is approximate.
    # Tolerances from fits at 20,000 customers over seeds 2024, 1, 2 (worst deviations seen: r 6 %,
    # alpha 5 %, a 4 %, b 6 %, r/alpha 1.8 %, a/(a+b) 7.4 %, p 5.6 %, q 3.5 %, gamma 11 %, mean spend
    # 1.2 %), with headroom: r, alpha, a, b within 15 %; mean purchase rate r/alpha within 5 %; mean
    # drop-out a/(a+b) within 12 %; Gamma-Gamma p, q, gamma within 15 %; mean order value within 3 %.
    from mopkit.data.sample import generate_sample_merchant

    sm = generate_sample_merchant(seed=2024, n_customers=20_000)
    truth_b, truth_g = sm.truth["bgnbd"], sm.truth["gamma_gamma"]
    orders = sm.tables["orders"]
    paid = orders[orders["status"] == "paid"]  # the process is planted on paid orders
    s = clv_summary(paid, sm.truth["generator"]["end"], freq="D")
    b = TransactionModel("bgnbd").fit(s).params_
    for k in ("r", "alpha", "a", "b"):
        assert b[k] == pytest.approx(truth_b[k], rel=0.15), k
    assert b["r"] / b["alpha"] == pytest.approx(truth_b["r"] / truth_b["alpha"], rel=0.05)
    assert b["a"] / (b["a"] + b["b"]) == pytest.approx(truth_b["a"] / (truth_b["a"] + truth_b["b"]), rel=0.12)
    g = SpendModel().fit(s)
    for k, tk in (("p", "p"), ("q", "q"), ("v", "gamma")):
        assert g.params_[k] == pytest.approx(truth_g[tk], rel=0.15), k
    assert g.population_mean() == pytest.approx(truth_g["expected_order_value"], rel=0.03)


def _assert_summary_equals_lifetimes(tx: pd.DataFrame) -> None:
    """Our summary of ``tx`` (days counted in weeks, to CAL_END) equals lifetimes' own, row for row."""
    from lifetimes.utils import summary_data_from_transaction_data

    ours = clv_summary(tx, CAL_END, freq="D", freq_multiplier=7)
    ref = summary_data_from_transaction_data(tx, "customer_id", "order_time", monetary_value_col="amount",
                                             observation_period_end=CAL_END, freq="D", freq_multiplier=7)
    assert list(ours.index) == list(ref.index)
    for c in ("frequency", "recency", "T"):
        np.testing.assert_array_equal(ours[c].to_numpy(), ref[c].to_numpy())
    np.testing.assert_allclose(ours["monetary_value"].to_numpy(), ref["monetary_value"].to_numpy(), rtol=1e-12)


def _cdnow_str(cdnow):
    out = cdnow.copy()
    out["customer_id"] = pd.array([f"id{i:05d}" for i in out["customer_id"]], dtype="str")  # Arrow-held text ids
    return out


@pytest.mark.parametrize("collision", [False, True])
def test_hashed_customer_grouping_identical_to_lifetimes(cdnow, monkeypatch, collision):
    # The DuckDB-hash grouping (used from HASH_MIN_ROWS rows) and its exact fallback after a
    # detected hash collision must both give lifetimes' summary, ids and order included.
    import mopkit.clv.summary as C
    import mopkit.clv.grouping as G
    from lifetimes.utils import summary_data_from_transaction_data

    monkeypatch.setattr(G, "HASH_MIN_ROWS", 0)
    monkeypatch.setattr(C, "_summary_from_text_keys", lambda *a, **k: None)  # hex-like ids: skip the key sort
    if collision:
        monkeypatch.setattr(G, "_hashed_codes", lambda arr: None)
    tx = _cdnow_str(cdnow)
    ours = clv_summary(tx, CAL_END, freq="D", freq_multiplier=7)
    ref = summary_data_from_transaction_data(tx, "customer_id", "order_time", monetary_value_col="amount",
                                             observation_period_end=CAL_END, freq="D", freq_multiplier=7)
    assert list(ours.index) == list(ref.index)  # lifetimes sorts by id
    for c in ("frequency", "recency", "T"):
        np.testing.assert_array_equal(ours[c].to_numpy(), ref[c].to_numpy())
    np.testing.assert_allclose(ours["monetary_value"].to_numpy(), ref["monetary_value"].to_numpy(), rtol=1e-12)


@pytest.mark.parametrize("ids", ["loader", "shared_prefix", "shared_prefix_shuffled"])
def test_loader_pseudonyms_grouping_identical_to_lifetimes(cdnow, monkeypatch, ids):
    # The loader's 128-bit pseudonyms (c_ + 32 hex digits, 34 bytes) are grouped by packing their
    # first 16 bytes into sort keys and checking that the rest agrees within every group. Real
    # pseudonyms take that path; ids built so that pairs share the first 16 bytes and differ
    # only later must be detected and fall back (hashing / pandas). Every way must give
    # lifetimes' own summary exactly, ids and order included.
    import mopkit.clv.grouping as G
    from mopkit.data.privacy import pseudonymise

    monkeypatch.setattr(G, "HASH_MIN_ROWS", 0)
    used = []
    real = G._group_by_key
    monkeypatch.setattr(G, "_group_by_key", lambda key, bits: used.append(bits) or real(key, bits))
    import mopkit.clv.summary as C

    fast = []
    real_fast = C._summary_from_text_keys
    monkeypatch.setattr(C, "_summary_from_text_keys", lambda *a, **k: fast.append(real_fast(*a, **k)) or fast[-1])
    raw = cdnow["customer_id"].astype(str)
    if ids == "loader":
        pseudo = pseudonymise(raw, "test-salt-0123456789abc", column="customer_id").astype("str")
    else:  # customer k and k+1 share "c_" + 14 hex digits; the last 18 digits differ
        codes = {c: i for i, c in enumerate(raw.unique())}
        pseudo = pd.array([f"c_{codes[c] // 2:014x}{(codes[c] * 7919) % 10**6:018x}" for c in raw], dtype="str")
    tx = cdnow.assign(customer_id=pseudo)
    if ids.endswith("shuffled"):
        tx = tx.sample(frac=1.0, random_state=3)
    assert tx["customer_id"].str.len().eq(34).all() and tx["customer_id"].nunique() == raw.nunique()
    _assert_summary_equals_lifetimes(tx)
    assert used  # the packed-prefix path was tried ...
    assert (fast[0] is None) == (ids != "loader")  # ... and refused exactly when two ids share a key
    if ids == "loader":
        assert used == [56]  # "c_" is constant: 14 hex digits of the first 16 bytes = 56 bits


@pytest.mark.parametrize("fmt,path,clustered", [("c_{:012x}", "one sort", 0), ("{:015x}", "two sorts", 0),
                                                ("{:015x}", "two sorts", 40), ("{:015x}", "two sorts", 2357),
                                                ("C_{:06X}", "hashed", 0)])
@pytest.mark.parametrize("shuffle", [False, True])
def test_hex_key_grouping_identical_to_lifetimes(cdnow, monkeypatch, fmt, path, clustered, shuffle):
    # Pseudonym-like ids (fixed width, lowercase hex) are grouped by sorting packed integer keys:
    # one sort, or a sort by the high part when key + row bits exceed 64 (then groups sharing the
    # high part are reordered: `clustered` ids come in fours differing only in the last digit,
    # so a few such groups (lexsort) or all (second sort)); other ids (upper case) use hashing.
    # Time-ordered rows and shuffled rows take different period-counting branches. All must give
    # lifetimes' summary exactly, ids and their order included (the reference is lifetimes itself).
    import mopkit.clv.grouping as G

    monkeypatch.setattr(G, "HASH_MIN_ROWS", 0)
    used = []
    real = G._group_by_key
    monkeypatch.setattr(G, "_group_by_key", lambda key, bits: used.append(bits) or real(key, bits))
    rng = np.random.default_rng(7)
    digits = int(fmt[-4:-2])  # 12, 15 or 6 hex digits, random: the keys really are that wide
    values = rng.integers(0, 16 ** digits, 2357, dtype=np.int64)
    four = np.arange(clustered)
    values[:clustered] = values[four - four % 4] // 16 * 16 + four % 4  # fours sharing all but the last digit
    assert len(set(values)) == 2357
    codes = {c: fmt.format(int(v)) for c, v in zip(cdnow["customer_id"].unique(), values)}
    tx = cdnow.assign(customer_id=pd.array(cdnow["customer_id"].map(codes), dtype="str"))
    tx = tx.sample(frac=1.0, random_state=1) if shuffle else tx.sort_values("order_time", kind="stable")
    _assert_summary_equals_lifetimes(tx)
    if path == "hashed":
        assert used == []
    else:
        rb = (len(tx) - 1).bit_length()
        assert len(used) == 1 and (used[0] + rb > 64) == (path == "two sorts")


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd", "pareto_nbd"])
def test_numpy_engine_matches_lifetimes_reference(cdnow_cal, model):
    # lifetimes is the reference implementation: same data, its own fitter; our vectorised
    # likelihood with analytic (numeric for Pareto/NBD) gradient must land on the same parameters
    # to 3 decimals and report the log-likelihood lifetimes' objective gives at those parameters.
    import lifetimes

    ours = TransactionModel(model).fit(cdnow_cal)
    ref = TransactionModel(model, engine="lifetimes").fit(cdnow_cal)
    for k in ours.params_:
        assert ours.params_[k] == pytest.approx(ref.params_[k], abs=1e-3 if model != "pareto_nbd" else 1e-2), k
    f, r, T = (cdnow_cal[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    p = np.array(list(ours.params_.values()))
    cls = getattr(lifetimes, {"bgnbd": "BetaGeoFitter", "mbgnbd": "ModifiedBetaGeoFitter", "pareto_nbd": "ParetoNBDFitter"}[model])
    w = np.ones_like(f)
    with warnings.catch_warnings():
        lt_ll = (-cls._negative_log_likelihood(p, f.astype(int), r, T, w, 0.0) if model == "pareto_nbd"
                 else -cls._negative_log_likelihood(np.log(p), f.astype(int), r, T, w, 0.0) * len(f))
    assert ours.loglik_ == pytest.approx(lt_ll, rel=1e-9)
    if model == "pareto_nbd":  # our stable predictions equal lifetimes' where lifetimes' are finite
        fitter = ours._fitter()
        with warnings.catch_warnings():
            np.testing.assert_allclose(ours.expected_purchases(10, f, r, T),
                                       fitter.conditional_expected_number_of_purchases_up_to_time(10, f, r, T), rtol=1e-8)
            np.testing.assert_allclose(ours.p_alive(f, r, T), fitter.conditional_probability_alive(f, r, T), rtol=1e-8)


def test_gamma_gamma_numpy_matches_lifetimes(cdnow_cal):
    ours = SpendModel().fit(cdnow_cal).params_
    ref = SpendModel(engine="lifetimes").fit(cdnow_cal).params_
    for k in ours:
        assert ours[k] == pytest.approx(ref[k], abs=1e-3), k


def test_pareto_subsample_is_seeded_and_stated(cdnow_cal):
    # Above max_customers the fit sees an exact random subsample of customers (without
    # replacement, from the unique-row weights); the same seed gives the same fit.
    a = TransactionModel("pareto_nbd", max_customers=1500, seed=3).fit(cdnow_cal)
    b = TransactionModel("pareto_nbd", max_customers=1500, seed=3).fit(cdnow_cal)
    assert a.n_fit_customers_ == 1500 and a.n_customers_ == 2357
    assert a.params_ == b.params_
    full = TransactionModel("pareto_nbd").fit(cdnow_cal)
    assert full.n_fit_customers_ == 2357
    # 64 % of the customers: mean purchase rate r/alpha within 15 % of the full fit
    assert a.params_["r"] / a.params_["alpha"] == pytest.approx(full.params_["r"] / full.params_["alpha"], rel=0.15)


# --- churn index, model choice, fallbacks (issue 10) ------------------------------------------

def _simulate_bgnbd_family(model: str, params: dict, n: int, t_future: float, seed: int):
    """Histories at each customer's age T and whether they bought in (T, T + t_future], simulated
    from the planted process itself (an independent truth for the churn index): rates lambda ~
    Gamma(r, alpha), drop-out p ~ Beta(a, b); after each purchase (MBG/NBD: also at the first) the
    customer leaves with probability p."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(params["r"], 1.0 / params["alpha"], n)
    p = rng.beta(params["a"], params["b"], n)
    T = rng.uniform(1.0, 40.0, n)
    alive = np.ones(n, bool) if model == "bgnbd" else rng.random(n) >= p
    now, x, tx, future = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n, bool)
    while alive.any():
        now = np.where(alive, now + rng.exponential(1.0 / lam), now)
        in_cal = alive & (now <= T)
        in_future = alive & (now > T) & (now <= T + t_future)
        x += in_cal
        tx = np.where(in_cal, now, tx)
        future |= in_future
        alive &= (now <= T) & (rng.random(n) >= p)  # a purchase after T ends the walk: the label is known
    return x, tx, T, future


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd"])
def test_churn_index_matches_the_planted_process(model):
    # Planted: r=0.25, alpha=4, a=0.8, b=2.5 (weeks; CDNOW-like). With the TRUE parameters, the
    # predicted P(no purchase in 13 weeks) must match the simulated share per decile of the index
    # (40,000 customers: 4,000 per decile, binomial s.e. <= 0.008; tolerance 0.03).
    from mopkit.clv.models import TransactionModel

    params = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
    x, tx, T, future = _simulate_bgnbd_family(model, params, 40_000, 13.0, seed=7)
    m = TransactionModel(model)
    m.params_ = params
    p0 = m.p_no_purchase(13.0, x, tx, T)
    one_time = x == 0
    assert (p0[one_time] < 1).all() and p0[one_time].min() < 0.9  # one-time buyers are not "alive for sure"
    dec = pd.qcut(p0, 10, labels=False, duplicates="drop")
    frame = pd.DataFrame({"dec": dec, "pred": p0, "real": ~future}).groupby("dec").mean()
    assert (frame["pred"] - frame["real"]).abs().max() < 0.03, frame


def test_pareto_churn_index_matches_lifetimes_closed_form(cdnow_cal):
    # lifetimes' ParetoNBDFitter.conditional_probability_of_n_purchases_up_to_time(0, ...) is the
    # closed form; ours integrates the posterior rates by quadrature (finite for heavy buyers too).
    import warnings

    from lifetimes import ParetoNBDFitter

    m = TransactionModel("pareto_nbd").fit(cdnow_cal)
    f, r, T = (cdnow_cal[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    ref = ParetoNBDFitter()
    ref.params_ = pd.Series(m.params_)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = np.asarray(ref.conditional_probability_of_n_purchases_up_to_time(0, 13.0, f, r, T), float)
    np.testing.assert_allclose(m.p_no_purchase(13.0, f, r, T), want, atol=1e-9)


def test_clv_equals_lifetimes_customer_lifetime_value(cdnow_cal):
    # lifetimes: 12 monthly steps of 4.345 weeks, discount (1 + m)^(step); ours: steps of
    # step_days with an annual rate over 365 days. With step_days = 4.345 * 7 and the annual rate
    # equivalent to m = 1 % a month, the two must agree to rounding.
    from lifetimes.utils import _customer_lifetime_value

    from mopkit.clv.value import discounted_clv

    m = TransactionModel("bgnbd").fit(cdnow_cal)
    rep = cdnow_cal[cdnow_cal["frequency"] > 0]
    f, r, T, mv = (rep[c] for c in ("frequency", "recency", "T", "monetary_value"))
    step = 4.345 * 7
    fitter = m._fitter()
    fitter.predict = fitter.conditional_expected_number_of_purchases_up_to_time  # lifetimes attaches it in fit()
    want = _customer_lifetime_value(fitter, f, r, T, mv, time=12, discount_rate=0.01, freq="W").to_numpy()
    ours = discounted_clv(m, mv.to_numpy(), f.to_numpy(), r.to_numpy(), T.to_numpy(), horizon_days=12 * step,
                          discount_rate=1.01 ** (365 / step) - 1, days_per_unit=7.0, step_days=step)
    np.testing.assert_allclose(ours, want, rtol=1e-9)
    assert want.sum() > 0


def test_model_choice_keeps_bgnbd_unless_a_challenger_is_clearly_better(cdnow):
    ch = calibration_holdout_split(cdnow, CAL_END, "1998-06-30", freq="D", freq_multiplier=7)
    loose = select_model(ch, min_improvement=0.0)
    assert loose.best == loose.table["holdout_rmse"].idxmin()
    strict = select_model(ch, min_improvement=1.0)  # nothing can be 100 % better
    assert strict.best == "bgnbd" and "2%" not in strict.rule and "100%" in strict.rule
    rmse = loose.table["holdout_rmse"]
    gain = 1 - rmse.min() / rmse["bgnbd"]
    assert select_model(ch, min_improvement=gain + 1e-9).best == "bgnbd"


@pytest.fixture(scope="module")
def sample_value():
    from mopkit.data.sample import generate_sample_merchant

    sm = generate_sample_merchant(seed=2024, n_customers=20_000)
    return customer_value(sm.tables["orders"], time_unit="W", holdout_days=180, churn_days=90, lang="en")


def test_sample_high_churn_band_mostly_did_not_buy(sample_value):
    res = sample_value
    assert res.comparison.best == "bgnbd"  # the planted model, kept under the margin rule
    cal = res.churn_calibration.set_index("band")
    assert cal.loc["high", "realised_no_purchase"] > 0.85  # "high" means what a merchant thinks it means
    assert cal["realised_no_purchase"].is_monotonic_decreasing  # high > medium > low
    assert (cal["predicted_no_purchase"] - cal["realised_no_purchase"]).abs().max() < 0.06
    c = res.customers
    silent = c["recency_days"] > 500
    assert silent.sum() > 500 and (c.loc[silent, "churn_risk"] == "high").mean() > 0.95
    assert (c.loc[c["order_count"] == 1, "churn_risk"] == "high").any()
    js = res.model_json()
    assert js["churn_index"]["calibration"] and "kept unless" in js["chosen_by"]


def test_cdnow_high_churn_band_mostly_did_not_buy(cdnow):
    res = customer_value(cdnow, observation_end="1998-06-30", time_unit="W", holdout_days=180, churn_days=90, lang="en")
    cal = res.churn_calibration.set_index("band")
    assert cal.loc["high", "realised_no_purchase"] > 0.85 and cal.loc["high", "customers"] > 100


def test_failed_holdout_is_a_visible_fallback(cdnow):
    # a holdout longer than the data: no customer bought before it -> noted, BG/NBD without comparison
    res = customer_value(cdnow, observation_end="1998-06-30", holdout_days=2000, lang="en")
    assert res.comparison is None and res.model.model == "bgnbd"
    assert any(n["kind"] == "holdout_failed" and n["days"] == 2000 for n in res.notes)
    assert res.model_json()["notes"] and res.churn_calibration is None
    from mopkit.clv import notes_text

    en, zh = notes_text(res, "en"), notes_text(res, "zh")
    assert any("holdout of the last 2000 days" in s and "BG/NBD without comparison" in s for s in en)
    assert any("最近 2000 天" in s for s in zh) and len(en) == len(zh) == 2  # holdout, and unchecked churn bands


def test_penalised_retry_fit_is_reported(cdnow_cal):
    from mopkit.clv.value import retry_notes

    def broken(h, c, rung, start=None):
        raise ValueError("optimizer did not converge: planted")

    m = TransactionModel("bgnbd", ladder=({"note": "default", "tol": -1}, {"note": "penalizer 0.001", "penalizer": 1e-3}))
    orig = m._fit_numpy
    m._fit_numpy = lambda h, c, rung, start=None: broken(h, c, rung) if rung["note"] == "default" else orig(h, c, rung, start)
    m.fit(cdnow_cal)
    notes = retry_notes(m, None)
    assert m.rung_ == "penalizer 0.001" and notes and "planted" in notes[0]["why"] and notes[0]["rung"] == "penalizer 0.001"


def _nbd_histories(n: int, r: float, alpha: float, T: float, seed: int) -> pd.DataFrame:
    """Customers who never drop out: Poisson purchases at rate lambda ~ Gamma(r, alpha) over (0, T]."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1.0 / alpha, n)
    x = rng.poisson(lam * T)
    last = np.where(x > 0, T * rng.beta(np.maximum(x, 1), 1.0), 0.0)  # max of x uniforms on (0, T)
    return pd.DataFrame({"frequency": x.astype(float), "recency": np.round(last, 2), "T": T})


def test_pareto_nbd_without_dropout_ends_at_the_edge_on_the_first_rung():
    # Planted: nobody drops out (mu = 0), r = 0.8, alpha = 5. The maximum lies on the edge
    # (mean drop-out rate s / beta -> 0); the fit must end there on its first rung, not fail
    # down the retry ladder, and recover the purchase process.
    s = _nbd_histories(4000, 0.8, 5.0, 52.0, seed=1)
    m = TransactionModel("pareto_nbd").fit(s)
    assert m.rung_ == "default" and len(m.attempts_) == 1
    p = m.params_
    assert p["r"] / p["alpha"] == pytest.approx(0.8 / 5.0, rel=0.05)
    assert p["s"] / p["beta"] * 52.0 < 0.01  # expected drop-outs per customer over the history: ~0
    assert np.median(m.p_alive(s["frequency"], s["recency"], s["T"])) > 0.99


def test_warm_started_refit_reaches_the_same_optimum(cdnow_cal):
    cold = TransactionModel("pareto_nbd").fit(cdnow_cal)
    start = {k: v * 1.2 for k, v in cold.params_.items()}  # near, not at, the optimum
    warm = TransactionModel("pareto_nbd").fit(cdnow_cal, start=start)
    for k in cold.params_:
        assert warm.params_[k] == pytest.approx(cold.params_[k], rel=1e-3), k
    assert warm.loglik_ == pytest.approx(cold.loglik_, abs=1e-4)


def test_tracking_table_counts_repeat_days_like_a_plain_pandas_reference():
    # integer-coded fast path against the obvious pandas computation (distinct purchase days,
    # cohort born by the calibration end, repeat days after the first), on text ids
    from types import SimpleNamespace

    from mopkit.clv.tables import tracking_table

    rng = np.random.default_rng(5)
    n = 3000
    tx = pd.DataFrame({"customer_id": pd.array([f"c_{i:032x}" for i in rng.integers(0, 400, n)], dtype="str"),
                       "order_time": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 400 * 86400, n), unit="s")})
    stub = SimpleNamespace(expected_purchases_new=lambda t: 0.1 * np.asarray(t, float))
    res = SimpleNamespace(observation_end=pd.Timestamp("2025-02-04"), settings={"holdout_days": 90, "time_unit": "W"},
                          comparison=SimpleNamespace(models={"bgnbd": stub}, best="bgnbd"))
    got = tracking_table(res, tx)

    d = pd.DataFrame({"c": tx["customer_id"], "d": tx["order_time"].dt.normalize()}).drop_duplicates()
    first = d.groupby("c")["d"].transform("min")
    keep = first <= res.observation_end - pd.Timedelta(days=90)
    d, first = d[keep], first[keep]
    grid = pd.date_range(first.min(), res.observation_end, freq="7D")
    actual = np.searchsorted(np.sort(d.loc[d["d"] > first, "d"].to_numpy()), grid.to_numpy(), side="right")
    births = ((d.groupby("c")["d"].min() - first.min()).dt.days.to_numpy() + 1) / 7.0
    g = ((grid - first.min()).days.to_numpy() + 1) / 7.0
    model = np.array([0.1 * np.sum(np.maximum(t - births[births < t], 0)) for t in g])
    assert list(got["date"]) == list(grid)
    assert got["actual"].tolist() == actual.tolist()
    np.testing.assert_allclose(got["model"], model, rtol=1e-12)


def test_pareto_started_from_bgnbd_reaches_the_same_optimum(cdnow_cal):
    from mopkit.clv.models import _start_from

    bg = TransactionModel("bgnbd").fit(cdnow_cal)
    start = _start_from("pareto_nbd", {"bgnbd": bg})
    assert start == {"r": bg.params_["r"], "alpha": bg.params_["alpha"], "s": 1.0, "beta": bg.params_["alpha"]}
    assert _start_from("mbgnbd", {"bgnbd": bg}) is None and _start_from("pareto_nbd", {}) is None
    cold = TransactionModel("pareto_nbd").fit(cdnow_cal)
    warm = TransactionModel("pareto_nbd").fit(cdnow_cal, start=start)
    for k in cold.params_:
        assert warm.params_[k] == pytest.approx(cold.params_[k], rel=1e-3), k
    assert warm.loglik_ == pytest.approx(cold.loglik_, abs=1e-4)
