"""The loader: column mapping, encodings, formats, every bad-input error, the health ledger."""
from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from conftest import TEST_SALT, salted  # noqa: F401 - configs built here need a salt
from mopkit.config import load_config
from mopkit.data.loader import load_tables
from mopkit.errors import ConfigError, DataError

HEADER = "订单编号,买家ID,下单时间,实付金额,渠道,订单状态\n"


def write_client(tmp_path, orders_text: str | bytes, *, name="orders.csv", extra: str = "", window: str = ""):
    f = tmp_path / name
    if isinstance(orders_text, bytes):
        f.write_bytes(orders_text)
    else:
        f.write_text(orders_text, encoding="utf-8")
    cfg = tmp_path / "client.yaml"
    cfg.write_text(
        textwrap.dedent(
            f"""\
            client: {{name: 测试店, slug: t}}
            salt: {TEST_SALT}
            {window}
            data:
              orders: {{path: {name}}}
            {extra}
            """
        ),
        encoding="utf-8",
    )
    return load_config(cfg)


def rows(n, start=0, fmt="2024-01-{d:02d}"):
    return "".join(f"A{i},U{i % 3},{fmt.format(d=1 + i % 28)},{10 + i},抖音,已支付\n" for i in range(start, start + n))


def test_chinese_headers_gbk_and_reconciled_drops(tmp_path):
    # 20 good rows + 1 missing customer, 1 bad date, 1 negative amount, 1 exact duplicate,
    # 1 amount with a currency sign (repaired, kept) -> read 25, kept 21, dropped 4.
    text = HEADER + rows(20) + "B1,,2024-01-02,5,抖音,已支付\nB2,U1,not a date,5,抖音,已支付\n"
    text += "B3,U1,2024-01-02,-5,抖音,已支付\nA0,U0,2024-01-01,10,抖音,已支付\nB4,U2,2024年1月3日,\"￥1,234.50\",天猫,已退款\n"
    cfg = write_client(tmp_path, text.encode("gbk"))
    res = load_tables(cfg)
    o = res.tables["orders"]
    assert len(o) == 21
    s = res.summary().set_index("table").loc["orders"]
    assert (s["read"], s["kept"], s["dropped"]) == (25, 21, 4)
    h = res.health.set_index("reason")["rows"]
    assert h["missing customer_id"] == 1
    assert h["unparseable order_time"] == 1
    assert h["negative amount"] == 1
    assert h["exact duplicate row"] == 1
    b4 = o.set_index("order_id").loc["B4"]
    assert b4["amount"] == 1234.5 and b4["channel"] == "tmall" and b4["status"] == "refunded"
    assert b4["refund_amount"] == 1234.5  # refunded with no refund amount: full refund assumed, counted
    assert h["refunded without refund_amount: full refund assumed"] == 1


def test_utf8_bom_xlsx_and_parquet_read_the_same(tmp_path):
    df = pd.DataFrame({"订单编号": ["A1", "A2"], "买家ID": ["U1", "U2"], "下单时间": ["2024/1/5 13:02", "2024-01-06"],
                       "实付金额": ["¥12.50", "8"]})
    (tmp_path / "csv").mkdir()
    df.to_csv(tmp_path / "csv" / "o.csv", index=False, encoding="utf-8-sig")
    (tmp_path / "x").mkdir()
    df.to_excel(tmp_path / "x" / "o.xlsx", index=False)
    (tmp_path / "p").mkdir()
    df.to_parquet(tmp_path / "p" / "o.parquet")
    got = []
    for sub, name in (("csv", "o.csv"), ("x", "o.xlsx"), ("p", "o.parquet")):
        cfg = tmp_path / sub / "client.yaml"
        cfg.write_text(salted(f"client: {{name: x, slug: x}}\ndata:\n  orders: {{path: {name}}}\n"), encoding="utf-8")
        got.append(load_tables(load_config(cfg)).tables["orders"].drop(columns="source_file"))
    for g in got[1:]:
        pd.testing.assert_frame_equal(got[0], g)
    assert got[0]["amount"].tolist() == [12.5, 8.0]


def test_missing_file_names_the_file_and_fix(tmp_path):
    cfg = tmp_path / "client.yaml"
    cfg.write_text(salted("client: {name: x, slug: x}\ndata:\n  orders: {path: nope.csv}\n"), encoding="utf-8")
    with pytest.raises(DataError) as e:
        load_tables(load_config(cfg))
    msg = str(e.value)
    assert "nope.csv" in msg and "does not exist" in msg and "fix:" in msg


