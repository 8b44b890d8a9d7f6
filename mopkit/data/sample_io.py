"""Write the sample merchant as export-like files (the forms consultants receive from clients).

Files (all byte-for-byte deterministic for a given sample):

douyin_orders.csv   the Douyin shop's export: one row per sub-order, UTF-8 with BOM, leading-tab ids
tmall_orders.xlsx   the Tmall store's ExportOrderList (one row per order)
wechat_orders.xlsx  the WeChat mini program's export (Chinese headers mapped by hand in client.yaml)
                    (all three: see :mod:`mopkit.data.sample_platforms`)
order_items.parquet canonical columns, lines of the Tmall and mini-program orders (Douyin's are in its export)
customers.csv       GBK, Chinese headers, times like ``2024年1月5日 13:02:11``, FAKE contact data
touchpoints.parquet canonical columns
events.parquet      canonical columns
ad_spend.xlsx       one sheet "广告投放", Chinese headers, dates as Excel dates
ad_copies.csv       this month's ad copies (编号, 平台, 文案) for the copy check (sample_copies.py)
campaigns.csv       UTF-8 with BOM, Chinese headers and groups (实验组/对照组): past campaigns' send log
opt_out.csv         UTF-8 with BOM, one column 客户ID: buyers who asked not to be messaged
truth.json          the planted parameters
client.yaml         the sample client config mapping these files onto the canonical tables
"""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from .sample_copies import ad_copies_csv
from .privacy import SAMPLE_SALT
CHANNEL_ZH = {"douyin": "抖音", "wechat": "微信小程序", "xiaohongshu": "小红书", "tmall": "天猫", "search": "搜索广告"}
CUSTOMER_HEADERS = {"customer_id": "客户ID", "first_seen": "首次访问", "region": "地区", "name": "姓名", "phone": "手机号",
                    "address": "收货地址", "wechat_id": "微信号", "douyin_id": "抖音号", "email": "邮箱"}
CAMPAIGN_HEADERS = {"customer_id": "客户ID", "campaign": "活动名称", "group": "分组", "sent_at": "发送时间", "coupon_cost": "券成本"}
GROUP_ZH = {"treatment": "实验组", "holdout": "对照组"}
AD_HEADERS = {"date": "日期", "channel": "渠道", "campaign": "计划名称", "impressions": "展现量", "clicks": "点击量", "cost": "花费"}
FILES = ("douyin_orders.csv", "tmall_orders.xlsx", "wechat_orders.xlsx", "order_items.parquet", "customers.csv",
         "touchpoints.parquet", "events.parquet", "ad_spend.xlsx", "ad_copies.csv", "campaigns.csv", "opt_out.csv",
         "truth.json", "client.yaml")


def _slash_time(s: pd.Series) -> pd.Series:
    """``2024/1/5 13:02:11`` (no zero padding of month and day, as Douyin/Tmall exports write)."""
    return (s.dt.year.astype(str) + "/" + s.dt.month.astype(str) + "/" + s.dt.day.astype(str) + " "
            + s.dt.strftime("%H:%M:%S"))


def _zh_time(s: pd.Series) -> pd.Series:
    """``2024年1月5日 13:02:11``."""
    return (s.dt.year.astype(str) + "年" + s.dt.month.astype(str) + "月" + s.dt.day.astype(str) + "日 "
            + s.dt.strftime("%H:%M:%S"))


def _money(s: pd.Series) -> pd.Series:
    return s.map("{:.2f}".format)


def _csv_bytes(df: pd.DataFrame, encoding: str) -> bytes:
    return df.to_csv(index=False, lineterminator="\n").encode(encoding)


