"""build_journeys (DuckDB) gives what the previous pandas implementation gave, on a hand-built case
with every exclusion reason and on a seeded random case with same-time orders and touches."""
import numpy as np
import pandas as pd
import pytest
from journeys_pandas_reference import build_journeys_pandas

from mopkit.attribution import build_journeys

T = pd.Timestamp


def every_reason():
    """Orders and touches that hit every line of the journeys report."""
    orders = pd.DataFrame({
        "order_id": ["O1", "O2", "O3", "O4", "O5", "O6", "O7", "O8", "O9", "O10"],
        "customer_id": ["u1", "u1", "u2", "u1", None, "u4", "u5", "u5", "u9", "u7"],
        "order_time": [T("2024-03-01 10:00"), T("2024-03-20"), T("2024-03-10"), T("2024-03-05"), T("2024-03-06"),
                       pd.NaT, T("2024-04-01"), T("2024-04-01"), T("2024-04-02"), T("2024-04-10")],
        "amount": [100.0, 50.0, 80.0, 70.0, 10.0, 10.0, 30.0, 40.0, 25.0, 60.0],
        "status": ["paid", "Refunded", "paid", "CANCELLED", "paid", "paid", "paid", "paid", "refunded", "paid"],
        "refund_amount": [0.0, 20.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 25.0, 0.0],  # O9 fully refunded; O10: u7 not a known customer
    })
    touches = pd.DataFrame({
        "customer_id": ["u1", "u1", "u1", "u1", "u1", "u1", "u3", "u3", "u1", "u1", "u5", "u5", "u5", "u5",
                        "u5", "u6", "u6", "u1", None],
        "touch_time": [T("2024-01-20"), T("2024-02-10"), T("2024-02-12"), T("2024-03-01 09:00"), T("2024-03-15"),
                       T("2024-03-25"), T("2024-03-01"), T("2024-03-02"), pd.NaT, T("2024-03-25"),
                       T("2024-03-30"), T("2024-04-01"), T("2024-03-30"), T("2024-03-31"), T("2024-05-01"),
                       T("2024-01-01"), T("2024-03-01"), T("2024-02-28"), T("2024-03-01")],
        "channel": ["search", "douyin", " Douyin", "wechat", "tmall", "xiaohongshu", "douyin", "tmall", "wechat",
                    "tmall", "wechat", "tmall", "douyin", "  ", "search", "douyin", "search", "wechat", "tmall"],
    })
    customers = pd.DataFrame({"customer_id": ["u1", "u2", "u5"]})
    return touches, orders, customers


def canonical(j):
    """Journeys with their numbering replaced by (customer, order): the two builds number open
    journeys differently (first seen vs customer id); everything else must match exactly."""
    jj = j.journeys.assign(customer_id=j.journeys["customer_id"].astype(object),
                           order_id=j.journeys["order_id"].astype(object), path=j.journeys["path"].astype(str))
    key = jj["customer_id"].astype(str) + "|" + jj["order_id"].astype(str)
    t = j.touches.assign(journey=key.to_numpy()[j.touches["journey"].to_numpy()], channel=j.touches["channel"].astype(str))
    t = t.assign(step=t.groupby("journey").cumcount()).sort_values(["journey", "step"], ignore_index=True)
    jj = jj.assign(key=key).sort_values("key", ignore_index=True)
    return j.paths, j.report.drop(columns="params").assign(params=j.report["params"].astype(str)), t, jj


def assert_same(new, old):
    for a, b in zip(canonical(new), canonical(old)):
        pd.testing.assert_frame_equal(a, b, check_dtype=False, check_categorical=False)


@pytest.mark.parametrize("kw", [
    dict(),
    dict(unknown_customers="drop", empty_paths="drop", lookback_days=5, collapse_repeats=False),
    dict(lookback_days=60, max_path_length=2),
    dict(lookback_days=0.5),
])
def test_every_reason_as_before(kw):
    touches, orders, customers = every_reason()
    new = build_journeys(touches, orders, customers=customers, **kw)
    old = build_journeys_pandas(touches, orders, customers=customers, **kw)
    assert_same(new, old)
    if not kw:  # every reason shows up in the default case
        assert set(new.report["key"]) >= {
            "orders_read", "orders_invalid", "orders_cancelled", "orders_refunded", "touches_read", "touches_invalid",
            "touches_unknown", "orders_unknown", "touches_old", "touches_after", "null_old", "repeats",
            "orders_empty", "conv_journeys", "null_journeys", "unique_paths"}
        # same-time orders O7/O8 of u5: the touches go to the first in table order, O8 gets "direct";
        # same-time touches (wechat, douyin on 03-30) keep their table order
        jj = new.journeys.set_index("order_id")
        assert jj.at["O7", "path"] == "wechat > douyin > tmall" and jj.at["O8", "path"] == "direct"


def test_random_case_as_before():
    rng = np.random.default_rng(7)
    n_o, n_t = 3000, 6000
    cust = np.array([f"c{i}" for i in range(400)], dtype=object)
    day = pd.Timestamp("2024-01-01")
    orders = pd.DataFrame({
        "order_id": [f"o{i}" for i in range(n_o)], "customer_id": cust[rng.integers(0, 300, n_o)],
        # whole hours: many same-time orders and touches
        "order_time": day + pd.to_timedelta(rng.integers(0, 24 * 200, n_o), unit="h"),
        "amount": rng.gamma(2, 50, n_o).round(2), "status": rng.choice(["paid", "cancelled", "refunded"], n_o, p=[.85, .1, .05]),
        "refund_amount": rng.choice([0.0, 10.0, 1e6], n_o, p=[.9, .05, .05]),
    })
    touches = pd.DataFrame({
        "customer_id": cust[rng.integers(0, 400, n_t)],
        "touch_time": day + pd.to_timedelta(rng.integers(0, 24 * 210, n_t), unit="h"),
        "channel": rng.choice(["douyin", "wechat", "Tmall ", "search", "xiaohongshu"], n_t),
    })
    customers = pd.DataFrame({"customer_id": cust[:350]})
    for kw in (dict(), dict(customers=customers, unknown_customers="drop", max_path_length=3, lookback_days=7)):
        assert_same(build_journeys(touches, orders, **kw), build_journeys_pandas(touches, orders, **kw))


def test_customer_codes_number_ids_in_order():
    from mopkit.attribution.journeys import _customer_codes, _ids

    a = _ids(pd.Series(["u1", "u2", None, "u1", "u10"], dtype="str"))
    b = _ids(pd.Series(["u2", "u3", "u10"], dtype="str"))
    (ca, cb), n = _customer_codes(a, b)
    assert n == 4  # u1 < u10 < u2 < u3
    assert ca.tolist() == [0, 2, -1, 0, 1] and cb.tolist() == [2, 3, 1]


def test_next_order_is_pandas_merge_asof_forward():
    from mopkit.attribution.journeys import _next_order

    rng = np.random.default_rng(11)
    t_ns, o_ns = np.sort(rng.integers(0, 300, 5000)), np.sort(rng.integers(0, 300, 2000))  # many equal times
    t_code, o_code = rng.integers(0, 50, 5000) * 7919, rng.integers(0, 60, 2000) * 7919
    want = pd.merge_asof(pd.DataFrame({"ns": t_ns, "c": t_code}),
                         pd.DataFrame({"ns": o_ns, "c": o_code, "oi": np.arange(2000)}),
                         on="ns", by="c", direction="forward")["oi"].fillna(-1).to_numpy(dtype=np.int64)
    np.testing.assert_array_equal(_next_order(t_code, t_ns, o_code, o_ns), want)
