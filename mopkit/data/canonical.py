"""One raw table to its canonical form: header aliases, value maps, parsing, validation, pseudonyms.

Shared by the loader (:mod:`mopkit.data.loader`, one file per source) and the export path
(:mod:`mopkit.data.exports`, platform presets and line-level files), so neither imports the other.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import TableSource
from ..errors import DataError
from .health import HealthLedger
from .identity import clean_ids, mark_masked, normalise_contact
from .parse import parse_amounts, parse_counts, parse_datetimes
from .presets import best_preset, match_columns
from .privacy import PSEUDONYM_RE, pseudonymise
from .schema import CONTACT_KIND, TABLES, Column, Table


MAX_BAD_SHARE = 0.2


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


def _examples(raw: pd.DataFrame, mask: pd.Series, source_col: str, n: int = 5) -> list[str]:
    idx = np.flatnonzero(np.asarray(mask))[:n]
    # row numbers as a spreadsheet shows them: header is line 1
    return [f"line {i + 2}: {source_col}={raw.iloc[i][source_col]!r}" for i in idx]


def mapped_columns(headers: list[str], src: TableSource, names=None) -> dict[str, str]:
    """canonical -> header for the columns the config maps by hand (``src.columns``, only ``names``
    if given). A mapping to a header that is not in the file is a :class:`DataError` naming it."""
    found: dict[str, str] = {}
    for canon, want in src.columns.items():
        if names is not None and canon not in names:
            continue
        hit = want if want in headers else match_columns(headers, {canon: [want]}).get(canon)
        if hit is None:
            raise DataError(f"the config maps {src.table}.{canon} to column {want!r}, which is not in the file",
                            file=src.path, column=want, examples=[f"headers: {headers[:20]}"],
                            fix=f"set data.{src.table}.columns.{canon} to one of the headers above")
        found[canon] = hit
    return found


def _resolve_columns(raw: pd.DataFrame, src: TableSource) -> dict[str, str]:
    """canonical -> source header, from the config mapping, the canonical name, or a known alias."""
    table = TABLES[src.table]
    headers = list(raw.columns)
    found = mapped_columns(headers, src, {c.name for c in table.columns})
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


def _distinct(s: pd.Series, *, per_row_ok: bool = False) -> tuple[np.ndarray, pd.Series]:
    """(codes, distinct values as text): ``text[codes]`` is ``s.astype("str")``; code -1 is a missing value.

    ``per_row_ok``: a column of mostly distinct values (order ids) comes back as it is, with codes
    ``0..n-1`` (hashing it would cost more than it saves)."""
    if not (pd.api.types.is_string_dtype(s.dtype) or isinstance(s.dtype, pd.CategoricalDtype)):
        s = s.astype("str")  # numbers, dates: their text first, as a whole column (as before)
    head = s.iloc[:10_000]
    if per_row_ok and not isinstance(s.dtype, pd.CategoricalDtype) and len(s) > 2 * len(head) \
            and head.nunique(dropna=False) > len(head) // 2:
        return np.arange(len(s)), s.astype("str").reset_index(drop=True)
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    return codes, pd.Series(uniq).astype("str")


def _clean_text(text: pd.Series, c: Column, src: TableSource) -> tuple[pd.Series, np.ndarray]:
    """Clean distinct values of an id, text or contact column: (clean text as ``str``, empty mask).

    Per value: stripped, ids without spreadsheet protection, ``nan``/``none``/``null`` empty,
    status and channel names mapped, path steps mapped, the config's value map applied, the
    column's default for empty text."""
    text = text.str.strip()
    if c.kind == "id":  # ids exported as ="123", '123 or with a leading tab keep their digits
        text = clean_ids(text)
    empty = text.isna() | (text == "") | text.str.lower().isin(["nan", "none", "null"])
    text = text.mask(empty)
    if c.name == "status":
        text = _normalise_values(text, STATUS_VALUES, src.values.get("status", {})).mask(empty, c.default)
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
    return text.astype("str"), empty.to_numpy(bool)


def _take(text: pd.Series, codes: np.ndarray, fill, index: pd.Index) -> pd.Series:
    """``text[codes]`` per row (Arrow's take), missing (code -1) as ``fill`` when given."""
    if len(text) == len(codes) and len(codes) and codes[-1] == len(codes) - 1:  # all distinct, none missing: in row order
        return pd.Series(text.array, index=index)
    out = pd.Series(pd.api.extensions.take(text.array, codes, allow_fill=True), index=index)
    if fill is not None and (codes < 0).any():
        out = out.fillna(fill)
    return out


