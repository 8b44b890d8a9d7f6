"""The loader cleans and pseudonymises ids on their distinct values and keeps repeated text compact;
both must give what the per-row definition gives (issue 16, big clients)."""
import hashlib

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from conftest import TEST_SALT, salted  # noqa: F401 - configs built here need a salt
from mopkit.config import load_config
from mopkit.data.loader import as_loaded, load_tables
from mopkit.data.privacy import pseudonymise


def per_row(value, salt: str, column: str, prefix: str, length: int = 32):
    """The documented definition, value by value: strip, empty -> missing, keyed BLAKE2b of ``column:value``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    if not text:
        return None
    key = salt.encode("utf-8")
    digest = hashlib.blake2b(f"{column}:{text}".encode("utf-8"), key=key, digest_size=(length + 1) // 2).hexdigest()
    return f"{prefix}_{digest[:length]}"


@pytest.mark.parametrize("length", [32, 7])
def test_distinct_value_pseudonyms_equal_per_row_pseudonyms(length):
    # repeats, missing values of every kind, whitespace that makes two raw values one id, non-ASCII
    raw = ["U1", "U2", "U1", None, "", "  ", " U1 ", np.nan, "张伟", "U2", "张伟", "u1", "\tU3"]
    s = pd.Series(raw, dtype=object, index=range(100, 100 + len(raw)))
    got = pseudonymise(s, "a-salt-of-sixteen+", column="customer_id", length=length)
    want = [per_row(v, "a-salt-of-sixteen+", "customer_id", "c", length) for v in raw]
    assert list(got.index) == list(s.index)
    assert [None if pd.isna(v) else v for v in got] == want
    assert got.iloc[0] == got.iloc[6] != got.iloc[11]  # " U1 " is U1; "u1" is another id
    # with pseudonyms known from an earlier file (one of them deliberately wrong: it is used as given,
    # which shows the lookup happens), the others hashed and added
    known = {"U2": "c_from-an-earlier-file"}
    with_known = pseudonymise(s, "a-salt-of-sixteen+", column="customer_id", length=length, known=known)
    assert [None if pd.isna(v) else v for v in with_known] == [
        "c_from-an-earlier-file" if r in ("U2",) else w for r, w in zip(raw, want)]
    assert known["U1"] == want[0] and known["张伟"] == want[8] and len(known) == 5  # U1 U2 张伟 u1 U3
    # the same on an Arrow-backed and on a categorical column
    for dtype in ("str", "category"):
        again = pseudonymise(s.astype(dtype), "a-salt-of-sixteen+", column="customer_id", length=length)
        assert [None if pd.isna(v) else v for v in again] == want


def _client(tmp_path, orders: str, touches: list[str]) -> object:
    (tmp_path / "orders.csv").write_text(orders, encoding="utf-8")
    for i, t in enumerate(touches):
        (tmp_path / f"touch_{i}.csv").write_text(t, encoding="utf-8")
    (tmp_path / "client.yaml").write_text(salted(
        "client: {name: x, slug: x}\ndata:\n  orders: {path: orders.csv}\n  touchpoints: {path: 'touch_*.csv'}\n"),
        encoding="utf-8")
    return load_config(tmp_path / "client.yaml")


def test_compact_load_gives_the_tables_of_a_plain_load_and_hand_computed_values(tmp_path):
    orders = ("order_id,customer_id,order_time,amount,channel,status\n"
              '"=""A1""",U1,2024-01-01,10,抖音,已支付\n'
              "A2, U1 ,2024-01-02,20,tmall, 已退款 \n"
              "A3,null,2024-01-03,30,,\n"          # missing customer: dropped
              "A4,U2,2024-01-04,40,小红书,交易关闭\n"
              "A4,U2,2024-01-04,40,小红书,交易关闭\n")  # exact duplicate: dropped
    touches = ["customer_id,touch_time,channel\nU1,2024-01-01 10:00:00,抖音\nU2,2024-01-02 11:00:00,微信\n"
               "U2,2024-01-02 12:00:00,抖音\nU1,2024-01-02 13:00:00,抖音\nU1,2024-01-02 14:00:00, 抖音\n",
               "customer_id,touch_time,channel\nU1,2024-01-01 10:00:00,抖音\nU3,2024-01-03 12:00:00,xhs\n"
               "U3,2024-01-03 13:00:00,xhs\nU3,2024-01-03 14:00:00,xhs\n"]
    cfg = _client(tmp_path, orders, touches)
    plain = load_tables(cfg)
    compact = load_tables(cfg, compact=True)
    for col in ("customer_id", "channel"):  # compact in both files, stacked as categoricals
        assert isinstance(compact.tables["touchpoints"][col].dtype, pd.CategoricalDtype)
    for name, df in plain.tables.items():
        assert_frame_equal(as_loaded(compact.tables[name]), df, check_exact=True)
    assert_frame_equal(compact.health, plain.health)
    assert_frame_equal(compact.stitching, plain.stitching)

    o = plain.tables["orders"]
    assert o["order_id"].tolist() == ["A1", "A2", "A4"]  # ="A1" unprotected; A3 and the duplicate A4 dropped
    c = lambda v: per_row(v, TEST_SALT, "customer_id", "c")  # noqa: E731
    assert o["customer_id"].tolist() == [c("U1"), c("U1"), c("U2")]
    assert o["channel"].tolist() == ["douyin", "tmall", "xiaohongshu"]
    assert o["status"].tolist() == ["paid", "refunded", "cancelled"]
    t = plain.tables["touchpoints"]  # two files stacked; the repeated touch across them dropped
    assert t["customer_id"].tolist() == [c(v) for v in ("U1", "U2", "U2", "U1", "U1", "U3", "U3", "U3")]
    assert t["channel"].tolist() == ["douyin", "wechat", "douyin", "douyin", "douyin"] + ["xiaohongshu"] * 3
    assert t["source_file"].astype(str).tolist() == ["touch_0.csv"] * 5 + ["touch_1.csv"] * 3
    dropped = plain.health.query("kind == 'dropped'").set_index(["table", "reason"])["rows"].to_dict()
    assert dropped == {("orders", "missing customer_id"): 1, ("orders", "exact duplicate row"): 1,
                       ("touchpoints", "exact duplicate row"): 1}


