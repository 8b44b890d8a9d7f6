"""Cohort retention against a hand-computed case and a brute-force loop."""
import numpy as np
import pandas as pd
import pytest

from mopkit.cockpit.cohorts import cohort_counts, retention_at, retention_matrix
from mopkit.errors import DataError


def _orders(rows):
    return pd.DataFrame(rows, columns=["customer_id", "order_time", "status"]).assign(
        order_time=lambda d: pd.to_datetime(d["order_time"]))


def test_hand_computed_matrix():
    o = _orders([
        ("A", "2024-01-05", "paid"), ("A", "2024-02-10", "paid"), ("A", "2024-04-01", "paid"),
        ("B", "2024-01-20", "paid"), ("B", "2024-03-03", "refunded"),
        ("C", "2024-01-02", "cancelled"), ("C", "2024-02-14", "paid"), ("C", "2024-03-01", "paid"),
        ("D", "2024-04-30", "paid"),
    ])
    m = retention_matrix(o)
    # cohorts: Jan {A,B} (C's Jan order is cancelled), Feb {C}, Apr {D}; no March cohort
    assert list(m.index) == list(pd.to_datetime(["2024-01-01", "2024-02-01", "2024-04-01"]))
    assert list(m.attrs["sizes"]) == [2, 1, 1]
    # Jan: offset1 Feb {A} 1/2, offset2 Mar {B} 1/2, offset3 Apr {A} 1/2
    np.testing.assert_allclose(m.loc["2024-01-01"].to_numpy(), [1, 0.5, 0.5, 0.5])
    # Feb: offset1 Mar {C} 1/1, offset2 Apr: 0, offset3 May: not observable
    np.testing.assert_allclose(m.loc["2024-02-01"].to_numpy(), [1, 1, 0, np.nan])
    # M1 over observable cohorts: Jan 1 + Feb 1 active of sizes 2 + 1 -> 2/3 (Apr: May unobservable)
    assert retention_at(m, 1) == pytest.approx(2 / 3)
    assert retention_at(m, 3) == pytest.approx(0.5)      # only Jan observable at 3


def test_matches_brute_force_on_random_orders():
    rng = np.random.default_rng(3)
    n = 600
    o = pd.DataFrame({
        "customer_id": rng.integers(0, 120, n).astype(str),
        "order_time": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 500, n), unit="D"),
        "status": rng.choice(["paid", "refunded", "cancelled"], n, p=[0.8, 0.1, 0.1]),
    })
    got = cohort_counts(o)
    # brute force: python sets per customer
    live = o[o.status != "cancelled"]
    months = {c: set((g.order_time.dt.year * 12 + g.order_time.dt.month - 1)) for c, g in live.groupby("customer_id")}
    last = max(max(s) for s in months.values())
    expected = {}
    for c, ms in months.items():
        first = min(ms)
        for k in range(0, last - first + 1):
            expected.setdefault((first, k), 0)
            expected[(first, k)] += (first + k) in ms
    for (first, k), cnt in expected.items():
        cohort = pd.Timestamp(year=first // 12, month=first % 12 + 1, day=1)
        assert got.at[cohort, k] == cnt, (cohort, k)
    # not observable -> NaN, never 0
    for cohort in got.index:
        k_max = last - (cohort.year * 12 + cohort.month - 1)
        assert got.loc[cohort, k_max + 1:].isna().all() and got.loc[cohort, :k_max].notna().all()
    assert got.notna().sum().sum() == len(expected)


def test_input_untouched_and_missing_column():
    o = _orders([("A", "2024-01-05", "paid")])
    before = o.copy()
    retention_matrix(o)
    pd.testing.assert_frame_equal(o, before)
    with pytest.raises(DataError, match="customer_id"):
        retention_matrix(o.drop(columns=["customer_id"]))


def test_sorted_path_for_huge_tables_matches_dense(monkeypatch):
    """Above _DENSE_CELLS customers x months the counts come from sorted pairs: same numbers."""
    import mopkit.cockpit.cohorts as C

    rng = np.random.default_rng(5)
    n = 800
    o = pd.DataFrame({"customer_id": rng.integers(0, 150, n).astype(str),
                      "order_time": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D"),
                      "status": rng.choice(["paid", "cancelled"], n, p=[0.85, 0.15])})
    dense = cohort_counts(o)
    monkeypatch.setattr(C, "_DENSE_CELLS", 0)
    pd.testing.assert_frame_equal(cohort_counts(o), dense)


def test_retention_from_cube_is_retention_matrix():
    from mopkit.cockpit import prepare_cube, retention_from_cube

    rng = np.random.default_rng(9)
    n = 900
    o = pd.DataFrame({"order_id": [f"o{i}" for i in range(n)],
                      "customer_id": rng.integers(0, 200, n).astype(str),
                      "order_time": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 600, n), unit="D"),
                      "amount": 10.0, "status": rng.choice(["paid", "Cancelled", "refunded"], n, p=[0.8, 0.1, 0.1])})
    want = retention_matrix(o)
    got = retention_from_cube(prepare_cube(o))
    pd.testing.assert_frame_equal(got, want)
    pd.testing.assert_series_equal(got.attrs["sizes"], want.attrs["sizes"])
