"""The Markov model recovers the sample merchant's planted channel process.

The sample merchant walks journeys through a known first-order absorbing chain
(mopkit.data.sample_journeys.TRANSITIONS) and records the exact removal effects and Markov
shares of that chain in ``truth["markov"]``. With ~28,000 converting and ~45,000 other journeys (seed 2024)
the sampling error of a removal effect is about 0.005 and of a share about 0.003, so the
tolerances below (0.02 and 0.01) are about four standard errors.
"""
import numpy as np
import pandas as pd
import pytest

from mopkit.attribution import MarkovAttribution, attribute, build_journeys, journeys_from_paths, transition_matrix
from mopkit.data import sample_journeys as sj

RE_TOL, SHARE_TOL, TRANS_TOL = 0.02, 0.01, 0.02


@pytest.fixture(scope="module")
def merchant():
    from mopkit.data.sample import generate_sample_merchant

    return generate_sample_merchant(seed=2024, n_customers=20_000)


def check_against_truth(m: MarkovAttribution, tm: pd.DataFrame, truth: dict):
    re = m.removal_effects_.set_index("channel")["removal_effect"]
    share = m.credits_.set_index("channel")["conversions"]
    share = share / share.sum()
    for c, true_re in truth["removal_effects"].items():
        assert re[c] == pytest.approx(true_re, abs=RE_TOL), c
        assert share[c] == pytest.approx(truth["markov_shares"][c], abs=SHARE_TOL), c
    assert m.conversion_probability_ == pytest.approx(truth["p_conversion"], abs=0.01)
    for frm, row in truth["transition_matrix"].items():
        f = "(start)" if frm == "start" else frm
        for to, p in row.items():
            col = {"conv": "(conversion)", "null": "(null)"}.get(to, to)
            assert tm.loc[f, col] == pytest.approx(p, abs=TRANS_TOL), (frm, to)


def test_markov_recovers_planted_chain_from_sample_merchant(merchant):
    tables, truth = merchant.tables, merchant.truth["markov"]
    # orders without a tracked journey are left out here: they are not part of the planted chain
    j = build_journeys(tables["touchpoints"], tables["orders"], customers=tables["customers"],
                       lookback_days=truth["lookback_days"], empty_paths="drop")
    assert j.total_conversions == truth["n_converting_journeys"]
    assert j.paths["non_conversions"].sum() == truth["n_null_journeys"]
    m = MarkovAttribution(order=1).fit(j)
    check_against_truth(m, transition_matrix(j), truth)
    # every model runs on it and credits the full total
    res = attribute(j)
    assert np.allclose(res.groupby("model")["conversions"].sum(), j.total_conversions)


def test_markov_recovers_chain_from_simulated_path_table():
    # the same chain, walked directly and given as an aggregated path table
    rng = np.random.default_rng(7)
    paths, conv = sj.simulate_paths(rng, 15_000)
    names = np.asarray(sj.CHANNELS, dtype=object)
    df = pd.DataFrame({"path": [" > ".join(names[p]) for p in paths], "conv": conv.astype(int)})
    table = df.groupby("path", as_index=False).agg(conversions=("conv", "sum"), total=("conv", "size"))
    table["non_conversions"] = table["total"] - table["conversions"]
    j = journeys_from_paths(table.drop(columns="total"))
    m = MarkovAttribution(order=1).fit(j)
    check_against_truth(m, transition_matrix(j), sj.markov_truth())