def test_mostly_distinct_ids_cleaned_row_by_row_as_the_distinct_path_does(tmp_path):
    # > 20,000 rows of distinct order ids take the per-row path; a few are spreadsheet-protected
    n = 25_000
    ids = [f"O{i}" for i in range(n)]
    raw = ids.copy()
    raw[5], raw[7], raw[11] = '"=""O5"""', "'O7", " O11 "
    lines = [f"{r},U{i % 50},2024-01-01,1" for i, r in enumerate(raw)]
    cfg = _client(tmp_path, "order_id,customer_id,order_time,amount\n" + "\n".join(lines) + "\n",
                  ["customer_id,touch_time,channel\nU1,2024-01-01,抖音\n"])
    for compact in (False, True):
        o = as_loaded(load_tables(cfg, compact=compact).tables["orders"])
        assert o["order_id"].tolist() == ids
        assert o["customer_id"].nunique() == 50


def test_plain_amounts_skip_the_cleaning_and_dirty_ones_are_cleaned_and_counted():
    from mopkit.data.parse import parse_amounts

    vals = pd.Series(["12.5", "¥1,234.50", "(12.00)", "abc", "", None, " 7 ", "1e3", "12元", "-3"], dtype=object)
    parsed, bad, cleaned = parse_amounts(vals)
    assert parsed.tolist()[:3] == [12.5, 1234.5, -12.0]
    assert parsed.tolist()[6:] == [7.0, 1000.0, 12.0, -3.0]
    assert parsed.iloc[3:6].isna().all()
    assert bad.tolist() == [False, False, False, True, False, False, False, False, False, False]
    assert cleaned.tolist() == [False, True, True, False, False, False, False, False, True, False]
