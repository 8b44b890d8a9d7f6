"""RFM table, scores, segments and tiers on a hand-made tiny table (expected values worked out by hand)."""
from __future__ import annotations

import pandas as pd
import pytest

from mopkit.clv import rfm
from mopkit.errors import ConfigError

END = "2024-03-31"


@pytest.fixture
def tx() -> pd.DataFrame:
    rows = [("a", "2024-03-30 10:00", 100), ("a", "2024-03-01", 200), ("a", "2024-02-01", 300),
            ("b", "2024-03-31 23:00", 50), ("c", "2024-01-01", 1000), ("c", "2024-01-15", 500),
            ("d", "2023-12-01", 20), ("e", "2024-03-15", 80), ("e", "2024-03-20", 80),
            ("e", "2024-04-02", 999)]  # after the observation end: ignored
    df = pd.DataFrame(rows, columns=["customer_id", "order_time", "amount"])
    df["order_time"] = pd.to_datetime(df["order_time"], format="ISO8601")
    df["amount"] = df["amount"].astype(float)
    return df


def test_rfm_table_by_hand(tx):
    before = tx.copy()
    t = rfm.rfm_table(tx, END)
    pd.testing.assert_frame_equal(tx, before)  # input not mutated
    # recency in whole days: c last bought 2024-01-15 -> 16 + 29 (leap Feb) + 31 = 76; d 2023-12-01 -> 121
    assert t["recency_days"].to_dict() == {"a": 1, "b": 0, "c": 76, "d": 121, "e": 11}
    assert t["order_count"].to_dict() == {"a": 3, "b": 1, "c": 2, "d": 1, "e": 2}
    assert t["total_spend"].to_dict() == {"a": 600.0, "b": 50.0, "c": 1500.0, "d": 20.0, "e": 160.0}


def test_quantile_scores_ties_share_a_score(tx):
    s = rfm.rfm_scores(rfm.rfm_table(tx, END))
    # 5 customers: score = 1 + number of customers strictly worse
    assert s["R"].to_dict() == {"a": 4, "b": 5, "c": 2, "d": 1, "e": 3}
    assert s["F"].to_dict() == {"a": 5, "b": 1, "c": 3, "d": 1, "e": 3}  # c and e tie at 2 orders
    assert s["M"].to_dict() == {"a": 4, "b": 2, "c": 5, "d": 1, "e": 3}
    assert s["FM"].to_dict() == {"a": 5, "b": 2, "c": 4, "d": 1, "e": 3}  # (F + M) / 2 rounded half up
    r = rfm.rfm_scores(rfm.rfm_table(tx, END), method="rank")
    assert sorted(r["F"]) == [1, 2, 3, 4, 5]  # textbook quintiles break ties by order
    with pytest.raises(ConfigError, match="quantile"):
        rfm.rfm_scores(rfm.rfm_table(tx, END), method="kmeans")


def test_segments_by_hand(tx):
    s = rfm.rfm_scores(rfm.rfm_table(tx, END))
    assert rfm.classic_segments(s).to_dict() == {
        "a": "champions", "b": "potential_loyalist", "c": "at_risk", "d": "lost", "e": "need_attention"}
    # means: recency 41.8 days, frequency 1.8, monetary 466
    assert rfm.cn8_segments(s).to_dict() == {
        "a": "important_value", "b": "general_develop", "c": "important_keep", "d": "general_winback", "e": "general_value"}


def test_classic_grid_covers_all_cells_with_all_11_segments():
    cells = [seg for row in rfm.CLASSIC_GRID for seg in row]
    assert len(cells) == 25 and set(cells) == set(rfm.SEGMENTS_CLASSIC) and len(rfm.SEGMENTS_CLASSIC) == 11
    assert len(set(rfm.CN8.values())) == 8


def test_tiers_thresholds_inclusive():
    v = pd.Series([1500.0, 1000.0, 999.99, 500.0, 10.0], index=list("abcde"))
    tiers = rfm.assign_tiers(v, {"钻石": 1000, "VIP": 500}, base="普通")
    assert tiers.tolist() == ["钻石", "钻石", "VIP", "VIP", "普通"]
    with pytest.raises(ConfigError, match="tier_thresholds"):
        rfm.assign_tiers(v, {"VIP": "lots"}, base="普通")


def test_segment_summary_and_heatmap(tx):
    s = rfm.rfm_scores(rfm.rfm_table(tx, END))
    s["segment"] = rfm.classic_segments(s)
    summ = rfm.segment_summary(s)
    assert summ["customers"].sum() == 5 and summ["value"].sum() == pytest.approx(2330.0)
    assert summ["share"].sum() == pytest.approx(1.0)
    h = rfm.rfm_heatmap_table(s)
    assert h.shape == (5, 5) and h.to_numpy().sum() == 5 and h.loc[4, 5] == 1  # customer a
