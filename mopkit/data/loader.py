"""Load a client's exports into the canonical tables, with a data-health ledger.

``load_tables(config)`` reads every table the config names, maps the client's column names onto
the canonical ones (:mod:`mopkit.data.schema`), parses dates and amounts, validates, pseudonymises
customer ids and contact data, and returns the tables plus the health table. Every row read is
either kept or dropped with one reason; the counts reconcile (:func:`mopkit.data.health.reconcile`).

Rules
-----
* A required column that is missing, or one in which more than ``MAX_BAD_SHARE`` of the values
  cannot be parsed, stops the load with a :class:`DataError` (the mapping is probably wrong).
* Fewer bad values: those rows are dropped and counted (``unparseable order_time``, ...).
* Negative amounts, missing ids, exact duplicate rows, rows outside the analysis window, and order
  lines of unknown orders are dropped and counted. Conflicting duplicate order ids stop the load.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import ClientConfig, TableSource
from ..errors import DataError
from .health import HealthLedger, reconcile
from .parse import parse_amounts, parse_counts, parse_datetimes
from .privacy import pseudonymise
from .readers import read_raw
from .schema import CONTACT_COLUMNS, TABLES, Column

MAX_BAD_SHARE = 0.2
#: Header names seen in common platform exports, per canonical column (used when the config maps none).
ALIASES = {
    "order_id": ["订单编号", "订单号", "主订单编号", "order id", "order_no", "Name"],
    "customer_id": ["买家ID", "买家id", "用户ID", "会员ID", "客户ID", "customer id", "buyer_id", "user_id"],
    "order_time": ["下单时间", "创建时间", "订单创建时间", "支付时间", "created_at", "order_date", "Created at"],
    "amount": ["实付金额", "买家实付金额", "订单金额", "实付款", "amount_paid", "total", "Total"],
    "channel": ["渠道", "来源渠道", "平台", "source"],
    "status": ["订单状态", "状态", "financial_status"],
    "refund_amount": ["退款金额", "refund"],
    "discount": ["优惠金额", "折扣", "discount_amount"],
    "sku": ["商品编码", "SKU", "sku_id", "商家编码"],
    "product_name": ["商品名称", "宝贝标题", "title"],
    "category": ["类目", "商品类目", "品类"],
    "quantity": ["数量", "购买数量", "qty"],
    "unit_price": ["单价", "商品单价", "price"],
    "first_seen": ["首次访问", "注册时间", "首次购买时间"],
    "region": ["地区", "省份", "收货省份"],
    "name": ["姓名", "收货人", "买家昵称"],
    "phone": ["手机号", "手机", "联系电话", "电话"],
    "address": ["收货地址", "地址", "详细地址"],
    "wechat_id": ["微信号", "openid", "unionid"],
    "douyin_id": ["抖音号", "抖音ID"],
    "email": ["邮箱", "e-mail", "Email"],
}
STATUS_VALUES = {
    "paid": ["paid", "已支付", "已付款", "交易成功", "已完成", "已发货", "待发货", "completed", "fulfilled"],
    "refunded": ["refunded", "已退款", "退款成功", "售后完成", "partially_refunded"],
    "cancelled": ["cancelled", "canceled", "已取消", "交易关闭", "已关闭", "voided"],
}
CHANNEL_VALUES = {
    "douyin": ["douyin", "抖音", "抖店", "抖音小店", "tiktok"],
    "wechat": ["wechat", "微信", "微信小程序", "小程序", "视频号", "weixin"],
    "xiaohongshu": ["xiaohongshu", "小红书", "xhs", "red"],
    "tmall": ["tmall", "天猫", "淘宝", "taobao"],
    "search": ["search", "搜索", "搜索广告", "百度", "baidu"],
    "direct": ["direct", "直接访问", "自然流量"],
}
_WINDOW_COLUMN = {"orders": "order_time", "touchpoints": "touch_time", "events": "event_time", "ad_spend": "date"}


@dataclass
class LoadResult:
    tables: dict[str, pd.DataFrame]
    health: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Per table: rows read, kept, dropped, repaired (they reconcile)."""
        return reconcile(self.health)


