"""Attribution models against hand-computed numbers, a published example and properties."""
import numpy as np
import pandas as pd
import pytest

from mopkit.attribution import (MODELS, MarkovAttribution, attribute, get_model, journeys_from_paths,
                                shapley, shapley_values, transition_matrix)
from mopkit.attribution import heuristic as h
from mopkit.errors import ConfigError, ModelError


def credits(df):
    return df.set_index("channel")["conversions"].to_dict(), df.set_index("channel")["value"].to_dict()


@pytest.fixture
def tiny():
    # 4 conversions worth 160 in total; one path of 3 non-conversions.
    return journeys_from_paths(pd.DataFrame({
        "path": ["a > b > c", "b > c", "c", "direct > a > direct"],
        "conversions": [1, 2, 0, 1],
        "non_conversions": [0, 0, 3, 0],
        "value": [100.0, 50.0, 0.0, 10.0],
    }))


def test_channelattribution_three_path_example_exact_markov():
    # ChannelAttribution (Altomare & Loris) markov_model documentation example: three converting
    # paths, no nulls. By hand: removing A sends every journey to null (RE=1); removing B leaves
    # A -> conv with probability 3/6 (A->B 3, A->conv 3, self-loops ignored) so RE=0.5;
    # credits 3 * (1, 0.5) / 1.5 = A 2, B 1. The package's simulation reports ~1.99 / 1.01.
    df = pd.DataFrame({"path": ["A > B > A > B > B > A", "A > B > B > A > A", "A > A"],
                       "conversions": [1, 1, 1], "non_conversions": [0, 0, 0]})
    for collapse in (True, False):
        m = MarkovAttribution(order=1).fit(journeys_from_paths(df, collapse_repeats=collapse))
        c, _ = credits(m.credits_)
        assert c["a"] == pytest.approx(2.0, abs=1e-12)
        assert c["b"] == pytest.approx(1.0, abs=1e-12)
        re = m.removal_effects_.set_index("channel")["removal_effect"]
        assert re["a"] == pytest.approx(1.0) and re["b"] == pytest.approx(0.5)


def test_first_last_last_non_direct(tiny):
    # by hand from the fixture: first touches a, b, b, direct; last touches c, c, c, direct
    assert credits(h.first_touch(tiny))[0] == pytest.approx({"a": 1, "b": 2, "c": 0, "direct": 1})
    assert credits(h.last_touch(tiny))[0] == pytest.approx({"a": 0, "b": 0, "c": 3, "direct": 1})
    # direct > a > direct: the last non-direct touch is a
    c, v = credits(h.last_non_direct(tiny))
    assert c == pytest.approx({"a": 1, "b": 0, "c": 3, "direct": 0})
    assert v == pytest.approx({"a": 10, "b": 0, "c": 150, "direct": 0})


def test_linear_and_position_based(tiny):
    # linear: a 1/3 + 1/3, b 1/3 + 2*1/2, c 1/3 + 2*1/2, direct 2/3; values 100, 50 (b > c in all), 10
    c, v = credits(h.linear(tiny))
    assert c == pytest.approx({"a": 2 / 3, "b": 4 / 3, "c": 4 / 3, "direct": 2 / 3})
    assert v == pytest.approx({"a": 110 / 3, "b": 100 / 3 + 25, "c": 100 / 3 + 25, "direct": 20 / 3})
    # 40/20/40: a>b>c .4/.2/.4; b>c split .5/.5 (x2); direct>a>direct .4+.4 to direct, .2 to a
    c, _ = credits(h.position_based(tiny))
    assert c == pytest.approx({"a": 0.6, "b": 1.2, "c": 1.4, "direct": 0.8})


def test_time_decay_on_path_table_counts_steps(tiny):
    # half-life of one step: weights 1/4, 1/2, 1 from first to last touch, normalised per path
    c, _ = credits(h.time_decay(tiny, half_life_days=1.0))
    assert c == pytest.approx({"a": 1 / 7 + 2 / 7, "b": 2 / 7 + 2 / 3, "c": 4 / 7 + 4 / 3, "direct": 5 / 7})
    assert any("time decay" in n for n in tiny.notes)


