"""Load a client's exports into the canonical tables, with a data-health ledger.

``load_tables(config)`` reads every file of every table the config names, maps the client's column
names onto the canonical ones (:mod:`mopkit.data.schema`), parses dates and amounts, validates,
pseudonymises customer ids and contact data, stacks the files of a table, links one customer
across platforms (:mod:`mopkit.data.stitch`) and returns the tables plus the health table. Platform
exports and line-level files go through :mod:`mopkit.data.exports`. Every row read is
either kept or dropped with one reason; the counts reconcile (:func:`mopkit.data.health.reconcile`).

Rules
-----
* A required column that is missing, or one in which more than ``MAX_BAD_SHARE`` of the values
  cannot be parsed, stops the load with a :class:`DataError` (the mapping is probably wrong).
* Fewer bad values: those rows are dropped and counted (``unparseable order_time``, ...).
* Negative amounts, missing ids, rows outside the analysis window, and order lines of unknown
  orders are dropped and counted. Exact duplicate rows are dropped and counted in every table but
  ``order_items`` and ``paths`` (there identical rows are real). Conflicting duplicate order ids stop
  the load. Several files per table are stacked; every rule applies over the stacked table.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import ClientConfig, TableSource
from ..errors import DataError
from .health import HealthLedger, reconcile
from .presets import best_preset, match_columns
from .parse import parse_amounts, parse_counts, parse_datetimes
from .identity import clean_ids, mark_masked, normalise_contact
from .privacy import pseudonymise
from .readers import read_raw
from .schema import CONTACT_KIND, TABLES, Column, Table

MAX_BAD_SHARE = 0.2
#: Header names seen in common platform exports, per canonical column (used when the config maps none).
ALIASES = {
    "order_id": ["订单编号", "订单号", "主订单编号", "order id", "order_no", "Name"],
    "customer_id": ["买家ID", "买家id", "用户ID", "会员ID", "客户ID", "客户编号", "会员编号", "买家", "买家昵称", "买家会员名",
                    "customer id", "customer_no", "buyer_id", "user_id", "member_id"],
    "order_time": ["下单时间", "创建时间", "订单创建时间", "支付时间", "created_at", "order_date", "Created at"],
    "amount": ["实付金额", "买家实付金额", "订单金额", "实付款", "amount_paid", "total", "Total"],
    "channel": ["渠道", "来源渠道", "流量来源", "广告渠道", "source"],
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
    "name": ["姓名", "收货人", "收件人"],
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
#: Tables whose identical rows are real rows (kept); in every other table they are dropped and counted.
KEEP_IDENTICAL_ROWS = ("order_items", "paths")
NO_PLATFORM = "unknown"
_WINDOW_COLUMN = {"orders": "order_time", "touchpoints": "touch_time", "events": "event_time", "ad_spend": "date"}


@dataclass
class LoadResult:
    tables: dict[str, pd.DataFrame]
    health: pd.DataFrame
    stitching: pd.DataFrame | None = None

    def summary(self, by_file: bool = False) -> pd.DataFrame:
        """Per table (or per table and file): rows read, kept, dropped, repaired (they reconcile)."""
        return reconcile(self.health, by_file=by_file)


def _examples(raw: pd.DataFrame, mask: pd.Series, source_col: str, n: int = 5) -> list[str]:
    idx = np.flatnonzero(np.asarray(mask))[:n]
    # row numbers as a spreadsheet shows them: header is line 1
    return [f"line {i + 2}: {source_col}={raw.iloc[i][source_col]!r}" for i in idx]


def _resolve_columns(raw: pd.DataFrame, src: TableSource) -> dict[str, str]:
    """canonical -> source header, from the config mapping, the canonical name, or a known alias."""
    table = TABLES[src.table]
    headers = list(raw.columns)
    found: dict[str, str] = {}
    for col in table.columns:
        if col.name in src.columns:
            want = src.columns[col.name]
            hit = match_columns(headers, {col.name: [want]}).get(col.name) if want not in headers else want
            if hit is None:
                raise DataError(
                    f"the config maps {src.table}.{col.name} to column {want!r}, which is not in the file",
                    file=src.path, column=want, examples=[f"headers: {headers[:20]}"],
                    fix=f"set data.{src.table}.columns.{col.name} to one of the headers above",
                )
            found[col.name] = hit
    aliases = {c.name: ALIASES.get(c.name, []) for c in table.columns if c.name not in found}
    for k, h in match_columns([h for h in headers if h not in found.values()], aliases).items():
        found[k] = h
    missing = [c for c in table.required_names if c not in found]
    if missing:
        raise missing_columns_error(src, missing, headers)
    return found


def missing_columns_error(src: TableSource, missing: list[str], headers: list[str]) -> DataError:
    """The error for required columns not found; names the platform preset the headers look like."""
    fix = f"map them in the client config, e.g. data.{src.table}.columns: {{{missing[0]}: <your header>}}"
    best, score = best_preset(headers)
    looks = f"the headers look like a {best} export ({score:.0%} of its columns found): try preset: {best}"
    if src.preset:
        fix = f"this file does not look like a {src.preset} export; " + (looks + "; or " if best and best != src.preset and score >= 0.3 else "") + fix
    elif best and score >= 0.3:
        fix += "; " + looks
    return DataError(f"the {src.table} file lacks required columns {missing}", file=src.path,
                     column=", ".join(missing), examples=[f"headers: {headers[:20]}"], fix=fix)


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


def canonicalise(raw: pd.DataFrame, src: TableSource, ledger: HealthLedger, salt: str, *,
                 fname: str | None = None, table: Table | None = None, cols: dict[str, str] | None = None) -> pd.DataFrame:
    """Map, parse, validate and pseudonymise one raw table (see the module docstring for the rules).

    ``table`` and ``cols`` (canonical -> header) override the canonical table of ``src.table`` and
    the header resolution (the export path of :mod:`mopkit.data.exports` uses them for order lines).
    Exact duplicate rows and key clashes are handled per table after stacking (:func:`load_tables`).
    """
    table = table or TABLES[src.table]
    fname = fname or src.path.name
    cols = cols if cols is not None else _resolve_columns(raw, src)
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
            if c.kind == "id":  # ids exported as ="123", '123 or with a leading tab keep their digits
                text = clean_ids(text)
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

    for reason, cnt in drop[drop != ""].value_counts().items():
        ledger.add(src.table, fname, "dropped", reason, int(cnt))
    out = out[drop == ""].copy()

    if table is TABLES["orders"]:  # order rows (an export's lines are repaired once grouped into orders)
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
    for c in (x.name for x in table.columns if x.kind == CONTACT_KIND):
        if c in cols:
            norm, masked = normalise_contact(out[c], c)
            if masked.any():
                ledger.add(src.table, fname, "note", f"{c}: {int(masked.sum())} values masked or encrypted "
                           "(e.g. 138****1234): kept, but they cannot link customers across platforms", int(masked.sum()))
            pseudo = mark_masked(pseudonymise(norm, salt, column=c), masked)
            out[c] = pseudo.astype(object).where(pseudo.notna(), None)  # missing stays missing
    if "quantity" in out:
        out["quantity"] = out["quantity"].astype("int64")
    return out.reset_index(drop=True)


def _drop(df: pd.DataFrame, mask, table: str, reason: str, ledger: HealthLedger) -> pd.DataFrame:
    """Drop the rows of ``mask``, counted per source file."""
    mask = np.asarray(mask, dtype=bool)
    if mask.any():
        for f, cnt in df.loc[mask, "source_file"].value_counts(sort=False).items():
            ledger.add(table, str(f), "dropped", reason, int(cnt))
        return df[~mask].reset_index(drop=True)
    return df


def _label(src: TableSource, config: ClientConfig) -> str:
    """How a file is named in the ledger: its path relative to the config's folder when inside it."""
    try:
        return src.path.relative_to(config.path.parent).as_posix()
    except ValueError:
        return src.path.name


