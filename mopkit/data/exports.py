"""Order exports that are not one clean row per order: platform presets and line-level files.

A source of the orders table goes through here when it names a ``preset`` (douyin, tmall, ...),
says ``grain: line``, or maps customer columns (phone, e-mail, ...). Steps, every dropped row
counted in the ledger:

1. headers: the merchant's hand mapping, then the preset's aliases, then the generic ones;
2. returns: a line whose order id starts with ``C`` (a cancellation invoice, Online Retail II) or
   whose quantity is negative is a return, not a sale: dropped and counted with its value;
3. order-level fields on a multi-row order's first row only (Shopify) are carried to its other rows;
4. the buyer key: the buyer id column, else the preset's ``customer_from`` contacts (a masked phone
   is combined with the receiver's name so two masked buyers rarely merge); ids of a preset source are
   namespaced by platform (``douyin:<id>`` before hashing), since platform accounts are per platform;
5. lines are parsed, validated and pseudonymised (:func:`mopkit.data.canonical.canonicalise`);
6. grouped into orders: amount = sum of line amounts (``amount_per: line``), the order's amount
   (``amount_per: order``) or sum of quantity x unit price (no amount column); status = paid if any
   line is paid, else refunded if any line is, else cancelled (order-level status: the first row's);
   a line whose after-sale state is a completed refund adds its amount to ``refund_amount``;
7. lines with a product and quantity fill ``order_items``; contact columns fill ``customers``
   (one row per buyer, ``first_seen`` = first order).
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from ..config import TableSource
from .health import HealthLedger
from .identity import clean_ids, normalise_contact
from .parse import parse_amounts
from .presets import match_columns, presets
from .schema import TABLES, Column, Table

_ORDER_COLS = list(TABLES["orders"].columns)
_ITEM_COLS = ["sku", "product_name", "category", "quantity", "unit_price"]
_CUSTOMER_COLS = ["name", "phone", "address", "wechat_id", "douyin_id", "email", "region"]
_EXTRA = [Column("line_id", "id", False, "Sub-order / line id."), Column("after_sale", "text", False, "After-sale state.")]


def is_export(src: TableSource) -> bool:
    """Whether an orders source needs the export path (preset, line grain, or mapped contacts)."""
    return bool(src.preset) or src.grain == "line" or any(c in src.columns for c in _CUSTOMER_COLS + _ITEM_COLS + ["line_id", "after_sale"])


def _line_table(cols: dict[str, str], amount_required: bool) -> Table:
    order = [dataclasses.replace(c, required=c.required and (c.name != "amount" or amount_required)) for c in _ORDER_COLS]
    # without an amount column a line's amount is quantity x unit price: then both are required
    items = [dataclasses.replace(TABLES["order_items"].column(n), required=not amount_required and n in ("quantity", "unit_price"))
             for n in _ITEM_COLS]
    cust = [TABLES["customers"].column(n) for n in _CUSTOMER_COLS]
    return Table("orders", "order lines", tuple(order + [c for c in items + cust + _EXTRA if c.name in cols]))


def _resolve(raw: pd.DataFrame, src: TableSource, spec: dict) -> dict[str, str]:
    from .canonical import ALIASES, mapped_columns, missing_columns_error

    headers = list(raw.columns)
    found = mapped_columns(headers, src)
    rest = [h for h in headers if h not in found.values()]
    for k, h in match_columns(rest, spec.get("columns", {}), skip=found).items():
        found[k] = h
    rest = [h for h in headers if h not in found.values()]
    generic = {c: ALIASES.get(c, []) for c in [c.name for c in _ORDER_COLS] + _ITEM_COLS + _CUSTOMER_COLS if c not in found}
    if src.preset is None:  # generic aliases only for hand-mapped sources; a preset knows its file
        for k, h in match_columns(rest, generic).items():
            found[k] = h
    need = ["order_id", "order_time"]
    if "customer_id" not in found and not any(c in found for c in spec.get("customer_from", [])):
        need.append("customer_id")
    if "amount" not in found and not {"quantity", "unit_price"} <= set(found):
        need.append("amount")
    missing = [c for c in need if c not in found]
    if missing:
        raise missing_columns_error(src, missing, headers)
    return found


def _blank(s: pd.Series) -> pd.Series:
    t = s.astype("string").str.strip()
    return t.isna() | (t == "")


def load_export(raw: pd.DataFrame, src: TableSource, ledger: HealthLedger, salt: str, fname: str) -> dict[str, pd.DataFrame]:
    """Canonical ``orders`` (+ ``order_items``, ``customers`` when the file has them) from one export."""
    from .canonical import canonicalise

    spec = presets()[src.preset] if src.preset else {"grain": src.grain, "amount_per": "line", "columns": {}, "values": {}, "after_sale": [], "customer_from": []}
    cols = _resolve(raw, src, spec)
    ignored = [h for h in raw.columns if h not in cols.values()]
    df = pd.DataFrame({c: raw[h] for c, h in cols.items()}, index=raw.index)
    df["order_id"] = clean_ids(df["order_id"].astype("string"))

    # 2. returns and cancellation invoices (line-level files)
    ret = pd.Series(False, index=df.index)
    if spec["grain"] == "line":
        ret = df["order_id"].str.upper().str.match(r"^C\d").fillna(False)
        if "quantity" in df:
            ret |= (parse_amounts(df["quantity"])[0] < 0).fillna(False)
        if ret.any():
            ledger.add("orders", fname, "read", "rows read", int(ret.sum()))
            ledger.add("orders", fname, "dropped", "return or cancellation line (invoice C…, negative quantity): not a sale", int(ret.sum()))
            df = df[~ret]

    # 3. order-level fields only on an order's first row: carry them down
    if spec["grain"] == "line" and spec.get("amount_per") == "order":
        order_level = [c for c in df.columns if c in {x.name for x in _ORDER_COLS} | set(_CUSTOMER_COLS) and c != "order_id"]
        filled = df[order_level].astype("string")
        filled = filled.mask(filled.apply(_blank))
        df[order_level] = filled.groupby(df["order_id"], sort=False).ffill().astype(object).where(lambda f: f.notna(), "")

    # 4. buyer key
    if "customer_id" not in df:
        key = pd.Series(pd.NA, index=df.index, dtype="string")
        for c in spec["customer_from"]:
            if c in df:
                norm, masked = normalise_contact(df[c], c)
                if masked.any() and "name" in df:
                    norm = norm.where(~masked, norm + "|" + df["name"].astype("string").str.strip())
                key = key.fillna(norm.mask(_blank(norm)))
        df["customer_id"] = key
        cols["customer_id"] = "customer_id"
    if src.preset:
        cid = df["customer_id"].astype("string").str.strip()
        df["customer_id"] = cid.where(_blank(cid), f"{src.platform}:" + cid)

    table = _line_table(cols, "amount" in df)
    values = {**spec.get("values", {}), **src.values}
    lsrc = dataclasses.replace(src, values=values)  # canonicalise gets the columns as ``cols``
    if ignored:
        ledger.add("orders", fname, "note", f"columns not used: {', '.join(map(str, ignored[:12]))}", len(ignored))
    lines = canonicalise(df.rename(columns=str), lsrc, ledger, salt, fname=fname, table=table, cols={c: c for c in cols})
    return _group(lines, spec, cols, ledger, fname)


def _orders_from_lines(lines: pd.DataFrame, after: pd.Series, cols: dict, per_line: bool) -> pd.DataFrame:
    """Group order lines into orders (the rules of step 6 in the module docstring)."""
    g = lines.groupby("order_id", sort=False)
    first = g.first()
    orders = pd.DataFrame({"order_id": first.index.astype(str)})
    for c in ("customer_id", "order_time", "channel"):
        orders[c] = first[c].to_numpy()
    if not per_line:  # order-level amounts (on every row after carrying them down): the first row's
        for c in ("amount", "status", "refund_amount", "discount"):
            orders[c] = first[c].to_numpy()
        return orders
    # refunded (fully or in part) > paid > cancelled; closed sub-orders do not count in a live order
    st = lines["status"].where(~after, "refunded")
    code = st.map({"refunded": 0, "paid": 1, "cancelled": 2}).fillna(1).astype(int)
    best = code.groupby(lines["order_id"], sort=False).min().to_numpy()
    orders["status"] = np.array(["refunded", "paid", "cancelled"])[best]
    live = st != "cancelled"
    by = lines["order_id"]
    orders["amount"] = np.where(best == 2, g["amount"].sum().to_numpy(), lines["amount"].where(live, 0.0).groupby(by, sort=False).sum().to_numpy())
    orders["discount"] = np.where(best == 2, g["discount"].sum().to_numpy(), lines["discount"].where(live, 0.0).groupby(by, sort=False).sum().to_numpy())
    # a refunded line gives back its refund amount when the export has one, else its amount
    given = lines["refund_amount"] if "refund_amount" in cols else pd.Series(0.0, index=lines.index)
    refund = given.where(~((after | (lines["status"] == "refunded")) & (given <= 0)), lines["amount"])
    orders["refund_amount"] = refund.groupby(by, sort=False).sum().to_numpy()
    for c in ("amount", "discount", "refund_amount"):  # sums of cents
        orders[c] = orders[c].round(2)
    return orders


def _group(lines: pd.DataFrame, spec: dict, cols: dict, ledger: HealthLedger, fname: str) -> dict[str, pd.DataFrame]:
    out: dict[str, pd.DataFrame] = {}
    has_amount = "amount" in cols
    if not has_amount:
        lines["amount"] = lines["quantity"] * lines["unit_price"]
    after = lines["after_sale"].isin(spec.get("after_sale", [])) if "after_sale" in lines else pd.Series(False, index=lines.index)
    per_line = spec.get("amount_per", "line") == "line" or not has_amount
    if spec["grain"] == "row":  # one row per order: repeated ids are left to the table's duplicate rules
        orders = lines[[c.name for c in _ORDER_COLS]].reset_index(drop=True)
    else:
        orders = _orders_from_lines(lines, after, cols, per_line)
    if spec.get("refund_sets_status"):
        orders.loc[orders["refund_amount"] > 0, "status"] = "refunded"
    from .canonical import repair_refunds

    orders = repair_refunds(orders, ledger, fname)
    merged = len(lines) - len(orders)
    if merged:
        ledger.add("orders", fname, "dropped", "further line of a multi-line order (merged into its order)", merged)
    out["orders"] = orders[[c.name for c in _ORDER_COLS]]

    if spec["grain"] == "line" and "quantity" in cols and ("sku" in cols or "product_name" in cols):
        items = pd.DataFrame({"order_id": lines["order_id"].to_numpy()})
        sku = lines["sku"] if "sku" in cols else lines["product_name"]
        items["sku"] = sku.to_numpy()
        items["product_name"] = lines["product_name"].to_numpy() if "product_name" in cols else ""
        items["category"] = lines["category"].to_numpy() if "category" in cols else "unknown"
        items["quantity"] = lines["quantity"].to_numpy()
        if "unit_price" in cols:
            items["unit_price"] = lines["unit_price"].to_numpy()
        else:
            items["unit_price"] = (lines["amount"] / lines["quantity"].where(lines["quantity"] > 0)).round(2).to_numpy()
        ledger.add("order_items", fname, "read", "order lines in the orders export", len(items))
        if per_line:  # a closed sub-order of an order that went ahead was not bought
            order_status = pd.Series(orders["status"].to_numpy(), index=orders["order_id"].to_numpy())
            closed = ((lines["status"] == "cancelled").to_numpy()
                      & (order_status.reindex(lines["order_id"].to_numpy()).to_numpy() != "cancelled"))
            if closed.any():
                ledger.add("order_items", fname, "dropped", "closed sub-order of an order that went ahead", int(closed.sum()))
                items = items[~closed]
        bad = items["quantity"].isna() | items["unit_price"].isna() | (items["quantity"] <= 0)
        if bad.any():
            ledger.add("order_items", fname, "dropped", "line without quantity or price", int(bad.sum()))
            items = items[~bad]
        items["quantity"] = items["quantity"].astype("int64")
        out["order_items"] = items.reset_index(drop=True)

    contacts = [c for c in _CUSTOMER_COLS if c in cols]
    if contacts:
        cg = lines.groupby("customer_id", sort=False)
        cust = cg[contacts].first().reset_index()
        cust["first_seen"] = cg["order_time"].min().to_numpy()
        ledger.add("customers", fname, "read", "buyer rows in the orders export", len(lines))
        if len(lines) > len(cust):
            ledger.add("customers", fname, "dropped", "further line of the same buyer (merged)", len(lines) - len(cust))
        for col in TABLES["customers"].names:
            if col not in cust:
                d = TABLES["customers"].column(col).default
                cust[col] = d if d is not None else pd.NA
        out["customers"] = cust[TABLES["customers"].names]
    return out
