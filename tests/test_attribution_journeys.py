"""Building journeys from touchpoints + orders, and reading path tables; every exclusion counted."""
import pandas as pd
import pytest

from mopkit.attribution import build_journeys, journeys_from_paths, time_decay
from mopkit.errors import DataError, InsufficientDataError

T = pd.Timestamp


@pytest.fixture
def raw():
    orders = pd.DataFrame({
        "order_id": ["O1", "O2", "O3", "O4"],
        "customer_id": ["u1", "u1", "u2", "u1"],
        "order_time": [T("2024-03-01 10:00"), T("2024-03-20"), T("2024-03-10"), T("2024-03-05")],
        "amount": [100.0, 50.0, 80.0, 70.0],
        "status": ["paid", "refunded", "paid", "cancelled"],
        "refund_amount": [0.0, 20.0, 0.0, 0.0],
    })
    touches = pd.DataFrame({
        "customer_id": ["u1", "u1", "u1", "u1", "u1", "u1", "u3", "u3", "u1"],
        "touch_time": [T("2024-01-20"), T("2024-02-10"), T("2024-02-12"), T("2024-03-01 09:00"),
                       T("2024-03-15"), T("2024-03-25"), T("2024-03-01"), T("2024-03-02"), pd.NaT],
        "channel": ["search", "douyin", "Douyin", "wechat", "tmall", "xiaohongshu", "douyin", "tmall", "wechat"],
    })
    customers = pd.DataFrame({"customer_id": ["u1", "u2"]})
    return touches, orders, customers


def count(report, text):
    rows = report[report["item"].str.contains(text, regex=False)]
    assert len(rows) == 1, (text, report)
    return int(rows["count"].iloc[0]), rows["action"].iloc[0]


def test_build_journeys_windows_order_and_reasons(raw):
    touches, orders, customers = raw
    j = build_journeys(touches, orders, customers=customers, lookback_days=30)
    got = j.paths.set_index("path")[["conversions", "non_conversions", "value"]].to_dict("index")
    # O1: search (41 days before) is outside the window, douyin twice collapses, wechat 1 h before.
    # O2 (refunded 20 of 50): tmall after O1 and before O2. O3: no touch -> direct.
    # O4 is cancelled. xiaohongshu after u1's last order and u3's touches (a prospect) never convert.
    assert got == {
        "douyin > wechat": {"conversions": 1, "non_conversions": 0, "value": 100.0},
        "tmall": {"conversions": 1, "non_conversions": 0, "value": 30.0},
        "direct": {"conversions": 1, "non_conversions": 0, "value": 80.0},
        "xiaohongshu": {"conversions": 0, "non_conversions": 1, "value": 0.0},
        "douyin > tmall": {"conversions": 0, "non_conversions": 1, "value": 0.0},
    }
    r = j.report
    assert count(r, "more than 30 days before the order") == (1, "left out")
    assert count(r, "repeated touches")[0] == 1
    assert count(r, "cancelled orders") == (1, "left out")
    assert count(r, "after the customer's last order")[0] == 1
    assert count(r, "not in the customers table") == (2, "kept")
    assert count(r, "without a valid customer, time or channel") == (1, "left out")
    assert count(r, "orders with no touch") == (1, "path set to 'direct'")
    # the touches read reconcile: 9 read = 1 invalid + 1 outside window + 1 collapsed + 6 in paths
    assert len(j.touches) - 1 == 9 - 1 - 1 - 1 - 0  # touches table also holds the added 'direct' step
    # days before the order: douyin 2024-02-10 00:00 -> 2024-03-01 10:00 = 20 days 10 hours
    d = j.touches[(j.touches["channel"] == "douyin") & (j.touches["converted"] == 1)]["days_before"]
    assert d.iloc[0] == pytest.approx(20 + 10 / 24)


def test_time_decay_uses_touch_times(raw):
    touches, orders, customers = raw
    j = build_journeys(touches, orders, lookback_days=30)
    c = time_decay(j, half_life_days=7).set_index("channel")["conversions"]
    w_d, w_w = 0.5 ** ((20 + 10 / 24) / 7), 0.5 ** ((1 / 24) / 7)  # douyin, wechat weights of O1
    assert c["douyin"] == pytest.approx(w_d / (w_d + w_w))
    assert c["wechat"] == pytest.approx(w_w / (w_d + w_w))
    assert c["tmall"] == pytest.approx(1.0) and c["direct"] == pytest.approx(1.0)
    assert c["xiaohongshu"] == 0


def test_drop_options_and_short_window(raw):
    touches, orders, customers = raw
    j = build_journeys(touches, orders, customers=customers, unknown_customers="drop", empty_paths="drop",
                       lookback_days=5, collapse_repeats=False)
    got = set(j.paths["path"])
    # 5 days: only wechat (1 h) for O1 and tmall (5 days before O2) remain; u3 dropped
    assert got == {"wechat", "tmall", "xiaohongshu"}
    assert count(j.report, "not in the customers table") == (2, "left out")
    assert count(j.report, "orders with no touch") == (1, "left out")
    assert count(j.report, "more than 5 days before the order")[0] == 3


def test_max_path_length_keeps_last_touches(raw):
    touches, orders, customers = raw
    j = build_journeys(touches, orders, lookback_days=60, max_path_length=2)
    # O1 with 60 days: search > douyin > wechat -> last two kept
    assert "douyin > wechat" in set(j.paths["path"])
    assert count(j.report, "beyond the last 2")[0] == 1


def test_nothing_converts_is_a_clear_error(raw):
    touches, orders, _ = raw
    with pytest.raises(InsufficientDataError) as e:
        build_journeys(touches, orders.assign(status="cancelled"), empty_paths="drop")
    assert "nothing to attribute" in str(e.value) and "fix" in str(e.value)
    with pytest.raises(InsufficientDataError):
        journeys_from_paths(pd.DataFrame({"path": ["a > b"], "conversions": [0], "non_conversions": [5]}))


def test_missing_columns_and_bad_counts():
    with pytest.raises(DataError, match="touch_time"):
        build_journeys(pd.DataFrame({"customer_id": ["u"], "channel": ["a"]}),
                       pd.DataFrame({"order_id": [1], "customer_id": ["u"], "order_time": [T("2024-01-01")], "amount": [1]}))
    with pytest.raises(DataError, match="negative"):
        journeys_from_paths(pd.DataFrame({"path": ["a"], "conversions": [-1]}))


def test_path_table_parsing_collapse_cap_and_empty():
    df = pd.DataFrame({"path": ["douyin>douyin>wechat", "douyin > wechat", "", None, "a>b>c>d"],
                       "conversions": [1, 2, 3, 0, 1], "non_conversions": [0, 1, 0, 4, 0],
                       "value": [10, 20, 30, 0, 5]})
    j = journeys_from_paths(df, max_path_length=3)
    got = j.paths.set_index("path")[["conversions", "non_conversions", "value"]].to_dict("index")
    # the first two rows are the same path once repeats collapse; empties become direct
    assert got["douyin > wechat"] == {"conversions": 3, "non_conversions": 1, "value": 30}
    assert got["direct"] == {"conversions": 3, "non_conversions": 4, "value": 30}
    assert got["b > c > d"] == {"conversions": 1, "non_conversions": 0, "value": 5}
    assert count(j.report, "empty paths")[0] == 2
    assert count(j.report, "beyond the last 3")[0] == 1
    j2 = journeys_from_paths(df, empty_paths="drop")
    assert "direct" not in set(j2.paths["path"])
    assert j2.total_conversions == pytest.approx(4)