def _examples(raw: pd.DataFrame, mask: pd.Series, source_col: str, n: int = 5) -> list[str]:
    idx = np.flatnonzero(np.asarray(mask))[:n]
    # row numbers as a spreadsheet shows them: header is line 1
    return [f"line {i + 2}: {source_col}={raw.iloc[i][source_col]!r}" for i in idx]


def _resolve_columns(raw: pd.DataFrame, src: TableSource) -> dict[str, str]:
    """canonical -> source header, from the config mapping, the canonical name, or a known alias."""
    table = TABLES[src.table]
    headers = list(raw.columns)
    lower = {h.lower(): h for h in headers}
    found: dict[str, str] = {}
    for col in table.columns:
        if col.name in src.columns:
            want = src.columns[col.name]
            if want not in headers:
                raise DataError(
                    f"the config maps {src.table}.{col.name} to column {want!r}, which is not in the file",
                    file=src.path, column=want, examples=[f"headers: {headers[:20]}"],
                    fix=f"set data.{src.table}.columns.{col.name} to one of the headers above",
                )
            found[col.name] = want
            continue
        for cand in [col.name, *ALIASES.get(col.name, [])]:
            if cand.lower() in lower:
                found[col.name] = lower[cand.lower()]
                break
    missing = [c for c in table.required_names if c not in found]
    if missing:
        raise DataError(
            f"the {src.table} file lacks required columns {missing}",
            file=src.path, column=", ".join(missing), examples=[f"headers: {headers[:20]}"],
            fix=f"map them in the client config, e.g. data.{src.table}.columns: {{{missing[0]}: <your header>}}",
        )
    return found


def _normalise_values(values: pd.Series, known: dict[str, list[str]], custom: dict[str, str]) -> pd.Series:
    lookup = {v.lower(): k for k, vs in known.items() for v in vs}
    lookup.update({k.lower(): v for k, v in custom.items()})
    text = values.astype("str").str.strip()
    return text.str.lower().map(lookup).fillna(text)


def _check_bad_share(n_bad: int, n: int, raw, mask, src: TableSource, source_col: str, what: str, fix: str):
    if n and n_bad / n > MAX_BAD_SHARE:
        raise DataError(
            f"{n_bad} of {n} values in the {src.table} column {source_col!r} are not {what}",
            file=src.path, column=source_col, examples=_examples(raw, mask, source_col), fix=fix,
        )