def test_shapley_matches_zhao_closed_form(tiny):
    # Zhao et al. (2018): phi_c = sum over converting channel sets T containing c of conv(T)/|T|.
    # sets: {a,b,c}: 1, {b,c}: 2, {a,direct}: 1  ->  a 1/3+1/2, b 1/3+1, c 1/3+1, direct 1/2
    c, v = credits(shapley(tiny))
    assert c == pytest.approx({"a": 5 / 6, "b": 4 / 3, "c": 4 / 3, "direct": 0.5})
    assert v == pytest.approx({"a": 100 / 3 + 5, "b": 100 / 3 + 25, "c": 100 / 3 + 25, "direct": 5})


def test_shapley_values_glove_game():
    # textbook glove game: players 0 (left glove), 1 and 2 (right gloves); v=1 iff 0 and a right
    # glove are together. Shapley = (2/3, 1/6, 1/6).
    v = np.array([0, 0, 0, 1, 0, 1, 0, 1], dtype=float)  # bitmask: bit0 = player 0
    assert shapley_values(v, 3) == pytest.approx([2 / 3, 1 / 6, 1 / 6])


def test_shapley_rate_sums_to_total_and_refuses_many_channels(tiny):
    c, v = credits(shapley(tiny, value_function="conversion_rate"))
    assert sum(c.values()) == pytest.approx(4.0)
    assert sum(v.values()) == pytest.approx(160.0)
    many = journeys_from_paths(pd.DataFrame({"path": [" > ".join(f"ch{i}" for i in range(16))], "conversions": [1]}))
    with pytest.raises(ModelError, match="2\\*\\*16"):
        shapley(many)
    with pytest.raises(ConfigError, match="conversions"):
        shapley(tiny, value_function="nope")


def random_paths(seed, n_paths=300, n_channels=6):
    rng = np.random.default_rng(seed)
    chans = [f"c{i}" for i in range(n_channels)]
    rows = []
    for _ in range(n_paths):
        k = rng.integers(1, 7)
        rows.append({"path": " > ".join(rng.choice(chans, size=k)), "conversions": int(rng.integers(0, 4)),
                     "non_conversions": int(rng.integers(0, 6)), "value": float(rng.gamma(2, 50))})
    df = pd.DataFrame(rows)
    df.loc[df["conversions"] == 0, "value"] = 0.0
    return df


def _brute_force_markov(df: pd.DataFrame, k: int) -> tuple[dict, float]:
    """Reference removal effects of the order-k chain, written independently of mopkit: states
    are tuples of the last k channels (shorter at the start), transitions counted in dicts, and
    P(conversion from start) summed over walks length by length (x <- r + P x from 0, i.e. the
    walks of length <= n) until it stops changing, instead of solving the linear system."""
    from collections import Counter, defaultdict

    trans, conv, null = defaultdict(Counter), Counter(), Counter()
    for path, nc, nn in df[["path", "conversions", "non_conversions"]].itertuples(index=False):
        chans = [c.strip() for c in path.split(">")]
        prev = ("(start)",)
        for i in range(len(chans)):
            state = tuple(chans[max(0, i - k + 1): i + 1])
            trans[prev][state] += nc + nn
            prev = state
        conv[prev] += nc
        null[prev] += nn
    states = set(trans) | {t for d in trans.values() for t in d}

    def p_conv(removed=None):
        x = dict.fromkeys(states, 0.0)
        for _ in range(100_000):
            new = {}
            for st in states:
                out = sum(trans[st].values()) + conv[st] + null[st]
                if (removed is not None and removed in st) or out == 0:
                    new[st] = 0.0  # a removed channel's states lead to null
                else:
                    new[st] = (conv[st] + sum(n * x[t] for t, n in trans[st].items())) / out
            if max(abs(new[st] - x[st]) for st in states) < 1e-15:
                return new[("(start)",)]
            x = new
        raise AssertionError("the walk sum did not converge")

    base = p_conv()
    channels = sorted({c for st in states for c in st} - {"(start)"})
    return {c: 1 - p_conv(c) / base for c in channels}, base


