"""One customer across platforms: link pseudonymised buyer ids that share an identifier.

After pseudonymisation every buyer id (a Douyin account, a Tmall member name, the merchant's own
member id) is a node, and so is every keyed hash of a phone number, e-mail, WeChat id (openid /
unionid) or Douyin id found beside it (a ``customers`` row, or the contact columns of an order
export). Connected components of that graph (:func:`scipy.sparse.csgraph.connected_components`)
are people: each gets one ``customer_id`` — the smallest buyer pseudonym of the component, so a
customer seen on one platform only keeps the id they had. Masked or encrypted identifiers
(:data:`mopkit.data.identity.MASKED`) never link anyone.

Every table's ``customer_id`` is rewritten; orders keep the pre-stitching id as
``platform_customer_id``; ``customers`` gets one row per person (the first known value of each
contact column, the platform ids stay as columns) with ``platforms`` listing where they bought.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .identity import MASKED
from .orders import counted_orders

#: Identifier columns that link buyer ids, in the order the report lists them.
LINK_COLUMNS = ("phone", "email", "wechat_id", "douyin_id")

#: The table (``data/customer_links.parquet``) mapping a pre-stitching buyer pseudonym to its person.
LINKS = "customer_links"


def _edges(customers: pd.DataFrame | None) -> pd.DataFrame:
    if customers is None or customers.empty:
        return pd.DataFrame({"cust": [], "ident": [], "kind": []}, dtype=object)
    parts = []
    for kind in LINK_COLUMNS:
        if kind not in customers:
            continue
        v = customers[kind].astype("string")
        ok = v.notna() & (v != "") & ~v.str.startswith(MASKED).fillna(False) & ~v.isin(["<NA>", "nan", "None"])
        parts.append(pd.DataFrame({"cust": customers.loc[ok, "customer_id"].astype(str).to_numpy(),
                                   "ident": v[ok].astype(str).to_numpy(), "kind": kind}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({"cust": [], "ident": [], "kind": []}, dtype=object)


def link_customers(customer_ids: pd.Series, edges: pd.DataFrame) -> pd.Series:
    """Stitched id per distinct buyer id: index = buyer id, value = smallest buyer id of its component.

    ``edges``: columns ``cust`` (buyer id) and ``ident`` (identifier pseudonym).
    """
    ids = pd.Index(pd.unique(pd.concat([customer_ids.astype(str), edges["cust"].astype(str)], ignore_index=True))).sort_values()
    n_c = len(ids)
    idents = pd.Index(pd.unique(edges["ident"]))
    rows = ids.get_indexer(edges["cust"].astype(str))
    cols = n_c + idents.get_indexer(edges["ident"])
    n = n_c + len(idents)
    graph = coo_matrix((np.ones(len(rows), np.int8), (rows, cols)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    comp_c = comp[:n_c]
    # ids are sorted, so the first customer node of each component is its smallest buyer id
    first = np.full(comp.max() + 1 if n else 0, -1, np.int64)
    order = np.arange(n_c)[::-1]
    first[comp_c[order]] = order
    return pd.Series(ids.to_numpy()[first[comp_c]], index=ids)


def _mapped(ids: pd.Series, person: pd.Series) -> np.ndarray:
    """``person[id]`` for every id, looked up once per distinct id (ids repeat: one per order)."""
    codes, uniq = pd.factorize(ids)
    return person.reindex(pd.Index(uniq).astype(str)).to_numpy()[codes]


def _n_distinct(codes: np.ndarray) -> int:
    """How many distinct values factorize codes stand for (-1, missing, not counted)."""
    codes = codes[codes >= 0]
    return int(np.count_nonzero(np.bincount(codes))) if len(codes) else 0


def _platform_lists(person: pd.Series, platform: pd.Series) -> pd.Series:
    """Per person, the sorted platforms they bought on joined by "|" (vectorised over the few platforms)."""
    pairs = pd.DataFrame({"person": person.to_numpy(), "platform": platform.to_numpy()}).drop_duplicates()
    out = pd.Series("", index=pd.Index(pairs["person"].unique()), dtype=object)
    for p in sorted(pairs["platform"].unique()):
        has = out.index.isin(pairs.loc[pairs["platform"] == p, "person"])
        out[has] = out[has] + "|" + p
    return out.str.lstrip("|")


def stitch_customers(tables: dict[str, pd.DataFrame], ledger=None) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Rewrite ``customer_id`` in every table to the stitched person; return (tables, report).

    ``customers`` rows of one person are merged into one; with a ``ledger``
    (:class:`mopkit.data.health.HealthLedger`) the merged rows are counted per file.

    Required: ``orders`` (customer_id, platform, amount, status); optional ``customers`` with any
    of phone, email, wechat_id, douyin_id (pseudonyms). The report is a long table
    ``measure, platform, identifier, value`` — customers per platform before and after stitching,
    customers on 2+ and 3+ platforms, their share of GMV (orders that count, see
    :func:`mopkit.data.orders.counted_orders`), how many were linked across platforms by each
    identifier, and how many identifiers were masked (never linked).
    """
    tables = dict(tables)
    orders = tables["orders"]
    cust = tables.get("customers")
    edges = _edges(cust)
    o = orders.assign(platform_customer_id=orders["customer_id"])
    if len(edges):  # else every buyer id is its own person: nothing to rewrite
        all_ids = pd.concat([pd.Series(pd.unique(df["customer_id"])).astype(str) for df in tables.values()
                             if "customer_id" in df], ignore_index=True)
        person = link_customers(all_ids, edges)
        o["customer_id"] = _mapped(o["customer_id"], person)
        for name, df in tables.items():
            if name not in ("orders", "customers") and "customer_id" in df:
                tables[name] = df.assign(customer_id=_mapped(df["customer_id"], person))
        # every buyer id that now belongs to another person's id: lists keyed by a buyer id the
        # merchant holds (an opt-out list, a CRM export) are mapped through this at use
        moved = person[person.index.astype(str) != person.astype(str)]
        tables[LINKS] = pd.DataFrame({"source_id": moved.index.astype(str), "customer_id": moved.astype(str).to_numpy()})
    else:
        person = pd.Series(dtype=object)
    tables["orders"] = o

    # the counts below on integer codes: each id column is hashed once, not once per count
    p_codes, p_names = pd.factorize(o["platform"], use_na_sentinel=True)
    p_names = np.array([str(v) for v in p_names], dtype=object)
    after, after_ids = pd.factorize(o["customer_id"], use_na_sentinel=True)
    before = pd.factorize(o["platform_customer_id"], use_na_sentinel=True)[0] if len(edges) else after
    if cust is not None:
        plat = pd.Series(p_names[p_codes] if len(p_names) else np.array([], dtype=object), index=o.index)
        per_person = _platform_lists(o["customer_id"], plat)
        c = cust.assign(customer_id=_mapped(cust["customer_id"], person)) if len(edges) else cust.copy()
        merged = c.duplicated("customer_id", keep="first")
        if "region" in c:  # a known region wins over the "unknown" default of another row
            c["region"] = c["region"].where(c["region"].astype(str) != "unknown")
        cg = c.groupby("customer_id", sort=False)
        collapsed = cg.first().reset_index()
        if "region" in collapsed:
            collapsed["region"] = collapsed["region"].fillna("unknown")
        if "first_seen" in c:
            collapsed["first_seen"] = cg["first_seen"].min().to_numpy()
        collapsed["platforms"] = per_person.reindex(collapsed["customer_id"]).fillna("").to_numpy()
        collapsed["source_file"] = c.loc[~merged, "source_file"].to_numpy()
        collapsed["platform"] = c.loc[~merged, "platform"].to_numpy()
        tables["customers"] = collapsed[list(c.columns) + ["platforms"]]
        if ledger is not None:
            for f, cnt in c.loc[merged, "source_file"].value_counts(sort=False).items():
                ledger.add("customers", str(f), "dropped", "same person as another customer row (stitched)", int(cnt))

    rows = []
    for k in sorted(range(len(p_names)), key=lambda k: p_names[k]):
        m = p_codes == k
        rows.append(("customers_before", p_names[k], "", _n_distinct(before[m])))
        rows.append(("customers_after", p_names[k], "", _n_distinct(after[m])))
    rows.append(("customers_before", "all", "", _n_distinct(before)))
    rows.append(("customers_after", "all", "", _n_distinct(after)))
    # platforms per person: distinct (person, platform) pairs counted per person
    ok = (after >= 0) & (p_codes >= 0)
    seen = np.zeros((len(after_ids), len(p_names)), bool)  # person x platform (a handful of platforms)
    seen[after[ok], p_codes[ok]] = True
    n_plat = seen.sum(axis=1)
    del seen
    multi = pd.Index(after_ids[n_plat >= 2])
    rows.append(("multi_platform_customers", "all", "", int(len(multi))))
    rows.append(("multi_platform_3plus", "all", "", int((n_plat >= 3).sum())))
    counts = o.index.isin(counted_orders(o[["status"]] if "status" in o else o[[]]).index)  # no copy of the table
    amount = o["amount"].to_numpy(float)
    gmv = float(amount[counts].sum())
    in_multi = np.zeros(len(o), bool)
    in_multi[after >= 0] = (n_plat >= 2)[after[after >= 0]]
    share = float(amount[counts & in_multi].sum()) / gmv if gmv else 0.0
    rows.append(("multi_platform_gmv_share", "all", "", round(share, 6)))
    if len(edges):
        cp = o[["platform_customer_id", "platform"]].drop_duplicates().rename(columns={"platform_customer_id": "cust"})
        e = edges.merge(cp.astype({"cust": str}), on="cust", how="inner")
        n_p = e.groupby("ident")["platform"].nunique()
        cross = e[e["ident"].isin(n_p.index[n_p >= 2])]
        cross = cross.assign(person=_mapped(cross["cust"], person))
        for kind in LINK_COLUMNS:
            k = cross.loc[cross["kind"] == kind, "person"]
            rows.append(("linked_by", "all", kind, int(k[k.isin(multi)].nunique())))
    if cust is not None:
        for kind in LINK_COLUMNS:
            if kind in cust:
                rows.append(("masked_identifiers", "all", kind, int(cust[kind].astype("string").str.startswith(MASKED).fillna(False).sum())))
    report = pd.DataFrame(rows, columns=["measure", "platform", "identifier", "value"])
    return tables, report
