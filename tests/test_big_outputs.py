"""Big clients: per-customer tables as Parquet beyond a spreadsheet's rows, workbooks split at
the sheet limit, and the parent process giving freed table memory back before kernels start."""
from __future__ import annotations

import numpy as np
import pandas as pd
import psutil
import pytest

from mopkit.context import SHEET_MAX_ROWS, RunContext, read_output
from mopkit.run import release_memory


@pytest.fixture
def ctx(tmp_path) -> RunContext:
    (tmp_path / "outputs").mkdir()
    return RunContext(tmp_path, config=None, lang="zh")


def _customers(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"customer_id": [f"c{i:06x}" for i in range(n)], "clv": rng.gamma(2, 50, n).round(2),
                         "segment": rng.choice(["重要价值客户", "流失客户"], n)})


def test_excel_sheet_limit_is_excels():
    assert SHEET_MAX_ROWS == 2 ** 20 - 1  # 1,048,576 rows per sheet, one of them the header


def test_table_is_csv_while_a_spreadsheet_opens_it_then_parquet(ctx):
    df = _customers(10)
    p = ctx.write_table(df, "rfm_clv_customers", csv_max_rows=10)
    assert p.name == "rfm_clv_customers.csv"
    pd.testing.assert_frame_equal(read_output(ctx.run_dir, "rfm_clv_customers"), df)
    big = _customers(11)
    p = ctx.write_table(big, "rfm_clv_customers", csv_max_rows=10)
    assert p.name == "rfm_clv_customers.parquet"
    assert not (ctx.outputs_dir / "rfm_clv_customers.csv").exists()  # no stale smaller CSV beside it
    back = read_output(ctx.run_dir, "rfm_clv_customers")
    pd.testing.assert_frame_equal(back, big, check_dtype=False)
    assert list(read_output(ctx.run_dir, "rfm_clv_customers", ["clv"]).columns) == ["clv"]
    assert read_output(ctx.run_dir, "nothing") is None


def test_smaller_table_after_a_big_one_leaves_no_stale_parquet(ctx):
    ctx.write_table(_customers(11), "rfm_clv_customers", csv_max_rows=10)
    ctx.write_table(_customers(3), "rfm_clv_customers", csv_max_rows=10)
    assert not (ctx.outputs_dir / "rfm_clv_customers.parquet").exists()
    assert len(read_output(ctx.run_dir, "rfm_clv_customers")) == 3


def test_person_sized_limit_keeps_a_typical_merchant_in_csv():
    from mopkit.layout import PERSON_MAX_ROWS, XLSX_MAX_ROWS

    # the bundled sample merchant (20,000 customers) and a typical SMB stay in CSV; 1M customers do
    # not; the sample's audience lists (at most its 20,000 customers) keep their workbooks
    assert 20_000 < PERSON_MAX_ROWS < 1_000_000 and PERSON_MAX_ROWS <= SHEET_MAX_ROWS
    assert 20_000 <= XLSX_MAX_ROWS <= PERSON_MAX_ROWS


def test_audience_list_gets_its_xlsx_only_while_a_person_can_use_it(ctx):
    df = _customers(10)
    assert ctx.write_list(df, "audiences/winback", xlsx_max_rows=10) is None
    assert (ctx.outputs_dir / "audiences" / "winback.xlsx").exists()
    fb = ctx.write_list(_customers(11), "audiences/winback", xlsx_max_rows=10)
    assert not (ctx.outputs_dir / "audiences" / "winback.xlsx").exists()  # no stale shorter workbook
    back = pd.read_csv(ctx.outputs_dir / "audiences" / "winback.csv", encoding="utf-8-sig")
    assert len(back) == 11  # the CSV has every row
    assert "11" in fb.reason and "winback.csv" in fb.used and "winback.xlsx" in fb.tried


def test_workbook_over_the_sheet_limit_is_split_without_losing_rows(ctx):
    df = _customers(10)
    path = ctx.write_xlsx(df, "audiences/winback.xlsx", max_rows=4)
    sheets = pd.read_excel(path, sheet_name=None, engine="openpyxl")
    assert list(sheets) == ["data 1", "data 2", "data 3"]
    assert [len(s) for s in sheets.values()] == [4, 4, 2]
    pd.testing.assert_frame_equal(pd.concat(sheets.values(), ignore_index=True), df, check_dtype=False)
    small = pd.read_excel(ctx.write_xlsx(df, "audiences/top.xlsx"), sheet_name=None, engine="openpyxl")
    assert list(small) == ["data"] and len(small["data"]) == 10


def test_release_memory_returns_freed_table_memory():
    proc = psutil.Process()
    base = proc.memory_info().rss
    df = pd.DataFrame({"id": pd.array([f"customer-{i:012d}" for i in range(3_000_000)], dtype="str")})
    grown = proc.memory_info().rss - base
    del df
    before = proc.memory_info().rss
    release_memory()
    after = proc.memory_info().rss
    assert grown > 100e6
    assert before - after > 0.3 * grown, (base, grown, before, after)
