"""stable_argsort is exactly numpy's stable argsort (packed and tie-fixing paths)."""
import numpy as np
import pytest

from mopkit.sorting import stable_argsort


@pytest.mark.parametrize("span", [3, 1000, 2**40, 2**62])  # many ties ... packed ... too wide to pack
def test_same_as_numpy_stable(span):
    rng = np.random.default_rng(span % 97)
    key = rng.integers(-span // 2, span // 2 + 1, 20_000, dtype=np.int64)
    key[::7] = key[0]  # plenty of equal keys in every case
    np.testing.assert_array_equal(stable_argsort(key), np.argsort(key, kind="stable"))


def test_small_and_datetime_inputs():
    assert stable_argsort(np.array([], dtype=np.int64)).tolist() == []
    assert stable_argsort(np.array([5])).tolist() == [0]
    ns = np.array(["2024-01-02", "2024-01-01", "2024-01-02"], dtype="datetime64[ns]").view(np.int64)
    assert stable_argsort(ns).tolist() == [1, 0, 2]


def test_whole_seconds_in_ns_are_packed_and_stable():
    rng = np.random.default_rng(1)
    ns = 1_700_000_000 * 10**9 + rng.integers(0, 10**8, 50_000) * 10**9  # 3 years of whole seconds, ties
    ns[::5] = ns[1]
    np.testing.assert_array_equal(stable_argsort(ns), np.argsort(ns, kind="stable"))