def _stack(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if p is not None]
    return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)


def _dedupe(df: pd.DataFrame, name: str, ledger: HealthLedger) -> pd.DataFrame:
    """Per-table duplicate rules, over every stacked file.

    orders, customers, touchpoints, events, ad_spend: exact duplicate rows (the same row in one
    file or in two overlapping exports) are export artefacts, dropped and counted.
    order_items and paths: identical rows are real (two identical lines of one order; path rows
    of the same path, summed when journeys are built), so they are kept.
    Then the key: conflicting orders with one order_id stop the load; other keys keep the first.
    """
    key = list(TABLES[name].key)
    if name not in KEEP_IDENTICAL_ROWS:
        data = [c for c in df.columns if c != "source_file"]
        if key:  # identical rows share their key: compare whole rows only where the key repeats (memory)
            cand = df.duplicated(key, keep=False).to_numpy()
            exact = np.zeros(len(df), bool)
            exact[cand] = df.loc[cand, data].duplicated(keep="first").to_numpy()
        else:
            exact = df.duplicated(data, keep="first").to_numpy()
        df = _drop(df, exact, name, "exact duplicate row", ledger)
    if key:
        clash = df.duplicated(key, keep=False)
        if clash.any() and name == "orders":
            ex = df[clash].sort_values(key).head(5)
            raise DataError(
                f"{int(df.loc[clash, key[0]].nunique())} order ids appear more than once with different values",
                file=", ".join(sorted(df.loc[clash, "source_file"].astype(str).unique())[:5]), column=key[0],
                examples=[", ".join(f"{k}={v}" for k, v in r.items()) for r in ex.astype(str).to_dict("records")],
                fix="order ids must be unique per platform: export one row per order (order lines go in order_items, "
                    "or set grain: line / a preset for line-level exports); give each platform's files their platform",
            )
        if clash.any():
            df = _drop(df, df.duplicated(key, keep="first").to_numpy(), name, f"duplicate {key[0]} (first kept)", ledger)
    return df


