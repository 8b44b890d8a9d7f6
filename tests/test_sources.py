"""Several sources per table, globs, per-file ledger, per-table duplicate rules, id namespaces,
and cross-platform stitching on a hand-made case (tests/fixtures/exports/)."""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import salted

from mopkit.attribution import first_touch, journeys_from_paths
from mopkit.config import load_config
from mopkit.data.loader import load_tables
from mopkit.data.orders import counted_orders
from mopkit.errors import ConfigError

FIX = Path(__file__).parent / "fixtures" / "exports"
MINI = "{order_id: 单号, customer_id: 会员ID, order_time: 下单时间, amount: 实付, phone: 手机, status: 状态}"


def _write(tmp_path: Path, text: str) -> Path:
    cfg = tmp_path / "client.yaml"
    cfg.write_text(salted(textwrap.dedent(text)), encoding="utf-8")
    return cfg


def _omni(tmp_path: Path):
    (tmp_path / "exports").mkdir()
    for f in ("douyin_2025-03.csv", "tmall_ExportOrderList.csv", "shopify_orders_export.csv", "wechat_mini_program.csv"):
        shutil.copy(FIX / f, tmp_path / "exports" / f)
    return load_tables(load_config(_write(tmp_path, f"""\
        client: {{name: 测试店, slug: t}}
        data:
          orders:
            - {{path: exports/douyin_*.csv, preset: douyin}}
            - {{path: exports/tmall_ExportOrderList.csv, preset: tmall}}
            - {{path: exports/shopify_orders_export.csv, preset: shopify}}
            - {{path: exports/wechat_mini_program.csv, platform: wechat, columns: {MINI}}}
        """)))


def test_stitching_links_one_person_across_platforms_but_never_by_a_masked_phone(tmp_path):
    res = _omni(tmp_path)
    o = res.tables["orders"].set_index("order_id")
    # 王芳 / tb_alice / alice@example.com share 13812345678 (written 13812345678, '13812345678,
    # +86 138-1234-5678): one person on douyin, tmall and shopify
    alice = {"douyin:4987000000000001", "douyin:4987000000000003", "tmall:1001", "tmall:1003", "shopify:#1001", "shopify:#1003"}
    assert o.loc[sorted(alice), "customer_id"].nunique() == 1
    # 李娜 on douyin (+86 139-0000-1111) is member M0001 of the mini program (139 0000 1111)
    assert o.loc["douyin:4987000000000002", "customer_id"] == o.loc["wechat:1001", "customer_id"]
    # the masked douyin phone 138****1234 must not link to tmall's 13800001234 (tb_carol)
    assert o.loc["douyin:4987000000000005", "customer_id"] != o.loc["tmall:1004", "customer_id"]
    # the platform ids stay: alice's three platform accounts are still told apart
    assert o.loc[sorted(alice), "platform_customer_id"].nunique() == 3
    # order number 1001 exists on tmall and in the mini program: kept apart
    assert {"tmall:1001", "wechat:1001"} <= set(o.index)

    rep = res.stitching.set_index(["measure", "platform", "identifier"])["value"]
    assert rep[("multi_platform_customers", "all", "")] == 2  # alice (3 platforms), 李娜 (2)
    assert rep[("multi_platform_3plus", "all", "")] == 1
    assert rep[("linked_by", "all", "phone")] == 2 and rep[("linked_by", "all", "email")] == 0
    assert rep[("masked_identifiers", "all", "phone")] == 1
    # before: douyin 4 buyers, tmall 3, shopify 3, wechat 2 = 12; after: alice's 3 ids -> 1, 李娜's 2 -> 1
    assert rep[("customers_before", "all", "")] == 12 and rep[("customers_after", "all", "")] == 9
    # GMV of counted orders: douyin 732, tmall 180, shopify 105, wechat 105; alice 247+100+80+35+50, 李娜 299+60
    gmv = 732 + 180 + 105 + 105
    assert counted_orders(res.tables["orders"])["amount"].sum() == pytest.approx(gmv)
    assert rep[("multi_platform_gmv_share", "all", "")] == pytest.approx((512 + 359) / gmv, abs=1e-6)
    # customers: one row per person, with the platforms they bought on
    c = res.tables["customers"].set_index("customer_id")
    assert c.loc[o.loc["tmall:1001", "customer_id"], "platforms"] == "douyin|shopify|tmall"
    assert len(c) == 9
    # the ledger reconciles per table and per file
    by_file = res.summary(by_file=True)
    assert set(by_file["file"]) >= {"exports/douyin_2025-03.csv", "exports/wechat_mini_program.csv"}
    assert by_file["balanced"].all()