def canonicalise(raw: pd.DataFrame, src: TableSource, ledger: HealthLedger, salt: str) -> pd.DataFrame:
    """Map, parse and validate one raw table (see the module docstring for the rules)."""
    table = TABLES[src.table]
    fname = src.path.name
    cols = _resolve_columns(raw, src)
    ignored = [h for h in raw.columns if h not in cols.values()]
    if ignored:
        ledger.add(src.table, fname, "note", f"columns not used: {', '.join(map(str, ignored[:12]))}", len(ignored))
    n = len(raw)
    ledger.add(src.table, fname, "read", "rows read", n)
    out = pd.DataFrame(index=raw.index)
    drop = pd.Series("", index=raw.index, dtype=object)  # first reason a row is dropped

    def mark(mask: pd.Series, reason: str) -> None:
        mask = mask & (drop == "")
        drop[mask] = reason

    for col in table.columns:
        c: Column = col
        if c.name not in cols:
            if c.kind == "money":
                out[c.name] = float(c.default) if c.default is not None else np.nan
            elif c.kind in ("time", "date"):
                out[c.name] = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
            elif c.kind in ("count", "number"):
                out[c.name] = np.nan
            else:
                out[c.name] = pd.Series(c.default if c.default is not None else np.nan, index=raw.index, dtype="str")
            continue
        s = raw[cols[c.name]]
        srccol = cols[c.name]
        if c.kind in ("id", "text", "contact"):
            text = s.astype("str").str.strip()
            empty = text.isna() | (text == "") | text.str.lower().isin(["nan", "none", "null"])
            text = text.mask(empty)
            if c.kind == "id" and c.required:
                mark(empty, f"missing {c.name}")
            if c.name == "status":
                text = _normalise_values(text, STATUS_VALUES, src.values.get("status", {})).mask(empty, c.default)
                unknown = ~text.isin(["paid", "refunded", "cancelled"])
                if unknown.any():
                    vals = sorted(text[unknown].unique().tolist())[:10]
                    raise DataError(
                        f"unknown order status values {vals}", file=src.path, column=srccol,
                        examples=_examples(raw, unknown, srccol),
                        fix="map them in the client config: data.orders.values: {status: {<value>: paid|refunded|cancelled}}",
                    )
            elif c.name == "channel":
                text = _normalise_values(text, CHANNEL_VALUES, src.values.get("channel", {})).mask(empty, c.default)
            elif c.name == "path":  # "抖音 > 天猫" -> "douyin > tmall"
                steps = text.fillna("").str.split(">").explode().str.strip()
                steps = _normalise_values(steps, CHANNEL_VALUES, src.values.get("channel", {}))
                text = steps.groupby(level=0).agg(" > ".join).mask(empty)
            elif c.name in src.values:
                text = text.map(lambda v, m=src.values[c.name]: m.get(v, v))
            if c.default is not None and c.kind == "text":
                text = text.fillna(c.default)
            out[c.name] = text.astype("str")
        elif c.kind in ("time", "date"):
            parsed, bad = parse_datetimes(s)
            _check_bad_share(int(bad.sum()), n, raw, bad, src, srccol, "dates",
                             "check the column mapping; dates may look like 2024-01-05, 2024/1/5 13:02 or 2024年1月5日")
            if c.required:
                mark(bad, f"unparseable {c.name}")
                mark(parsed.isna() & ~bad, f"missing {c.name}")
            elif bad.any():
                ledger.add(src.table, fname, "repaired", f"unparseable {c.name} left empty", int(bad.sum()))
            out[c.name] = parsed.dt.normalize() if c.kind == "date" else parsed
        else:  # money, count, number
            if c.kind == "count":
                parsed, bad = parse_counts(s)
                cleaned = pd.Series(False, index=s.index)
            else:
                parsed, bad, cleaned = parse_amounts(s)
            _check_bad_share(int(bad.sum()), n, raw, bad, src, srccol, "numbers",
                             "check the column mapping; amounts may look like 1234.5, ¥1,234.50 or 1234.50元")
            neg = parsed < 0
            if c.required:
                mark(bad, f"not a number: {c.name}")
                mark(parsed.isna() & ~bad, f"missing {c.name}")
                mark(neg, f"negative {c.name}")
            else:
                if (bad | neg).any():
                    ledger.add(src.table, fname, "repaired", f"invalid {c.name} left empty", int((bad | neg).sum()))
                parsed = parsed.mask(bad | neg)
                if c.default is not None:
                    parsed = parsed.fillna(float(c.default))
            if cleaned.any():
                ledger.add(src.table, fname, "repaired", f"{c.name} text cleaned (currency sign, separators)", int(cleaned.sum()))
            out[c.name] = parsed.astype("float64")

    # exact duplicate rows are export artefacts: drop and count
    dup = out.duplicated(keep="first") & (drop == "")
    mark(dup, "exact duplicate row")
    for reason, cnt in drop[drop != ""].value_counts().items():
        ledger.add(src.table, fname, "dropped", reason, int(cnt))
    out = out[drop == ""].copy()

    if table.key:
        key = list(table.key)
        clash = out.duplicated(key, keep=False)
        if clash.any():
            if src.table == "orders":
                ex = out[clash].sort_values(key).head(5)
                raise DataError(
                    f"{int(out[clash][key[0]].nunique())} order ids appear more than once with different values",
                    file=src.path, column=cols.get(key[0], key[0]),
                    examples=[", ".join(f"{k}={v}" for k, v in r.items()) for r in ex.astype(str).to_dict("records")],
                    fix="order ids must be unique: export one row per order (order lines go in order_items)",
                )
            later = out.duplicated(key, keep="first")
            ledger.add(src.table, fname, "dropped", f"duplicate {key[0]} (first kept)", int(later.sum()))
            out = out[~later]

    if src.table == "orders":
        refunded_no_amount = (out["status"] == "refunded") & (out["refund_amount"] <= 0)
        if refunded_no_amount.any():
            out.loc[refunded_no_amount, "refund_amount"] = out.loc[refunded_no_amount, "amount"]
            ledger.add("orders", fname, "repaired", "refunded without refund_amount: full refund assumed", int(refunded_no_amount.sum()))
        over = out["refund_amount"] > out["amount"]
        if over.any():
            out.loc[over, "refund_amount"] = out.loc[over, "amount"]
            ledger.add("orders", fname, "repaired", "refund_amount above amount capped", int(over.sum()))

    if "customer_id" in out:
        out["customer_id"] = pseudonymise(out["customer_id"], salt, column="customer_id").astype("str")
    for c in CONTACT_COLUMNS.get(src.table, []):
        if c in cols:
            out[c] = pseudonymise(out[c], salt, column=c).astype("str")
    if "quantity" in out:
        out["quantity"] = out["quantity"].astype("int64")
    return out.reset_index(drop=True)


