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
from .canonical import (ALIASES, CHANNEL_VALUES, MAX_BAD_SHARE, STATUS_VALUES, as_text,  # noqa: F401  (re-exported)
                        canonicalise, missing_columns_error)
from .health import HealthLedger, reconcile
from .readers import read_raw
from .schema import TABLES

#: Tables whose identical rows are real rows (kept); in every other table they are dropped and counted.
KEEP_IDENTICAL_ROWS = ("order_items", "paths")
#: Tables loaded with ``compact=True`` keep repeated text as categoricals (the big ones; customers and
#: the rest go through the stitching's merges as text).
COMPACT_TABLES = ("orders", "touchpoints", "events")
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


def _drop(df: pd.DataFrame, mask, table: str, reason: str, ledger: HealthLedger) -> pd.DataFrame:
    """Drop the rows of ``mask``, counted per source file."""
    mask = np.asarray(mask, dtype=bool)
    if mask.any():
        for f, cnt in df.loc[mask, "source_file"].astype("str").value_counts(sort=False).items():
            ledger.add(table, str(f), "dropped", reason, int(cnt))
        return df[~mask].reset_index(drop=True)
    return df


def _label(src: TableSource, config: ClientConfig) -> str:
    """How a file is named in the ledger: its path relative to the config's folder when inside it."""
    try:
        return src.path.relative_to(config.path.parent).as_posix()
    except ValueError:
        return src.path.name


#: Columns the loader adds to every row, held as categoricals (one code per row, not one string).
LABELS = ("source_file", "platform")


def _label_column(value: str, n: int) -> pd.Categorical:
    return pd.Categorical.from_codes(np.zeros(n, np.int8), categories=pd.Index([value], dtype="str"))


def _stack(parts: list[pd.DataFrame]) -> pd.DataFrame:
    if len(parts) == 1:
        return parts[0]
    for c in parts[0].columns:
        is_cat = [isinstance(p[c].dtype, pd.CategoricalDtype) for p in parts if c in p]
        if all(is_cat):  # the same categories in every part, so that the stacked column stays categorical
            cats = pd.Index(pd.unique(np.concatenate([p[c].cat.categories.to_numpy(dtype=object) for p in parts])), dtype="str")
            parts = [p.assign(**{c: p[c].cat.set_categories(cats)}) for p in parts]
        elif any(is_cat):  # a compact part beside an export's text: text everywhere
            parts = [p.assign(**{c: as_text(p[[c]])[c]}) if c in p and isinstance(p[c].dtype, pd.CategoricalDtype) else p
                     for p in parts]
    return pd.concat(parts, ignore_index=True)


def _finish_labels(col: pd.Series) -> pd.Series:
    """The categorical a ``str`` column's ``astype("category")`` gives: the values present, sorted."""
    if not isinstance(col.dtype, pd.CategoricalDtype):
        return col.astype("str").astype("category")
    col = col.cat.remove_unused_categories()
    cats = pd.Index(sorted(str(v) for v in col.cat.categories), dtype="str")
    return col.cat.set_categories(cats) if not col.cat.categories.equals(cats) else col


def _dedupe(df: pd.DataFrame, name: str, ledger: HealthLedger) -> pd.DataFrame:
    """Per-table duplicate rules, over every stacked file.

    orders, customers, touchpoints, events, ad_spend: exact duplicate rows (the same row in one
    file or in two overlapping exports) are export artefacts, dropped and counted.
    order_items and paths: identical rows are real (two identical lines of one order; path rows
    of the same path, summed when journeys are built), so they are kept.
    Then the key: conflicting orders with one order_id stop the load; other keys keep the first,
    except in ``customers``: rows of one customer_id (a CRM row and the buyer row an order export
    adds) are merged by the stitching, first known value per column, so a phone found only in the
    export still links the person (:func:`mopkit.data.stitch.stitch_customers`).
    """
    key = list(TABLES[name].key)
    if name not in KEEP_IDENTICAL_ROWS:
        data = [c for c in df.columns if c != "source_file"]
        # identical rows share their key (or their time): compare whole rows only where that repeats
        first = key or ([_WINDOW_COLUMN[name]] if name in _WINDOW_COLUMN else [])
        if len(key) == 1 and _all_distinct(df[key[0]]):  # the usual case, by Arrow's hash count
            return df
        if first:
            cand = df.duplicated(first, keep=False).to_numpy()
            exact = np.zeros(len(df), bool)
            if cand.any():
                exact[cand] = df.loc[cand, data].duplicated(keep="first").to_numpy()
        else:
            exact = df.duplicated(data, keep="first").to_numpy()
        if key and not exact.any() and not cand.any():  # every key is unique: no exact duplicate and no clash
            return df
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
        if clash.any() and name != "customers":
            df = _drop(df, df.duplicated(key, keep="first").to_numpy(), name, f"duplicate {key[0]} (first kept)", ledger)
    return df