def _categorical(text: pd.Series, codes: np.ndarray, fill, index: pd.Index) -> pd.Series:
    """``_take(text, codes, fill)`` as a categorical: the distinct values once, a code per row."""
    inner, cats = pd.factorize(text, use_na_sentinel=True)  # cleaning may merge values, empties are missing
    cats = pd.Index(cats, dtype="str")
    if len(inner) == len(cats) and (inner == np.arange(len(inner))).all():  # nothing merged, nothing emptied
        rows = codes.copy()
    else:
        rows = np.where(codes >= 0, inner[np.maximum(codes, 0)] if len(inner) else -1, -1)
    if fill is not None and (rows < 0).any():
        at = cats.get_indexer([fill])[0]
        if at < 0:
            cats, at = cats.append(pd.Index([fill], dtype="str")), len(cats)
        rows[rows < 0] = at
    return pd.Series(pd.Categorical.from_codes(rows, categories=cats), index=index)


def as_text(df: pd.DataFrame, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """``df`` with its categorical columns (but ``keep``) as ``str`` columns (Arrow's take), a new frame."""
    out = df.copy(deep=False)  # copy-on-write: the columns replaced below are new, the rest shared
    done: list[tuple[pd.Series, pd.Series]] = []
    for c in df.columns:
        col = df[c]
        if c in keep or not isinstance(col.dtype, pd.CategoricalDtype):
            continue
        codes = col.cat.codes.to_numpy()
        same = [t for src, t in done if np.may_share_memory(src.cat.codes.to_numpy(), codes)
                and src.cat.categories.equals(col.cat.categories) and (src.cat.codes.to_numpy() == codes).all()]
        if same:  # the same column twice (platform_customer_id before any stitching): one text column, shared
            out[c] = same[0]
            continue
        cats = pd.array(col.cat.categories.astype("str"), dtype="str")
        out[c] = pd.Series(pd.api.extensions.take(cats, codes, allow_fill=True), index=df.index)
        done.append((col, out[c]))
    return out


def canonicalise(raw: pd.DataFrame, src: TableSource, ledger: HealthLedger, salt: str, *,
                 fname: str | None = None, table: Table | None = None, cols: dict[str, str] | None = None,
                 compact: bool = False, known: dict[str, str] | None = None) -> pd.DataFrame:
    """Map, parse, validate and pseudonymise one raw table (see the module docstring for the rules).

    ``table`` and ``cols`` (canonical -> header) override the canonical table of ``src.table`` and
    the header resolution (the export path of :mod:`mopkit.data.exports` uses them for order lines).
    Exact duplicate rows and key clashes are handled per table after stacking (:func:`load_tables`).
    ``compact``: id and text columns whose values repeat come as categoricals (one code per row);
    :func:`as_text` turns them into the ``str`` columns returned without it. ``known``: customer id
    pseudonyms already computed in this load (see :func:`mopkit.data.privacy.pseudonymise`).
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
    reasons: list[str] = [""]
    drop = np.zeros(n, np.int16)  # per row: index into ``reasons`` of the first reason it is dropped (0: kept)

    def mark(mask, reason: str) -> None:
        mask = np.asarray(mask, dtype=bool) & (drop == 0)
        if mask.any():
            reasons.append(reason)
            drop[mask] = len(reasons) - 1

    for col in table.columns:
        c: Column = col
        if c.name not in cols:
            if c.kind == "money":
                out[c.name] = float(c.default) if c.default is not None else np.nan
            elif c.kind in ("time", "date"):
                out[c.name] = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
            elif c.kind in ("count", "number"):
                out[c.name] = np.nan
            elif compact:
                text = pd.Series([] if c.default is None else [c.default], dtype="str")
                out[c.name] = _categorical(text, np.full(n, -1 if c.default is None else 0, np.int8), None, raw.index)
            else:
                out[c.name] = pd.Series(c.default if c.default is not None else np.nan, index=raw.index, dtype="str")
            continue
        s = raw[cols[c.name]]
        srccol = cols[c.name]
        if c.kind in ("id", "text", "contact"):
            # every step is per value: run it on the distinct values, map back with their codes
            codes, uniq = _distinct(s, per_row_ok=c.name != "customer_id")
            text, empty_u = _clean_text(uniq, c, src)
            empty = empty_u[codes] if len(uniq) else np.ones(n, bool)
            empty[codes < 0] = True
            if c.kind == "id" and c.required:
                mark(empty, f"missing {c.name}")
            if c.name == "status":
                unknown_u = ~text.isin(["paid", "refunded", "cancelled"]).to_numpy(bool)
                if unknown_u.any():
                    vals = sorted(text[unknown_u].unique().tolist())[:10]
                    unknown = unknown_u[np.maximum(codes, 0)]
                    unknown[codes < 0] = c.default not in ("paid", "refunded", "cancelled")
                    raise DataError(
                        f"unknown order status values {vals}", file=src.path, column=srccol,
                        examples=_examples(raw, unknown, srccol),
                        fix="map them in the client config: data.orders.values: {status: {<value>: paid|refunded|cancelled}}",
                    )
            if c.name == "customer_id" and table is not TABLES["campaigns"]:  # pseudonymised here: once per distinct id
                text = pseudonymise(text, salt, column="customer_id", known=known).astype("str")
            fill = c.default if c.kind == "text" else None
            few = compact and len(text) <= n // 2  # repeated values: one code per row
            out[c.name] = _categorical(text, codes, fill, raw.index) if few else _take(text, codes, fill, raw.index)
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

    dropped = drop != 0
    if dropped.any():
        for reason, cnt in pd.Series(np.asarray(reasons, dtype=object)[drop[dropped]]).value_counts().items():
            ledger.add(src.table, fname, "dropped", reason, int(cnt))
        out = out[~dropped]

    if table is TABLES["orders"]:  # order rows (an export's lines are repaired once grouped into orders)
        out = repair_refunds(out, ledger, fname)

    if "customer_id" in out and table is TABLES["campaigns"]:
        # a send log mopkit wrote (outputs/triggers_send_log.csv) comes back with this client's
        # pseudonyms: keep those as they are (hashing them again would match no order); raw
        # ids the merchant mapped back are pseudonymised as in every table (other tables: above)
        ids = out["customer_id"]
        done = ids.astype("string").str.fullmatch(PSEUDONYM_RE).fillna(False).to_numpy(bool)
        hashed = pseudonymise(ids.mask(done), salt, column="customer_id")
        out["customer_id"] = hashed.mask(done, ids.astype("string")).astype("str")
        if done.any():
            ledger.add("campaigns", fname, "note", "customer ids already pseudonyms (a mopkit send log): kept as they are",
                       int(done.sum()))
    for c in (x.name for x in table.columns if x.kind == CONTACT_KIND):
        if c in cols:
            norm, masked = normalise_contact(out[c], c)
            if masked.any():
                ledger.add(src.table, fname, "note", f"{c}: {int(masked.sum())} values masked or encrypted "
                           "(e.g. 138****1234): kept, but they cannot link customers across platforms", int(masked.sum()))
            pseudo = mark_masked(pseudonymise(norm, salt, column=c), masked)
            out[c] = pseudo.astype(object).where(pseudo.notna(), None)  # missing stays missing
    if "quantity" in out and table.column("quantity").required:  # optional (an export's lines): float, may be empty
        out["quantity"] = out["quantity"].astype("int64")
    return out.reset_index(drop=True)


def repair_refunds(orders: pd.DataFrame, ledger: HealthLedger, fname: str) -> pd.DataFrame:
    """The two refund repairs, counted in the ledger: a refunded order without a refund amount is a
    full refund; a refund above the amount is capped at it. Returns a repaired copy."""
    out = orders.copy(deep=False)  # copy-on-write: only the columns repaired below are copied
    refunded_no_amount = (out["status"] == "refunded") & (out["refund_amount"] <= 0)
    if refunded_no_amount.any():
        out.loc[refunded_no_amount, "refund_amount"] = out.loc[refunded_no_amount, "amount"]
        ledger.add("orders", fname, "repaired", "refunded without refund_amount: full refund assumed", int(refunded_no_amount.sum()))
    over = out["refund_amount"] > out["amount"]
    if over.any():
        out.loc[over, "refund_amount"] = out.loc[over, "amount"]
        ledger.add("orders", fname, "repaired", "refund_amount above amount capped", int(over.sum()))
    return out