_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _xlsx_bytes(df: pd.DataFrame, sheet: str) -> bytes:
    """A minimal one-sheet XLSX (inline strings, dates as Excel serials styled ``yyyy-mm-dd``).

    Written directly rather than with openpyxl (which takes seconds for 7,500 rows without lxml),
    with fixed zip timestamps, so the bytes are reproducible.
    """
    from xml.sax.saxutils import escape

    letters = [chr(ord("A") + i) for i in range(len(df.columns))]
    n = len(df)
    rows = pd.Series([""] * n, dtype=object)
    for L, col in zip(letters, df.columns):
        s = df[col]
        ref = L + pd.Series(np.arange(2, n + 2)).astype(str)
        if pd.api.types.is_datetime64_any_dtype(s):
            serial = ((s - pd.Timestamp("1899-12-30")).dt.days).astype(str)
            cell = '<c r="' + ref + '" s="1"><v>' + serial.to_numpy() + "</v></c>"
        elif pd.api.types.is_numeric_dtype(s):
            cell = '<c r="' + ref + '"><v>' + s.map(repr).to_numpy() + "</v></c>"
        else:
            cell = '<c r="' + ref + '" t="inlineStr"><is><t>' + s.map(escape).to_numpy() + "</t></is></c>"
        rows = rows + cell.to_numpy()
    head = "".join(f'<c r="{L}1" t="inlineStr"><is><t>{escape(str(c))}</t></is></c>' for L, c in zip(letters, df.columns))
    body = "".join('<row r="' + pd.Series(np.arange(2, n + 2)).astype(str) + '">' + rows + "</row>")
    parts = {
        "[Content_Types].xml": _XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/></Types>',
        "_rels/.rels": _XML + f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": _XML + f'<workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>'
        f'<sheet name="{escape(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": _XML + f'<Relationships xmlns="{_PKG}">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>',
        "xl/styles.xml": _XML + f'<styleSheet xmlns="{_NS}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
        '</numFmts><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill>'
        '<patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>',
        "xl/worksheets/sheet1.xml": _XML + f'<worksheet xmlns="{_NS}"><sheetData><row r="1">{head}</row>{body}'
        "</sheetData></worksheet>",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            zi = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, text.encode("utf-8"))
    return out.getvalue()


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    """Parquet (zstd); time columns delta-encoded at millisecond resolution to keep files small."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    times = [c for c in df.columns if pd.api.types.is_datetime64_any_dtype(df[c])]
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd", coerce_timestamps="ms",
                   use_dictionary=[c for c in df.columns if c not in times],
                   column_encoding={c: "DELTA_BINARY_PACKED" for c in times})
    return buf.getvalue()


def client_yaml(truth: dict) -> str:
    """The sample client config (format: :mod:`mopkit.config`)."""
    g = truth["generator"]
    cols = lambda m: "{" + ", ".join(f"{k}: {v}" for k, v in m.items()) + "}"  # noqa: E731
    from .sample_platforms import WECHAT_HEADERS, WECHAT_STATUS

    status = cols({v: k for k, v in WECHAT_STATUS.items()})
    channel = cols({v: k for k, v in CHANNEL_ZH.items()})
    return f"""# Sample client: 花漾美妆旗舰店, a made-up cosmetics brand (data_samples/sample_merchant/README.md).
# Generated by scripts/make_sample.py (seed {g['seed']}); do not edit by hand.
client: {{name: 花漾美妆旗舰店, slug: sample}}
language: zh
currency: CNY
salt: {SAMPLE_SALT}  # public on purpose: the sample is made up; a real client needs a secret salt
window: {{start: {g['start']}, end: {g['end']}}}
data:
  orders:                 # one export per platform; the same person is linked across them by phone
    - {{path: douyin_orders.csv, preset: douyin}}
    - {{path: tmall_orders.xlsx, preset: tmall}}
    - path: wechat_orders.xlsx
      platform: wechat
      columns: {cols(WECHAT_HEADERS)}
      values:
        status: {status}
        channel: {channel}
  order_items:            # lines of the Tmall and mini-program orders (Douyin's are in its export)
    path: order_items.parquet
    format: parquet
  customers:
    path: customers.csv
    format: csv
    encoding: gbk
    columns: {cols(CUSTOMER_HEADERS)}
  touchpoints:
    path: touchpoints.parquet
    format: parquet
  events:
    path: events.parquet
    format: parquet
  ad_spend:
    path: ad_spend.xlsx
    format: xlsx
    sheet: 广告投放
    columns: {cols(AD_HEADERS)}
  campaigns:
    path: campaigns.csv
    format: csv
    encoding: utf-8-sig
    columns: {cols(CAMPAIGN_HEADERS)}
    values:
      group: {cols({v: k for k, v in GROUP_ZH.items()})}