def _namespace_ids(tables: dict[str, pd.DataFrame], ledger: HealthLedger) -> None:
    """Order ids unique per platform become ``platform:id`` when orders of several platforms are stacked.

    Order lines from a source with a platform get the same prefix; lines from a source without one
    are matched on the bare id, which must then belong to exactly one platform's order (else the
    line is dropped and counted: ambiguous).
    """
    o = tables["orders"]
    plats = o["platform"].unique()
    if len(plats) < 2:
        return
    bare = o["order_id"]
    has = o["platform"] != NO_PLATFORM
    tables["orders"] = o.assign(order_id=bare.where(~has, o["platform"] + ":" + bare))
    items = tables.get("order_items")
    if items is None:
        return
    ih = items["platform"] != NO_PLATFORM
    new_id = items["order_id"].where(~ih, items["platform"] + ":" + items["order_id"])
    if (~ih).any():  # lines without a platform: look the bare id up among every platform's orders
        ref = pd.DataFrame({"bare": bare.to_numpy(), "full": tables["orders"]["order_id"].to_numpy()})
        n_owner = ref.groupby("bare", sort=False)["full"].transform("size")
        ref = ref.assign(n=n_owner).drop_duplicates("bare")
        look = pd.DataFrame({"bare": items.loc[~ih, "order_id"].to_numpy()}).merge(ref, on="bare", how="left")
        ambiguous = (look["n"] > 1).to_numpy()
        full = look["full"].where(look["n"] == 1, look["bare"]).to_numpy()
        new_id = new_id.copy()
        new_id[~ih.to_numpy()] = full
        amb = np.zeros(len(items), bool)
        amb[np.flatnonzero(~ih.to_numpy())[ambiguous]] = True
        items = items.assign(order_id=new_id)
        tables["order_items"] = _drop(items, amb, "order_items", "order_id used by orders of several platforms "
                                      "(give this order_items source its platform)", ledger)
    else:
        tables["order_items"] = items.assign(order_id=new_id)