def _all_distinct(col: pd.Series) -> bool:
    """Whether no two values of ``col`` are equal (missing values count as one value, as in ``duplicated``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(col.dtype, pd.CategoricalDtype):
        return len(pd.unique(col.cat.codes.to_numpy())) == len(col)
    values = col.array
    # Arrow-backed text: its chunks as they are (the Arrow protocol, no copy); else via numpy
    arr = values.__arrow_array__() if hasattr(values, "__arrow_array__") else pa.array(values, from_pandas=True)
    # sorted, equal values are neighbours: Arrow's sort and one comparison beat a hash table of every value
    srt = pc.take(arr, pc.array_sort_indices(arr))
    if srt.null_count > 1:
        return False
    if isinstance(srt, pa.ChunkedArray):
        srt = srt.combine_chunks()
    return len(srt) < 2 or not pc.any(pc.equal(srt.slice(1), srt.slice(0, len(srt) - 1))).as_py()


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
    tables["orders"] = o.assign(order_id=bare.where(~has, o["platform"].astype("str") + ":" + bare))
    items = tables.get("order_items")
    if items is None:
        return
    ih = items["platform"] != NO_PLATFORM
    new_id = items["order_id"].where(~ih, items["platform"].astype("str") + ":" + items["order_id"])
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


def load_tables(config: ClientConfig, *, compact: bool = False) -> LoadResult:
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
        With ``compact=True`` the id and text columns of :data:`COMPACT_TABLES` whose values repeat
        are categoricals (a fraction of the memory); :func:`as_loaded` turns a table into exactly
        what ``compact=False`` returns (``prepare_run`` does it one table at a time while writing).

    Raises
    ------
    DataError
        A file is missing or unreadable, a required column is missing, most of a column cannot be
        parsed, order ids clash, or no order is left; the message names file, column, rows and fix.
    """
    from .exports import is_export, load_export
    from .stitch import LINKS, stitch_customers

    ledger = HealthLedger()
    salt = config.resolved_salt()
    parts: dict[str, list[pd.DataFrame]] = {}
    late: dict[str, list[pd.DataFrame]] = {}
    known: dict[str, str] = {}  # customer id -> pseudonym: an id in several files or tables is hashed once
    order = ["orders"] + [t for t in config.sources if t != "orders"]
    for name in order:
        for src in config.sources[name]:
            fname = _label(src, config)
            export = name == "orders" and is_export(src)
            raw = read_raw(src, categorical=not export)  # canonicalise cleans text per distinct value
            if export:
                got = load_export(raw, src, ledger, salt, fname)
            else:
                got = {name: canonicalise(raw, src, ledger, salt, fname=fname, compact=compact and name in COMPACT_TABLES,
                                          known=known)}
            del raw
            for t, df in got.items():
                df["source_file"] = _label_column(fname, len(df))
                df["platform"] = _label_column(src.platform or NO_PLATFORM, len(df))
                # a table's own files first, then what order exports add to it (their values come second)
                (parts if t == name else late).setdefault(t, []).append(df)
    for t, dfs in late.items():
        parts.setdefault(t, []).extend(dfs)
    del known

    names = ["orders"] + [t for t in TABLES if t != "orders" and t in parts]
    tables: dict[str, pd.DataFrame] = {name: _stack(parts.pop(name)) for name in names}  # pop: the per-file frames are freed
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
    was_read = {(r["table"], r["file"]) for r in ledger.rows if r["kind"] == "read"}
    for name, df in tables.items():
        if name == LINKS:  # the stitching's id map, not a table read from a file
            continue
        files = [_label(s, config) for s in config.sources.get(name, ())] + list(df["source_file"].unique())
        kept = df["source_file"].value_counts(sort=False)
        for f in dict.fromkeys(files):
            if (name, f) in was_read:
                ledger.add(name, f, "kept", "rows kept", int(kept.get(f, 0)))
        for c in LABELS:
            df[c] = _finish_labels(df[c])
    ledger.check()
    if not compact:
        tables = {name: as_loaded(df) for name, df in tables.items()}
    return LoadResult(tables, ledger.frame(), stitching)


def as_loaded(df: pd.DataFrame) -> pd.DataFrame:
    """A table of ``load_tables(config, compact=True)`` as ``load_tables(config)`` returns it
    (categorical text as ``str``; ``source_file`` and ``platform`` stay categorical)."""
    return as_text(df, keep=LABELS)
