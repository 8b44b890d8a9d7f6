"""The inputs every trigger rule reads, gathered once: purchases, events, items, contacts, CLV.

Trigger rules look at a customer's behaviour up to ``as_of`` (the last moment the data covers).
P(alive) and value tiers come from the RFM/CLV notebook's ``outputs/rfm_clv_customers.csv`` when
it exists; :func:`read_clv` is the one place that knows that file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.orders import is_purchase, net_order_value
from ..layout import read_output
from ..errors import DataError
from .timing import by_customer

#: Columns of a candidate list, in order (rule-specific extras follow).
CANDIDATE_COLUMNS = ["customer_id", "trigger", "product", "trigger_time", "send_at", "reason", "suppress"]
CLV_COLUMNS = ["customer_id", "p_alive", "tier", "segment"]


@dataclass(frozen=True)
class TriggerData:
    """Canonical tables as the rules read them. Build it with :func:`prepare_data`.

    ``customer_id`` in every table here is an integer code (:meth:`decode` gives the ids back):
    rules sort, group and join on integers, several times faster than on text ids at millions of
    rows. The loader's pseudonyms (``c_`` + 12 hex digits) are read as the number they spell;
    other ids are numbered (``ids[code]``). :func:`mopkit.triggers.run_rule` and
    :func:`build_triggers` hand back the text ids.
    """

    orders: pd.DataFrame  # purchases: order_id, customer_id (code), order_time, amount (net), channel; sorted by time
    as_of: pd.Timestamp
    ids: np.ndarray | None  # customer id of each code; None: codes are the hex value of c_<12 hex> ids
    events: pd.DataFrame | None = None  # customer_id (code), event_time, event_type, sku, duration_s (any order)
    order_items: pd.DataFrame | None = None  # order_pos (row of ``orders``), sku
    customers: pd.DataFrame | None = None  # customer_id (code) + contact columns
    clv: pd.DataFrame | None = None  # customer_id (code), p_alive, tier, segment (+ monetary if present)
    product_names: pd.Series | None = None  # sku -> product name (from order_items), for the reasons
    by_customer: np.ndarray | None = None  # row order of ``orders`` by (customer, time), computed once

    def orders_by_customer(self) -> np.ndarray:
        """Row order of :attr:`orders` by (customer, time), ties in table order."""
        return self.by_customer if self.by_customer is not None else by_customer(self.orders)

    def codes(self, customer_ids) -> np.ndarray:
        """Codes of the given customer ids (ids that cannot occur in the data are left out)."""
        given = [str(x) for x in customer_ids]
        if self.ids is None:
            return np.array([int(x[2:], 16) for x in given if _PSEUDONYM.fullmatch(x)], dtype="int64")
        found = pd.Index(self.ids).get_indexer(pd.Index(given, dtype=object))
        return found[found >= 0]

    def decode(self, codes) -> np.ndarray:
        """The customer ids of ``codes``."""
        codes = np.asarray(codes, dtype="int64")
        if self.ids is None:
            return np.array([f"c_{x:012x}" for x in codes.tolist()], dtype=object)
        return self.ids[codes]


_PSEUDONYM = re.compile(r"c_[0-9a-f]{12}")


def _hex_codes(ids: pd.Series) -> np.ndarray | None:
    """``c_<12 hex digits>`` ids (the loader's pseudonyms) as the 48-bit numbers they spell, read
    straight from the Arrow string buffer; None when any id has another form (then they are
    numbered by hashing instead, about ten times slower at 10M rows)."""
    import pyarrow as pa

    try:
        arr = pa.chunked_array([pa.array(ids.to_numpy(dtype=object), type=pa.large_string())]) \
            if not hasattr(ids.array, "__arrow_array__") else ids.array.__arrow_array__()
        arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        arr = arr.cast(pa.large_string())
    except (pa.ArrowException, TypeError, ValueError):
        return None
    if len(arr) == 0 or arr.null_count:
        return None
    _, offsets, data = arr.buffers()
    off = np.frombuffer(offsets, dtype=np.int64)[arr.offset:arr.offset + len(arr) + 1]
    if off[-1] - off[0] != 14 * len(arr) or (np.diff(off) != 14).any():
        return None
    rows = np.frombuffer(data, dtype=np.uint8)[off[0]:off[-1]].reshape(-1, 14)
    if (rows[:, 0] != ord("c")).any() or (rows[:, 1] != ord("_")).any():
        return None
    raw = rows[:, 2:]
    lut = np.full(256, 255, dtype=np.uint8)
    lut[np.frombuffer(b"0123456789abcdef", dtype=np.uint8)] = np.arange(16, dtype=np.uint8)
    nib = lut[raw]
    if (nib == 255).any():
        return None
    packed = np.zeros((len(arr), 8), dtype=np.uint8)
    packed[:, 2:] = (nib[:, 0::2] << 4) | nib[:, 1::2]  # 6 bytes, big-endian
    return packed.view(">u8").ravel().astype("int64")


def _need(df: pd.DataFrame, cols: list[str], table: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataError(f"the {table} table lacks columns {missing}", column=", ".join(missing),
                        fix=f"pass the canonical {table} table (see mopkit/data/schema.py)")


#: Columns of each table :func:`prepare_data` reads (a notebook reads only these from the run's Parquet).
ORDER_COLUMNS = ["order_id", "customer_id", "order_time", "amount", "status", "refund_amount", "channel"]
EVENT_COLUMNS = ["customer_id", "event_time", "event_type", "sku", "duration_s"]
ITEM_COLUMNS = ["order_id", "sku", "product_name"]
CUSTOMER_COLUMNS = ["customer_id", "wechat_id", "phone", "douyin_id"]  # the contacts offers.reachable reads


def _text(s: pd.Series) -> pd.Series:
    """A column as text, kept in Arrow when it already is (no Python string per row)."""
    return s if pd.api.types.is_string_dtype(s) and s.dtype != object else s.astype(str)


def _number_ids(order_ids: pd.Series, rows: np.ndarray, others: list[pd.Series]) -> tuple[list[np.ndarray], np.ndarray]:
    """One code per customer id, numbered by first appearance in ``order_ids[rows]`` (the
    purchases in time order), then in ``others`` (in turn): the codes ``pd.factorize`` of all
    those ids concatenated would give, computed on integers (Arrow hashes the text once per table)."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    raw, uniq = pd.factorize(_text(order_ids))
    codes, first = pd.factorize(raw[rows])  # renumbered by first appearance in time order
    ids = np.asarray(uniq, dtype=object)[first]
    out = [codes.astype("int64")]
    for s in others:
        found = pc.index_in(pa.array(_text(s)), value_set=pa.array(ids, type=pa.large_string()))
        c = found.fill_null(-1).to_numpy(zero_copy_only=False).astype("int64")
        new = c < 0
        if new.any():
            extra, extra_ids = pd.factorize(_text(s)[new])
            c[new] = extra + len(ids)
            ids = np.concatenate([ids, np.asarray(extra_ids, dtype=object)])
        out.append(c)
    return out, ids


def prepare_data(orders: pd.DataFrame, *, events: pd.DataFrame | None = None, order_items: pd.DataFrame | None = None,
                 customers: pd.DataFrame | None = None, clv: pd.DataFrame | None = None,
                 as_of=None) -> TriggerData:
    """Gather the tables the rules read (inputs are not modified).

    Required columns: orders ``customer_id, order_time, amount`` (+ ``order_id`` with
    order_items; only purchases are kept, :func:`mopkit.data.orders.is_purchase`, and ``amount``
    becomes their net value, as in the CLV step); events ``customer_id, event_time, event_type``
    (+ ``sku``, ``duration_s``); order_items ``order_id, sku``; clv ``customer_id, p_alive, tier``.
    ``as_of`` defaults to the latest order or event time. The columns each table may use are
    :data:`ORDER_COLUMNS`, :data:`EVENT_COLUMNS`, :data:`ITEM_COLUMNS` (and :data:`CLV_COLUMNS`).

    Raises DataError naming the table when a required column is missing.
    """
    _need(orders, ["customer_id", "order_time", "amount"] + (["order_id"] if order_items is not None else []), "orders")
    buy = is_purchase(orders).to_numpy(dtype=bool)  # the CLV step's purchases: the same recency and spend as P(alive)
    keep = [c for c in ["order_id", "customer_id", "order_time", "amount", "channel"] if c in orders.columns]
    # text columns are taken once, in time order; the ids become integer codes before any sort
    idx = np.flatnonzero(buy)
    when = orders["order_time"].to_numpy()[idx]
    perm = np.argsort(when, kind="stable")  # by time; ties keep the table's order
    idx = idx[perm]
    net = net_order_value(orders).to_numpy(dtype=float)[idx]
    cols = {c: (net if c == "amount" else orders[c].take(idx).reset_index(drop=True)) for c in keep if c != "customer_id"}
    ev = None
    if events is not None:
        _need(events, ["customer_id", "event_time", "event_type"], "events")
        ev = events.assign(**{c: v for c, v in (("sku", ""), ("duration_s", float("nan"))) if c not in events})
        # not sorted here: each rule sorts only the events it keeps (10M rows cost seconds to sort)
        ev = ev[["customer_id", "event_time", "event_type", "sku", "duration_s"]]
    if customers is not None:
        _need(customers, ["customer_id"], "customers")
    if clv is not None:
        _need(clv, ["customer_id", "p_alive", "tier"], "rfm_clv_customers")
        ccols = [c for c in [*CLV_COLUMNS, "monetary"] if c in clv.columns]
        clv = clv[ccols].drop_duplicates("customer_id").reset_index(drop=True)
    # one integer code per customer id, over every table: the pseudonym's own number, else
    # numbered by first appearance (orders in time order, then events, customers, clv)
    others = {k: f for k, f in (("events", ev), ("customers", customers), ("clv", clv)) if f is not None}
    texts = [_text(orders["customer_id"])] + [_text(f["customer_id"]) for f in others.values()]
    hexed = [np.zeros(0, dtype="int64") if len(x) == 0 else _hex_codes(x) for x in texts]
    ids = None
    if all(h is not None for h in hexed):
        parts = [hexed[0][idx], *hexed[1:]]
    else:
        parts, ids = _number_ids(texts[0], idx, texts[1:])
    o = pd.DataFrame({c: (parts[0] if c == "customer_id" else cols[c]) for c in keep})
    if "channel" in o:
        o["channel"] = o["channel"].astype("category")  # five values on millions of rows
    coded = {k: f.assign(customer_id=parts[i + 1]) for i, (k, f) in enumerate(others.items())}
    items, names = None, None
    if order_items is not None:
        _need(order_items, ["order_id", "sku"], "order_items")
        pos = pd.Index(o["order_id"].astype(str)).get_indexer(order_items["order_id"].astype(str))
        items = pd.DataFrame({"order_pos": pos, "sku": order_items["sku"].to_numpy()})[pos >= 0].reset_index(drop=True)
        if "product_name" in order_items:
            named = order_items[order_items["product_name"].fillna("").astype(str) != ""]
            names = named.drop_duplicates("sku").set_index("sku")["product_name"].astype(str)
    if as_of is None:
        times = [o["order_time"].max()] + ([ev["event_time"].max()] if ev is not None and len(ev) else [])
        as_of = max(times)
    return TriggerData(o, pd.Timestamp(as_of), ids, coded.get("events"), items,
                       coded.get("customers"), coded.get("clv"), names, by_customer(o))


def read_clv(outputs_dir: str | Path) -> pd.DataFrame | None:
    """P(alive), tier and segment per customer from notebook 01's ``rfm_clv_customers.csv``, or None.

    None means the RFM/CLV notebook did not run (or failed): win-back then uses inter-purchase
    times alone and VIP-at-risk cannot run; the notebook says so.
    """
    run_dir = Path(outputs_dir).parent
    df = None
    # only the columns the rules read (the file has ~30 per customer); a file without one of
    # them (an older run) is read whole and judged below
    for cols in ([*CLV_COLUMNS, "monetary"], CLV_COLUMNS, None):
        try:
            df = read_output(run_dir, "rfm_clv_customers", cols)  # CSV, or Parquet past a spreadsheet's rows
            break
        except (ValueError, KeyError):
            continue
    if df is None:
        return None
    df = df.astype({"customer_id": str})
    if not {"customer_id", "p_alive", "tier"} <= set(df.columns):
        return None
    return df