def _in_set(values: pd.Series, allowed: pd.Series) -> np.ndarray:
    """Vectorised membership test (Arrow's hash kernel, no Python objects per row)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    ref = pa.array(allowed.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    return pc.is_in(arr, value_set=ref).to_numpy(zero_copy_only=False)


def load_tables(config: ClientConfig) -> LoadResult:
    """Read, validate, stack, pseudonymise and stitch every table in ``config``.

    Each table may come from several files (``config.sources[table]``, in config order); each row
    keeps ``source_file`` (path relative to the config) and ``platform`` (``unknown`` when the
    source names none). Order sources with a platform preset or ``grain: line`` also fill
    ``order_items`` and ``customers`` (:mod:`mopkit.data.exports`). After loading, customers are
    linked across platforms (:mod:`mopkit.data.stitch`).

    Returns
    -------
    LoadResult
        ``tables``: canonical DataFrames by name (only the tables the config names or an export fills);
        ``health``: the ledger (table, file, kind, reason, rows), reconciling per table and per file;
        ``stitching``: the cross-platform customer report.

    Raises
    ------
    DataError
        A file is missing or unreadable, a required column is missing, most of a column cannot be
        parsed, order ids clash, or no order is left; the message names file, column, rows and fix.
    """
    from .exports import is_export, load_export
    from .stitch import stitch_customers

    ledger = HealthLedger()
    salt = config.resolved_salt()
    parts: dict[str, list[pd.DataFrame]] = {}
    late: dict[str, list[pd.DataFrame]] = {}
    order = ["orders"] + [t for t in config.sources if t != "orders"]
    for name in order:
        for src in config.sources[name]:
            fname = _label(src, config)
            raw = read_raw(src)
            if name == "orders" and is_export(src, raw):
                got = load_export(raw, src, ledger, salt, fname)
            else:
                got = {name: canonicalise(raw, src, ledger, salt, fname=fname)}
            for t, df in got.items():
                df["source_file"] = fname
                df["platform"] = src.platform or NO_PLATFORM
                # a table's own files first, then what order exports add to it (their values come second)
                (parts if t == name else late).setdefault(t, []).append(df)
    for t, dfs in late.items():
        parts.setdefault(t, []).extend(dfs)

    tables: dict[str, pd.DataFrame] = {}
    names = ["orders"] + [t for t in TABLES if t != "orders" and t in parts]
    tables = {name: _stack(parts.pop(name)) for name in names}  # pop: the per-file frames are freed
    _namespace_ids(tables, ledger)
    for name in names:
        tables[name] = _dedupe(tables[name], name, ledger)
    for name in names:
        df = tables[name]
        col = _WINDOW_COLUMN.get(name)
        if col and (config.start or config.end):
            lo = pd.Timestamp(config.start) if config.start else pd.Timestamp.min
            hi = pd.Timestamp(config.end) + pd.Timedelta(days=1) if config.end else pd.Timestamp.max
            df = _drop(df, ((df[col] < lo) | (df[col] >= hi)).to_numpy(), name, "outside the analysis window", ledger)
        if name == "order_items":
            df = _drop(df, ~_in_set(df["order_id"], tables["orders"]["order_id"]), name, "order_id not in orders", ledger)
        if name == "orders" and df.empty:
            raise DataError("no orders are left after validation", file=", ".join(s.path.name for s in config.sources["orders"]),
                            examples=ledger.frame().query("table == 'orders'").to_string(index=False).splitlines(),
                            fix="check the analysis window in the client config and the reasons above")
        tables[name] = df
    tables, stitching = stitch_customers(tables, ledger)
    for name, df in tables.items():
        files = [_label(s, config) for s in config.sources.get(name, ())] + list(df["source_file"].unique())
        kept = df["source_file"].value_counts(sort=False)
        for f in dict.fromkeys(files):
            if any(r["table"] == name and r["file"] == f and r["kind"] == "read" for r in ledger.rows):
                ledger.add(name, f, "kept", "rows kept", int(kept.get(f, 0)))
        for c in ("source_file", "platform"):
            df[c] = df[c].astype("category")
    ledger.check()
    return LoadResult(tables, ledger.frame(), stitching)