def _drop(df: pd.DataFrame, mask: pd.Series, table: str, fname: str, reason: str, ledger: HealthLedger) -> pd.DataFrame:
    if mask.any():
        ledger.add(table, fname, "dropped", reason, int(mask.sum()))
        return df[~mask].reset_index(drop=True)
    return df


def load_tables(config: ClientConfig) -> LoadResult:
    """Read, validate and pseudonymise every table in ``config``.

    Returns
    -------
    LoadResult
        ``tables``: canonical DataFrames by name (only the tables the config names);
        ``health``: the ledger (table, file, kind, reason, rows).

    Raises
    ------
    DataError
        A file is missing or unreadable, a required column is missing, most of a column cannot be
        parsed, order ids clash, or no order is left; the message names file, column, rows and fix.
    """
    ledger = HealthLedger()
    salt = config.resolved_salt()
    tables: dict[str, pd.DataFrame] = {}
    order = ["orders"] + [t for t in config.sources if t != "orders"]
    for name in order:
        src = config.sources[name]
        df = canonicalise(read_raw(src), src, ledger, salt)
        fname = src.path.name
        col = _WINDOW_COLUMN.get(name)
        if col and (config.start or config.end):
            lo = pd.Timestamp(config.start) if config.start else pd.Timestamp.min
            hi = pd.Timestamp(config.end) + pd.Timedelta(days=1) if config.end else pd.Timestamp.max
            df = _drop(df, (df[col] < lo) | (df[col] >= hi), name, fname, "outside the analysis window", ledger)
        if name == "order_items":
            df = _drop(df, ~df["order_id"].isin(tables["orders"]["order_id"]), name, fname, "order_id not in orders", ledger)
        if name == "orders" and df.empty:
            raise DataError("no orders are left after validation", file=src.path,
                            examples=ledger.frame().query("table == 'orders'").to_string(index=False).splitlines(),
                            fix="check the analysis window in the client config and the reasons above")
        ledger.add(name, fname, "kept", "rows kept", len(df))
        tables[name] = df
    ledger.check()
    return LoadResult(tables, ledger.frame())