def test_a_crm_row_without_phone_still_links_through_the_export_phone(tmp_path):
    # the CRM file knows member M0001 without a phone; the mini-program export carries M0001's phone
    # (139 0000 1111), which is 李娜's on douyin: the CRM row must not hide the export's phone
    (tmp_path / "exports").mkdir()
    for f in ("douyin_2025-03.csv", "wechat_mini_program.csv"):
        shutil.copy(FIX / f, tmp_path / "exports" / f)
    (tmp_path / "crm.csv").write_text("客户ID,注册时间,地区\nM0001,2025-01-01,上海\nM0002,2025-01-02,北京\n", encoding="utf-8")
    res = load_tables(load_config(_write(tmp_path, f"""\
        client: {{name: x, slug: x}}
        data:
          orders:
            - {{path: exports/douyin_*.csv, preset: douyin}}
            - {{path: exports/wechat_mini_program.csv, platform: wechat, columns: {MINI}}}
          customers: {{path: crm.csv}}
        """)))
    o = res.tables["orders"].set_index("order_id")
    assert o.loc["douyin:4987000000000002", "customer_id"] == o.loc["wechat:1001", "customer_id"]
    c = res.tables["customers"].set_index("customer_id")
    li = c.loc[o.loc["wechat:1001", "customer_id"]]
    assert li["region"] == "上海" and li["platforms"] == "douyin|wechat"  # the CRM's region, both platforms
    assert li["first_seen"] == pd.Timestamp("2025-01-01")  # the earliest: the CRM's registration
    assert res.summary(by_file=True)["balanced"].all()


def test_glob_stacks_files_and_keeps_source_file(tmp_path):
    text = (FIX / "douyin_2025-03.csv").read_bytes().decode("utf-8-sig").splitlines()
    (tmp_path / "dy").mkdir()
    # split the export in two monthly files; order 4987000000000003 is in both (an overlapping export)
    (tmp_path / "dy" / "douyin_a.csv").write_text("\n".join(text[:6]) + "\n", encoding="utf-8-sig")
    (tmp_path / "dy" / "douyin_b.csv").write_text("\n".join([text[0]] + text[4:]) + "\n", encoding="utf-8-sig")
    res = load_tables(load_config(_write(tmp_path, """\
        client: {name: x, slug: x}
        data:
          orders: [{path: dy/douyin_*.csv, preset: douyin}]
        """)))
    o = res.tables["orders"]
    assert len(o) == 5 and set(o["platform"]) == {"douyin"}
    assert o.set_index("order_id").loc["4987000000000001", "source_file"] == "dy/douyin_a.csv"
    h = res.health.set_index(["table", "file", "reason"])["rows"]
    assert h[("orders", "dy/douyin_b.csv", "exact duplicate row")] == 1  # the order seen twice


def test_glob_matching_nothing_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError) as e:
        load_config(_write(tmp_path, """\
            client: {name: x, slug: x}
            data:
              orders:
                - {path: exports/douyin_2099-*.csv, preset: douyin}
            """))
    assert "matches no file" in str(e.value) and "data.orders[0]" in str(e.value)


def test_unknown_preset_lists_the_valid_ones(tmp_path):
    with pytest.raises(ConfigError) as e:
        load_config(_write(tmp_path, "client: {name: x, slug: x}\ndata:\n  orders: {path: o.csv, preset: jd}\n"))
    assert "douyin" in str(e.value) and "shopify" in str(e.value)


def test_single_and_list_forms_mix_and_plain_lines_find_their_platform(tmp_path):
    shutil.copy(FIX / "tmall_ExportOrderList.csv", tmp_path / "t.csv")
    shutil.copy(FIX / "wechat_mini_program.csv", tmp_path / "w.csv")
    # order_items without a platform: 1002 is a tmall AND a wechat order number (ambiguous, dropped);
    # 1003 exists only on tmall; 9999 nowhere
    (tmp_path / "items.csv").write_text("order_id,sku,quantity,unit_price\n1003,TN01,2,40\n1003,TN01,2,40\n1002,X,1,5\n9999,Y,1,1\n",
                                        encoding="utf-8")
    res = load_tables(load_config(_write(tmp_path, f"""\
        client: {{name: x, slug: x}}
        data:
          orders:
            - {{path: t.csv, preset: tmall}}
            - {{path: w.csv, platform: wechat, columns: {MINI}}}
          order_items: {{path: items.csv}}
        """)))
    items = res.tables["order_items"]
    # two identical lines of one order are both real lines: kept
    assert items["order_id"].tolist() == ["tmall:1003", "tmall:1003"]
    h = res.health[res.health["table"] == "order_items"].set_index("reason")["rows"]
    assert h["order_id used by orders of several platforms (give this order_items source its platform)"] == 1
    assert h["order_id not in orders"] == 1


