"""Association rules against a brute-force count and against mlxtend on the same baskets."""
import itertools

import numpy as np
import pandas as pd
import pytest

from mopkit.cockpit.basket import association_rules, pair_matrix
from mopkit.errors import DataError, InsufficientDataError


def _items(baskets):
    return pd.DataFrame([(f"o{i}", x) for i, b in enumerate(baskets) for x in b], columns=["order_id", "sku"])


def test_hand_computed_rules():
    # 4 baskets: {a,b} {a,b,c} {a} {c}; a in 3, b in 2, c in 2, ab in 2, ac in 1, bc in 1
    r = association_rules(_items([["a", "b"], ["a", "b", "c"], ["a"], ["c", "c"]]), min_support=0)
    ab = r[(r.antecedent == "a") & (r.consequent == "b")].iloc[0]
    assert ab["support"] == pytest.approx(2 / 4)
    assert ab["confidence"] == pytest.approx(2 / 3)             # supp(ab)/supp(a)
    assert ab["lift"] == pytest.approx((2 / 3) / (2 / 4))        # conf / supp(b) = 4/3
    ba = r[(r.antecedent == "b") & (r.consequent == "a")].iloc[0]
    assert ba["confidence"] == 1.0 and ba["lift"] == pytest.approx(4 / 3)
    ca = r[(r.antecedent == "c") & (r.consequent == "a")].iloc[0]
    assert ca["lift"] == pytest.approx((1 / 2) / (3 / 4))         # c counted once in {c,c}
    assert len(r) == 6 and r["lift"].is_monotonic_decreasing


def _random_baskets(seed=0, n=400, k=8):
    rng = np.random.default_rng(seed)
    items = [f"s{i}" for i in range(k)]
    out = []
    for _ in range(n):
        b = set(rng.choice(items, rng.integers(1, 4), replace=True))
        if "s1" in b and rng.random() < 0.6:
            b.add("s2")  # planted association s1 -> s2
        out.append(sorted(b))
    return out


def test_lift_matches_brute_force():
    baskets = _random_baskets()
    r = association_rules(_items(baskets), min_support=0.02).set_index(["antecedent", "consequent"])
    n, sets = len(baskets), [set(b) for b in baskets]
    items = sorted(set().union(*sets))
    sup = {i: sum(i in s for s in sets) / n for i in items}
    checked = 0
    for a, b in itertools.permutations(items, 2):
        s = sum(a in x and b in x for x in sets) / n
        if s >= 0.02:
            assert r.at[(a, b), "support"] == pytest.approx(s)
            assert r.at[(a, b), "lift"] == pytest.approx(s / sup[a] / sup[b])
            checked += 1
        else:
            assert (a, b) not in r.index
    assert checked == len(r) > 20
    assert r.index[0] in {("s1", "s2"), ("s2", "s1")}  # the planted pair has the top lift


def test_rules_match_mlxtend():
    from mlxtend.frequent_patterns import apriori
    from mlxtend.frequent_patterns import association_rules as mx_rules

    baskets = _random_baskets(seed=1)
    items = sorted(set().union(*map(set, baskets)))
    onehot = pd.DataFrame([[i in b for i in items] for b in baskets], columns=items)
    freq = apriori(onehot, min_support=0.03, use_colnames=True, max_len=2)
    mx = mx_rules(freq, num_itemsets=len(onehot), metric="lift", min_threshold=0)
    mx = mx[(mx.antecedents.map(len) == 1) & (mx.consequents.map(len) == 1)]
    mx = mx.assign(antecedent=mx.antecedents.map(lambda s: next(iter(s))),
                   consequent=mx.consequents.map(lambda s: next(iter(s)))).set_index(["antecedent", "consequent"])
    ours = association_rules(_items(baskets), min_support=0.03).set_index(["antecedent", "consequent"])
    assert set(ours.index) == set(mx.index)
    for col_ours, col_mx in (("support", "support"), ("confidence", "confidence"), ("lift", "lift"),
                             ("support_a", "antecedent support")):
        np.testing.assert_allclose(ours[col_ours], mx.loc[ours.index, col_mx], rtol=1e-12)


def test_category_level_cancelled_orders_and_pair_matrix():
    items = pd.DataFrame({"order_id": ["1", "1", "2", "2", "3", "3"],
                          "sku": list("abcdef"), "category": ["lip", "eye", "lip", "eye", "lip", "face"]})
    orders = pd.DataFrame({"order_id": ["1", "2", "3"], "status": ["paid", "paid", "cancelled"]})
    r = association_rules(items, "category", min_support=0, orders=orders)
    # baskets 1 and 2 only: {lip, eye} twice -> support 1, lift 1; basket 3 (face) dropped
    assert set(r.antecedent) == {"lip", "eye"} and r["support"].tolist() == [1.0, 1.0]
    m = pair_matrix(r)
    assert m.shape == (2, 2) and m.at["lip", "eye"] == 1.0 and np.isnan(m.at["lip", "lip"])
    with pytest.raises(DataError, match="level"):
        association_rules(items, "brand")
    with pytest.raises(InsufficientDataError):
        association_rules(items.head(1))
