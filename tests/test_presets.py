"""Platform presets on hand-made exports (tests/fixtures/exports/), each against a hand-computed
orders table, and a renamed-header variant of each (spelling variants between export versions,
stray spaces) that must give the same orders.

Expected values are computed by hand from the fixture rows (see the comments beside them).
"""
from __future__ import annotations

import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import salted

from mopkit.config import load_config
from mopkit.data.loader import load_tables
from mopkit.data.orders import counted_orders
from mopkit.errors import DataError

FIX = Path(__file__).parent / "fixtures" / "exports"

# order id -> (amount, status, refund_amount)
DOUYIN = {  # sub-orders summed to main orders; closed sub-orders of a live order do not count
    "4987000000000001": (89.0 + 158.0, "paid", 0.0),
    "4987000000000002": (299.0, "refunded", 299.0),  # 售后状态 退款成功
    "4987000000000003": (59.0 + 59.0, "cancelled", 0.0),  # both sub-orders 已关闭
    "4987000000000004": (120.0, "paid", 0.0),  # 30.00 sub-order 已关闭
    "4987000000000005": (66.0, "paid", 0.0),  # 待发货
}
TMALL = {"1001": (100.0, "paid", 0.0), "1002": (50.0, "cancelled", 0.0),
         "1003": (80.0, "refunded", 30.0),  # 交易成功 with 退款金额 30: a partial refund
         "1004": (20.0, "cancelled", 0.0)}  # 等待买家付款: not a sale
SHOPIFY = {"#1001": (35.0, "paid", 0.0), "#1002": (20.0, "refunded", 20.0), "#1003": (50.0, "refunded", 10.0),
           "#1004": (12.0, "cancelled", 0.0)}  # voided
YOUZAN = {"E2025001": (199.8, "paid", 0.0), "E2025002": (120.0, "cancelled", 0.0), "E2025003": (59.0, "paid", 0.0)}
WOO = {"501": (42.5, "paid", 0.0), "502": (10.0, "refunded", 10.0), "503": (15.0, "paid", 0.0), "504": (8.0, "cancelled", 0.0)}
RETAIL = {"489434": (12 * 6.95 + 12 * 6.75 + 18.0, "paid", 0.0), "489436": (24 * 1.25, "paid", 0.0)}
RETAIL_COLUMNS = ("{order_id: Invoice, sku: StockCode, product_name: Description, quantity: Quantity, "
                  "order_time: InvoiceDate, unit_price: Price, customer_id: Customer ID, region: Country}")

CASES = {
    # name: (file, source line, expected orders, GMV of counted orders, order lines, buyers, header variant)
    "douyin": ("douyin_2025-03.csv", "preset: douyin", DOUYIN, 247 + 299 + 120 + 66, 7, 4,
               {"主订单编号": " 主订单号 ", "子订单编号": "子订单号", "订单应付金额": "应付金额", "订单提交时间": "下单时间 ",
                "收件人手机号": "收件人电话"}),
    "tmall": ("tmall_ExportOrderList.csv", "preset: tmall", TMALL, 100 + 80, 0, 3,
              {"买家实际支付金额": "买家实付金额", "订单创建时间": "创建时间", "宝贝标题": "商品标题", "订单编号": "订单编号 "}),
    "shopify": ("shopify_orders_export.csv", "preset: shopify", SHOPIFY, 35 + 20 + 50, 5, 3,
                {"Financial Status": "Financial  Status", "Lineitem sku": "Lineitem SKU", "Created at": " Created At"}),
    "youzan": ("youzan_orders.csv", "preset: youzan", YOUZAN, 199.8 + 59, 4, 2,
               {"订单实付金额": "订单实付", "订单号": "订单号 "}),
    "woocommerce": ("woocommerce_orders.csv", "preset: woocommerce", WOO, 42.5 + 10 + 15, 0, 0,
                    {"N. Revenue": "Net Sales", "Order #": "Order #  "}),
    "online_retail": ("online_retail_ii.csv", f"grain: line, columns: {RETAIL_COLUMNS}", RETAIL, 182.4 + 30, 4, 1,
                      {"Invoice": "Invoice ", "Customer ID": "Customer  ID"}),
}


def _client(tmp_path: Path, sources: list[str], extra: str = "") -> Path:
    lines = "\n".join(f"    - {{{s}}}" for s in sources)
    cfg = tmp_path / "client.yaml"
    cfg.write_text(salted(f"client: {{name: 测试店, slug: t}}\ndata:\n  orders:\n{lines}\n{extra}"), encoding="utf-8")
    return cfg


def _rename_headers(src: Path, dst: Path, mapping: dict[str, str]) -> None:
    raw = src.read_bytes()
    if raw[:4] == b"PK\x03\x04":  # the Youzan ".csv" is a workbook: rename in the workbook
        df = pd.read_excel(io.BytesIO(raw), dtype=str, engine="calamine")
        df.columns = [mapping.get(c, c) for c in df.columns]
        df.to_excel(dst, index=False, engine="openpyxl")
        return
    enc = "gbk" if "tmall" in src.name else "utf-8-sig"
    text = raw.decode(enc)
    head, rest = text.split("\n", 1)
    cells = [mapping.get(h.lstrip("\ufeff"), h.lstrip("\ufeff")) for h in head.split(",")]
    dst.write_bytes((",".join(cells) + "\n" + rest).encode(enc))