# This month's ad copies, checked by notebook 08 and `mopkit copycheck --config` (extra term lists: terms: [...]).
copycheck: {{copies: ad_copies.csv}}
# Per-notebook parameters (papermill, one to one; see `papermill --help-notebook notebooks/NN_x.ipynb`).
# One ROAS target for the client: the attribution budget plan and the cockpit's alerts use the same.
notebooks:
  data_health: {{trend_window: 7}}
  rfm_clv: {{time_unit: W, holdout_days: 180, horizon_days: 365, discount_rate: 0.1, tier_thresholds: {{钻石: 3000, VIP: 1000}}}}
  forecast: {{target: orders, horizon: 14, folds: 3, seed: 0}}
  attribution: {{lookback_days: 30, markov_order: 1, roas_target: 5.0, max_shift: 0.2}}
  dashboard: {{roas_target: 5.0, ctr_drop_pct: 20.0}}
  business_case: {{consulting_fee: 30000, tools_per_month: 800, coupon_cost_per_redemption: 15, staff_hours_per_month: 20, staff_hourly_rate: 80, gross_margin: 0.6, discount_rate: 0.1, horizon_months: 12, ramp_up_months: 3}}
  budget: {{target: new_gmv, media: multiplicative, period_days: 30, max_shift: 0.2, roas_target: 5.0, attribution_model: markov, n_boot: 40, seed: 0}}
  triggers: {{holdout_share: 0.1, cap_hours: 16, opt_out_path: opt_out.csv, campaign_window_days: 14, coupon_by_tier: {{default: 10, VIP: 20, 钻石: 30}}}}
  propensity: {{horizon_days: 30, churn_days: 90, n_train: 3, min_gain: 0.05, seed: 0}}
"""


def sample_file_bytes(sample) -> dict[str, bytes]:
    """Every sample file's name and exact bytes."""
    from .sample_platforms import export_frames

    t = sample.tables
    ex = export_frames(t, sample.platform, _slash_time, _zh_time, _money)
    cust = t["customers"].assign(first_seen=_zh_time(t["customers"]["first_seen"])).rename(columns=CUSTOMER_HEADERS)
    ad = t["ad_spend"].rename(columns=AD_HEADERS)
    return {
        "douyin_orders.csv": _csv_bytes(ex["douyin"], "utf-8-sig"),
        "tmall_orders.xlsx": _xlsx_bytes(ex["tmall"], "订单列表"),
        "wechat_orders.xlsx": _xlsx_bytes(ex["wechat"], "订单"),
        "order_items.parquet": _parquet_bytes(ex["order_items"]),
        "customers.csv": _csv_bytes(cust, "gbk"),
        "touchpoints.parquet": _parquet_bytes(t["touchpoints"]),
        "events.parquet": _parquet_bytes(t["events"]),
        "ad_spend.xlsx": _xlsx_bytes(ad, "广告投放"),
        "ad_copies.csv": ad_copies_csv(),
        "campaigns.csv": _csv_bytes(t["campaigns"].assign(
            sent_at=t["campaigns"]["sent_at"].dt.strftime("%Y-%m-%d %H:%M:%S"), group=t["campaigns"]["group"].map(GROUP_ZH),
            coupon_cost=_money(t["campaigns"]["coupon_cost"])).rename(columns=CAMPAIGN_HEADERS), "utf-8-sig"),
        "opt_out.csv": _csv_bytes(pd.DataFrame({"客户ID": sample.truth["triggers"]["opt_out_ids"]}), "utf-8-sig"),
        "truth.json": (json.dumps(sample.truth, ensure_ascii=False, indent=1) + "\n").encode("utf-8"),
        "client.yaml": client_yaml(sample.truth).encode("utf-8"),
    }


def write_sample_files(sample, out_dir) -> dict[str, Path]:
    """Write the sample's files into ``out_dir`` (created if needed); returns name -> path.

    Overwrites the files it writes and touches nothing else in ``out_dir``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, data in sample_file_bytes(sample).items():
        p = out / name
        p.write_bytes(data)
        paths[name] = p
    return paths