def test_missing_required_column_lists_headers(tmp_path):
    cfg = write_client(tmp_path, "订单编号,买家ID,实付金额\nA1,U1,3\n")
    with pytest.raises(DataError) as e:
        load_tables(cfg)
    msg = str(e.value)
    assert "order_time" in msg and "订单编号" in msg and "data.orders.columns" in msg


def test_mapping_to_absent_header(tmp_path):
    (tmp_path / "orders.csv").write_text(HEADER + rows(3), encoding="utf-8")
    (tmp_path / "client.yaml").write_text(
        salted("client: {name: x, slug: x}\ndata:\n  orders:\n    path: orders.csv\n    columns: {amount: 金额}\n"), encoding="utf-8")
    with pytest.raises(DataError) as e:
        load_tables(load_config(tmp_path / "client.yaml"))
    assert "金额" in str(e.value) and "实付金额" in str(e.value)


def test_mostly_unparseable_dates_stop_with_examples(tmp_path):
    text = HEADER + "".join(f"A{i},U1,yesterday,5,抖音,已支付\n" for i in range(5)) + rows(2, start=10)
    cfg = write_client(tmp_path, text)
    with pytest.raises(DataError) as e:
        load_tables(cfg)
    msg = str(e.value)
    assert "下单时间" in msg and "line 2" in msg and "'yesterday'" in msg


def test_conflicting_duplicate_order_ids(tmp_path):
    cfg = write_client(tmp_path, HEADER + rows(5) + "A1,U9,2024-01-09,99,抖音,已支付\n")
    with pytest.raises(DataError) as e:
        load_tables(cfg)
    assert "order ids" in str(e.value) and "A1" in str(e.value)


def test_unknown_status_value(tmp_path):
    cfg = write_client(tmp_path, HEADER + rows(3) + "B1,U1,2024-01-02,5,抖音,待评价\n")
    with pytest.raises(DataError) as e:
        load_tables(cfg)
    assert "待评价" in str(e.value) and "values: {status" in str(e.value)


def test_wrong_encoding_named(tmp_path):
    cfg = write_client(tmp_path, (HEADER + rows(3)).encode("gbk"))
    (tmp_path / "client.yaml").write_text(salted("client: {name: x, slug: x}\ndata:\n  orders: {path: orders.csv, encoding: utf-8}\n"), encoding="utf-8")
    with pytest.raises(DataError) as e:
        load_tables(load_config(tmp_path / "client.yaml"))
    assert "utf-8" in str(e.value) and "gbk" in str(e.value)


def test_empty_and_corrupt_files(tmp_path):
    cfg = write_client(tmp_path, "")
    with pytest.raises(DataError, match="empty"):
        load_tables(cfg)
    cfg = write_client(tmp_path, b"PK\x03\x04 not really a workbook", name="orders.xlsx")
    with pytest.raises(DataError, match="orders.xlsx"):
        load_tables(cfg)


def test_an_unquoted_separator_in_a_value_is_named_not_shifted(tmp_path):
    # "¥1,234.50" written without quotes on the first data row: it has one field more than the
    # header, and pandas would silently move the surplus into the index, shifting every column of
    # the file. The loader stops and names the lines instead.
    bad = "C2,U2,2024-01-02,¥1,234.50,抖音,已支付\n"
    cfg = write_client(tmp_path, HEADER + bad + rows(2) + bad)
    with pytest.raises(DataError, match="2 rows of the orders file have more fields than its header") as err:
        load_tables(cfg)
    assert "line 2: 7 fields, the header has 6" in str(err.value) and "quoted" in str(err.value)
    # further down the file pandas' own parser stops, and the message names the line too
    cfg = write_client(tmp_path, HEADER + rows(1) + bad)
    with pytest.raises(DataError, match="line 3"):
        load_tables(cfg)


def test_window_drops_are_counted(tmp_path):
    cfg = write_client(tmp_path, HEADER + rows(10) + "C1,U1,2023-12-31,5,抖音,已支付\n",
                       window="window: {start: 2024-01-01, end: 2024-01-05}")
    res = load_tables(cfg)
    h = res.health.set_index("reason")["rows"]
    # rows(10) has dates 1..10 January: 6..10 are after the window, plus the 2023 row
    assert h["outside the analysis window"] == 6
    assert len(res.tables["orders"]) == 5