@pytest.mark.parametrize("order", [1, 2, 3])
def test_markov_higher_orders_match_a_brute_force_reference(order):
    # A tiny case with loops (a > b > a ...) where memory matters: after "a > b" a journey
    # converts, after "c > b" it mostly does not. mopkit's sparse LU solution must give the
    # brute-force reference's conversion probability, removal effects and credits (removal
    # effects rescaled to the 10 conversions) to 1e-9.
    df = pd.DataFrame({
        "path": ["a > b", "c > b", "a > b > a > b", "c > b > c", "b > a > c > b", "c > a > b", "b", "a > c"],
        "conversions": [3, 0, 2, 0, 1, 3, 1, 0],
        "non_conversions": [0, 4, 1, 2, 1, 0, 2, 3],
    })
    ref, p = _brute_force_markov(df, order)
    m = MarkovAttribution(order=order).fit(journeys_from_paths(df, collapse_repeats=False))
    assert m.conversion_probability_ == pytest.approx(p, abs=1e-9)
    re = m.removal_effects_.set_index("channel")["removal_effect"]
    for c, v in ref.items():
        assert re[c] == pytest.approx(v, abs=1e-9), c
    total = sum(ref.values())
    got = m.credits_.set_index("channel")["conversions"]
    for c, v in ref.items():
        assert got[c] == pytest.approx(v / total * 10, abs=1e-9), c
    if order > 1:  # memory changes the answer on this case: the test really reaches orders 2-3
        assert max(abs(v - w) for v, w in zip(ref.values(), _brute_force_markov(df, 1)[0].values())) > 0.01


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("collapse", [True, False])
def test_markov_chain_reproduces_observed_rates(order, collapse):
    df = random_paths(order * 10 + collapse)
    j = journeys_from_paths(df, collapse_repeats=collapse)
    m = MarkovAttribution(order=order).fit(j)
    # the maximum-likelihood chain reproduces the observed conversion rate and value per journey
    # exactly (flow conservation: expected visits = observed visits / journeys)
    n = df["conversions"].sum() + df["non_conversions"].sum()
    assert m.conversion_probability_ == pytest.approx(df["conversions"].sum() / n, rel=1e-9)
    assert m.value_per_journey_ == pytest.approx(df["value"].sum() / n, rel=1e-9)


def test_all_models_sum_to_totals_and_registry():
    df = random_paths(7)
    j = journeys_from_paths(df)
    res = attribute(j, list(MODELS))
    sums = res.groupby("model")[["conversions", "value"]].sum()
    assert np.allclose(sums["conversions"], df["conversions"].sum())
    assert np.allclose(sums["value"], df["value"].sum())
    assert set(res["model"]) == set(MODELS)
    assert res.groupby("model")["conversion_share"].sum().round(9).eq(1).all()
    # a comma-separated string (papermill -p models "...") names the same models
    assert set(attribute(j, '["linear", "markov"]')["model"]) == {"linear", "markov"}
    with pytest.raises(ConfigError) as e:
        get_model("markovv")
    assert "shapley" in str(e.value) and "time_decay" in str(e.value)
    with pytest.raises(ConfigError, match="markov_order"):
        MarkovAttribution(order=4).fit(j)


def test_transition_matrix_rows_sum_to_one(tiny):
    tm = transition_matrix(tiny)
    assert np.allclose(tm.sum(axis=1), 1.0)
    # from the fixture: start -> a 1, b 2, c 3, direct 1 journeys (7 in all)
    assert tm.loc["(start)", "c"] == pytest.approx(3 / 7)
    assert tm.loc["c", "(null)"] == pytest.approx(3 / 6)


def test_attribute_can_skip_a_refused_model_with_its_reason():
    many = journeys_from_paths(pd.DataFrame({"path": [" > ".join(f"ch{i}" for i in range(16)), "ch0"],
                                             "conversions": [1, 2]}))
    res = attribute(many, ["linear", "shapley"], skip_refused=True)
    assert set(res["model"]) == {"linear"}
    assert "2**16" in res.attrs["skipped"]["shapley"]
    with pytest.raises(ModelError):
        attribute(many, ["linear", "shapley"])