def test_identical_path_rows_all_count(tmp_path):
    # 10,000 path rows drawn from 6 paths (many identical rows), as in the ChannelAttribution example data
    rng = np.random.default_rng(7)
    paths = np.array(["douyin > wechat", "douyin", "tmall > douyin > wechat", "search > tmall", "wechat", "xiaohongshu > douyin"])
    pick = rng.integers(0, len(paths), 10_000)
    df = pd.DataFrame({"path": paths[pick], "conversions": rng.integers(0, 3, 10_000), "non_conversions": rng.integers(0, 5, 10_000)})
    df["value"] = (df["conversions"] * 100).astype(float)
    df.to_csv(tmp_path / "paths.csv", index=False)
    (tmp_path / "o.csv").write_text("order_id,customer_id,order_time,amount\nA,U,2025-01-01,1\n", encoding="utf-8")
    res = load_tables(load_config(_write(tmp_path, """\
        client: {name: x, slug: x}
        data:
          orders: {path: o.csv}
          paths: {path: paths.csv}
        """)))
    p = res.tables["paths"]
    assert len(p) == 10_000  # no "exact duplicate row" drops in paths
    credit = first_touch(journeys_from_paths(p)).set_index("channel")
    # independent sum over the file: conversions by the first channel of each row's path
    first = df["path"].str.split(">").str[0].str.strip()
    want = df.groupby(first)["conversions"].sum()
    for ch, v in want.items():
        assert credit.loc[ch, "conversions"] == pytest.approx(v)
    assert credit["conversions"].sum() == df["conversions"].sum()


def test_stitching_report_reads_in_the_health_notebook(tmp_path):
    from mopkit import overview

    res = _omni(tmp_path)
    text = overview.stitching_text(res.stitching, "en")
    # the hand case above: 12 platform accounts, 9 customers, 2 on 2+ platforms, 1 on three, 1 masked phone
    assert "12 platform accounts are 9 customers; 2 bought on two or more platforms (1 on three)" in text
    assert f"{(512 + 359) / 1122:.1%} of GMV" in text and "phone 2" in text and "1 contact values were masked" in text
    table = overview.stitching_table(res.stitching, "en").set_index("Platform")
    assert table.loc["All", "Customers before"] == 12 and table.loc["All", "Customers after"] == 9


def test_sales_channel_prefers_the_traffic_source():
    from mopkit.data.orders import sales_channel

    o = pd.DataFrame({"channel": ["search", "unknown", "unknown"], "platform": ["tmall", "douyin", "unknown"]})
    assert sales_channel(o).tolist() == ["search", "douyin", "unknown"]


def test_cockpit_reports_the_platform_when_the_export_has_no_traffic_source():
    from mopkit.cockpit.kpi import prepare_cube

    o = pd.DataFrame({"order_id": ["a", "b"], "customer_id": ["x", "y"], "amount": [1.0, 2.0],
                      "order_time": pd.to_datetime(["2025-01-01", "2025-01-02"]),
                      "channel": ["search", "unknown"], "platform": ["tmall", "douyin"]})
    cube = prepare_cube(o)
    assert cube.channels == ["douyin", "search"]  # the tmall order came from search ads; the douyin one is unknown
    assert cube.notes["orders reported under their platform (no traffic source in the export)"] == 1


def _line_file(tmp_path: Path, last_cols: str, rows: list[str]) -> Path:
    good = [f"B{i},V{i},2025-03-05 10:00:00,S1,1,10.00" for i in range(12)]  # keeps bad values under MAX_BAD_SHARE
    (tmp_path / "lines.csv").write_text("\n".join([f"order_id,customer_id,order_time,sku,quantity,{last_cols}"] + good + rows) + "\n",
                                        encoding="utf-8")
    return _write(tmp_path, "client: {name: x, slug: x}\ndata:\n  orders: {path: lines.csv, grain: line}\n")


def test_line_export_with_a_blank_quantity_loads_and_counts_the_line(tmp_path):
    # amount per line given: the order keeps both lines' amounts (20 + 5), the line without a
    # quantity is not an order_items row (counted); before, int64 of an empty quantity raised
    res = load_tables(load_config(_line_file(tmp_path, "amount", ["A1,U1,2025-03-01 10:00:00,S1,2,20.00",
                                                                  "A1,U1,2025-03-01 10:00:00,S2,,5.00"])))
    o = res.tables["orders"].set_index("order_id")
    assert o.loc["A1", "amount"] == pytest.approx(25.0)
    h = res.health.set_index(["table", "reason"])["rows"]
    assert h[("order_items", "line without quantity or price")] == 1
    assert len(res.tables["order_items"]) == 13 and res.tables["order_items"]["quantity"].dtype == np.int64
    assert res.summary(by_file=True)["balanced"].all()


def test_line_export_without_amount_drops_lines_it_cannot_price(tmp_path):
    # amount = quantity x unit price: a line without either is dropped and counted, never an order of 0
    res = load_tables(load_config(_line_file(tmp_path, "unit_price", [
        "A1,U1,2025-03-01 10:00:00,S1,2,10.00", "A1,U1,2025-03-01 10:00:00,S2,x,5.00",
        "A2,U2,2025-03-02 10:00:00,S1,,10.00", "A3,U3,2025-03-03 10:00:00,S1,1,abc"])))
    o = res.tables["orders"].set_index("order_id")
    assert o.loc["A1", "amount"] == pytest.approx(20.0)  # 2 x 10.00; the line with quantity "x" dropped
    assert not {"A2", "A3"} & set(o.index)
    h = res.health.set_index(["table", "reason"])["rows"]
    assert h[("orders", "not a number: quantity")] == 1 and h[("orders", "missing quantity")] == 1
    assert h[("orders", "not a number: unit_price")] == 1
    assert res.summary(by_file=True)["balanced"].all()