@pytest.mark.parametrize(
    "text, needle",
    [
        ("client: {name: x, slug: x}\n", "data.orders"),
        ("client: {name: x, slug: BAD SLUG}\ndata: {orders: o.csv}\n", "slug"),
        ("client: {name: x, slug: x}\nlanguage: fr\ndata: {orders: o.csv}\n", "language"),
        ("client: {name: x, slug: x}\ndata: {orders: o.csv, sales: s.csv}\n", "sales"),
        ("client: {name: x, slug: x}\ndata:\n  orders: {path: o.csv, columns: {price: 金额}}\n", "price"),
        ("client: {name: x, slug: x}\nwindow: {start: 2024-05-01, end: 2024-01-01}\ndata: {orders: o.csv}\n", "window.start"),
        ("client: {name: x, slug: x\ndata: [\n", "not valid YAML"),
        ("client: {name: x, slug: x}\ncolour: red\ndata: {orders: o.csv}\n", "colour"),
    ],
)
def test_config_errors(tmp_path, text, needle):
    p = tmp_path / "client.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert needle in str(e.value) and "fix:" in str(e.value) and "client.yaml" in str(e.value)


def test_missing_config(tmp_path):
    with pytest.raises(ConfigError, match="mopkit init"):
        load_config(tmp_path / "nope" / "client.yaml")


def test_amounts_more_than_20_percent_unparseable_stop_at_the_boundary(tmp_path):
    # 10 orders: 3 amounts that are not numbers (30 % > 20 %) stop the load naming the column and
    # rows; 2 of 10 (20 %, not above) are dropped and counted instead. Both sides of the limit.
    def text(n_bad):
        return HEADER + "".join(f"A{i},U{i},2024-01-0{1 + i % 9},{'abc' if i < n_bad else 10 + i},抖音,已支付\n"
                                for i in range(10))

    with pytest.raises(DataError) as e:
        load_tables(write_client(tmp_path, text(3)))
    msg = str(e.value)
    assert "3 of 10" in msg and "实付金额" in msg and "'abc'" in msg and "line 2" in msg
    res = load_tables(write_client(tmp_path, text(2)))
    assert len(res.tables["orders"]) == 8
    h = res.health
    assert h[(h["kind"] == "dropped") & (h["reason"] == "not a number: amount")]["rows"].sum() == 2


def test_a_send_log_handed_back_with_pseudonyms_joins_the_orders(tmp_path):
    # Journey step 6: last month's trigger audience comes back as the campaigns table. Ids that
    # are already this client's pseudonyms (mopkit wrote them) must not be hashed again, or no
    # campaign would match an order; raw ids the merchant mapped back are hashed as usual.
    from conftest import TEST_SALT
    from mopkit.config import parse_config
    from mopkit.data.loader import load_tables
    from mopkit.data.privacy import pseudonymise

    pd.DataFrame({"order_id": ["o1", "o2"], "customer_id": ["U1", "U2"], "order_time": ["2025-01-02", "2025-01-03"],
                  "amount": [10.0, 20.0]}).to_csv(tmp_path / "orders.csv", index=False)
    u1 = pseudonymise(pd.Series(["U1"]), TEST_SALT, column="customer_id").iloc[0]
    pd.DataFrame({"customer_id": [u1, "U2"], "campaign": ["c", "c"], "group": ["treatment", "holdout"],
                  "sent_at": ["2025-01-01 10:00", "2025-01-01 10:00"]}).to_csv(tmp_path / "log.csv", index=False)
    cfg = parse_config({"client": {"name": "t", "slug": "t"}, "salt": TEST_SALT,
                        "data": {"orders": {"path": "orders.csv"}, "campaigns": {"path": "log.csv"}}}, tmp_path / "client.yaml")
    loaded = load_tables(cfg)
    camp, orders = loaded.tables["campaigns"], loaded.tables["orders"]
    assert set(camp["customer_id"]) == set(orders["customer_id"])  # both people join their orders
    note = loaded.health[(loaded.health["table"] == "campaigns") & (loaded.health["kind"] == "note")]
    assert note["rows"].sum() == 1  # the one pseudonym kept, counted