def _check(res, expected, gmv, n_lines, n_buyers):
    o = res.tables["orders"].set_index("order_id")
    assert set(o.index) == set(expected)
    for oid, (amount, status, refund) in expected.items():
        assert o.loc[oid, "amount"] == pytest.approx(amount), oid
        assert o.loc[oid, "status"] == status, oid
        assert o.loc[oid, "refund_amount"] == pytest.approx(refund), oid
    assert counted_orders(res.tables["orders"])["amount"].sum() == pytest.approx(gmv)
    assert len(res.tables.get("order_items", ())) == n_lines
    assert len(res.tables.get("customers", ())) == n_buyers
    res.summary(by_file=True)  # reconciles per file


@pytest.mark.parametrize("name", sorted(CASES))
def test_preset_fixture_gives_hand_computed_orders(tmp_path, name):
    file, source, expected, gmv, n_lines, n_buyers, _ = CASES[name]
    shutil.copy(FIX / file, tmp_path / file)
    res = load_tables(load_config(_client(tmp_path, [f"path: {file}, {source}"])))
    _check(res, expected, gmv, n_lines, n_buyers)


@pytest.mark.parametrize("name", sorted(CASES))
def test_renamed_header_variant_gives_the_same_orders(tmp_path, name):
    file, source, expected, gmv, n_lines, n_buyers, variant = CASES[name]
    _rename_headers(FIX / file, tmp_path / file, variant)
    res = load_tables(load_config(_client(tmp_path, [f"path: {file}, {source}"])))
    _check(res, expected, gmv, n_lines, n_buyers)


def test_douyin_ids_keep_their_digits_and_lines_sum(tmp_path):
    shutil.copy(FIX / "douyin_2025-03.csv", tmp_path / "d.csv")
    res = load_tables(load_config(_client(tmp_path, ["path: d.csv, preset: douyin"])))
    o, items = res.tables["orders"], res.tables["order_items"]
    # the tab- and quote-protected ids are the same strings as the bare numbers
    assert "4987000000000002" in set(o["order_id"]) and not o["order_id"].str.contains(r"[\t']").any()
    lines = items[items["order_id"] == "4987000000000001"].set_index("sku")
    assert lines.loc["TN01", "quantity"] == 2 and lines.loc["TN01", "unit_price"] == pytest.approx(79.0)  # 158 / 2
    # orders 1 and 3 share a buyer (same phone); the masked phone is noted in the ledger
    assert o.set_index("order_id").loc["4987000000000001", "customer_id"] == o.set_index("order_id").loc["4987000000000003", "customer_id"]
    notes = res.health[res.health["kind"] == "note"]["reason"]
    assert notes.str.contains("masked").any()
    h = res.health.set_index(["table", "reason"])["rows"]
    assert h[("orders", "further line of a multi-line order (merged into its order)")] == 3  # 8 rows -> 5 orders
    assert h[("order_items", "closed sub-order of an order that went ahead")] == 1


def test_shopify_order_fields_from_the_first_row_and_offset_times(tmp_path):
    shutil.copy(FIX / "shopify_orders_export.csv", tmp_path / "s.csv")
    o = load_tables(load_config(_client(tmp_path, ["path: s.csv, preset: shopify"]))).tables["orders"].set_index("order_id")
    assert o.loc["#1001", "order_time"] == pd.Timestamp("2025-10-07 09:50:26")  # +0200 dropped: shop wall-clock time
    # Alice@Example.com and alice@example.com are one buyer (e-mail lower-cased before hashing)
    assert o.loc["#1001", "customer_id"] == o.loc["#1003", "customer_id"] != o.loc["#1002", "customer_id"]


def test_online_retail_returns_and_missing_customers_are_counted(tmp_path):
    shutil.copy(FIX / "online_retail_ii.csv", tmp_path / "r.csv")
    res = load_tables(load_config(_client(tmp_path, [f"path: r.csv, grain: line, columns: {RETAIL_COLUMNS}"])))
    h = res.health[res.health["table"] == "orders"].groupby("reason")["rows"].sum()
    assert h["rows read"] == 6
    assert h["return or cancellation line (invoice C…, negative quantity): not a sale"] == 1  # C489449
    assert h["missing customer_id"] == 1  # 489435
    assert h["further line of a multi-line order (merged into its order)"] == 2  # 489434 has 3 lines
    assert h["rows kept"] == 2


def test_unknown_layout_names_the_best_matching_preset(tmp_path):
    # a Douyin export whose buyer phone and order id columns were removed: not loadable as is
    df = pd.read_csv(FIX / "douyin_2025-03.csv", dtype=str, encoding="utf-8-sig").drop(columns=["主订单编号"])
    df.to_csv(tmp_path / "o.csv", index=False)
    cfg = tmp_path / "c.yaml"
    cfg.write_text(salted("client: {name: x, slug: x}\ndata:\n  orders: {path: o.csv}\n"), encoding="utf-8")
    with pytest.raises(DataError) as e:
        load_tables(load_config(cfg))
    assert "preset: douyin" in str(e.value)
    with pytest.raises(DataError) as e:  # told it is Tmall, it is not: says so
        load_tables(load_config(_client(tmp_path, ["path: o.csv, preset: tmall"])))
    assert "does not look like a tmall export" in str(e.value)


def test_hand_mapped_columns_override_the_preset(tmp_path):
    shutil.copy(FIX / "tmall_ExportOrderList.csv", tmp_path / "t.csv")
    # the merchant prefers the amount before refunds: 买家实际支付金额 -> a different column
    o = load_tables(load_config(_client(tmp_path, ["path: t.csv, preset: tmall, columns: {amount: 退款金额}"]))).tables["orders"]
    assert o.set_index("order_id").loc["1003", "amount"] == 30.0
