"""Product association: which products (or categories) are bought together.

For one-to-one rules ``A -> B`` over baskets (orders):

* support(A) = share of baskets holding A; support(A, B) = share holding both
* confidence(A -> B) = support(A, B) / support(A)
* lift(A -> B) = confidence(A -> B) / support(B)   (1 = independent; > 1 bought together)

Reference: Agrawal, Imielinski & Swami, "Mining association rules between sets of items in
large databases", SIGMOD 1993; Brin et al., SIGMOD 1997 for lift ("interest").

Vectorised: one sparse basket-by-item matrix ``X`` and the co-occurrence counts ``X.T @ X``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from ..errors import DataError, InsufficientDataError
from ..i18n import register

register({
    "basket.title": {"zh": "商品关联（提升度）", "en": "Products bought together (lift)"},
    "basket.antecedent": {"zh": "购买了", "en": "Bought"},
    "basket.consequent": {"zh": "同时购买", "en": "Also bought"},
    "basket.support": {"zh": "支持度", "en": "Support"},
    "basket.confidence": {"zh": "置信度", "en": "Confidence"},
    "basket.lift": {"zh": "提升度", "en": "Lift"},
})
LEVELS = ("sku", "category", "product_name")


def basket_matrix(order_items: pd.DataFrame, level: str = "sku", *, order_col: str = "order_id",
                  orders: pd.DataFrame | None = None):
    """Sparse boolean basket-by-item matrix.

    Required columns: order_id and ``level`` (sku, category or product_name). If ``orders``
    (with order_id, status) is given, lines of cancelled orders are left out.

    Returns
    -------
    (X, items): ``X`` a CSR matrix [n_baskets, n_items] of 0/1, ``items`` the item labels.
    """
    if level not in LEVELS:
        raise DataError(f"unknown basket level {level!r}", fix=f"use one of {list(LEVELS)}")
    missing = [c for c in (order_col, level) if c not in order_items.columns]
    if missing:
        raise DataError(f"order_items lacks {missing}", column=missing[0],
                        fix="map the column in the client config or choose another level")
    items = order_items[[order_col, level]].dropna()
    if orders is not None and "status" in orders.columns:
        bad = orders.loc[orders["status"].astype(str).str.lower() == "cancelled", order_col]
        items = items[~items[order_col].isin(bad)]
    b, _ = pd.factorize(items[order_col])
    i, labels = pd.factorize(items[level].astype(str))
    X = sparse.csr_matrix((np.ones(len(b), np.float64), (b, i)), shape=(b.max() + 1 if len(b) else 0, len(labels)))
    X.data[:] = 1.0
    X.sum_duplicates()
    X.data = np.minimum(X.data, 1.0)  # an item twice in one basket counts once
    return X, np.asarray(labels)


def association_rules(order_items: pd.DataFrame, level: str = "sku", *, min_support: float = 0.01,
                      min_confidence: float = 0.0, min_count: int = 1,
                      orders: pd.DataFrame | None = None, order_col: str = "order_id") -> pd.DataFrame:
    """All one-to-one rules ``A -> B`` with support(A, B) >= ``min_support``.

    Returns
    -------
    DataFrame ``antecedent, consequent, count, support, support_a, support_b, confidence, lift``
    sorted by lift then support (descending).

    Raises
    ------
    InsufficientDataError
        There are fewer than 2 baskets.
    """
    X, labels = basket_matrix(order_items, level, order_col=order_col, orders=orders)
    n = X.shape[0]
    if n < 2:
        raise InsufficientDataError(f"only {n} basket(s): association rules need more orders",
                                    fix="widen the analysis window")
    single = np.asarray(X.sum(axis=0)).ravel()
    keep = np.flatnonzero(single / n >= min_support)  # an item below min_support cannot be in a pair above it
    Xk = X[:, keep]
    co = (Xk.T @ Xk).tocoo()
    m = (co.row != co.col) & (co.data >= max(min_count, 1)) & (co.data / n >= min_support)
    a, c, cnt = keep[co.row[m]], keep[co.col[m]], co.data[m]
    sa, sb, s = single[a] / n, single[c] / n, cnt / n
    conf = s / sa
    df = pd.DataFrame({"antecedent": labels[a], "consequent": labels[c], "count": cnt.astype(int),
                       "support": s, "support_a": sa, "support_b": sb, "confidence": conf, "lift": conf / sb})
    df = df[df["confidence"] >= min_confidence]
    df = df.sort_values(["lift", "support", "antecedent", "consequent"], ascending=[False, False, True, True])
    df.attrs["n_baskets"] = n
    return df.reset_index(drop=True)


def pair_matrix(rules: pd.DataFrame, value: str = "lift", top: int = 12) -> pd.DataFrame:
    """Square item-by-item matrix of ``value`` for the ``top`` items taking part in the strongest
    rules (by lift), for a heatmap. Missing pairs are NaN."""
    if rules.empty:
        return pd.DataFrame()
    items: list[str] = []
    for a, c in zip(rules["antecedent"], rules["consequent"]):
        for x in (a, c):
            if x not in items:
                items.append(x)
        if len(items) >= top:
            break
    items = items[:top]
    sub = rules[rules["antecedent"].isin(items) & rules["consequent"].isin(items)]
    return sub.pivot(index="antecedent", columns="consequent", values=value).reindex(index=items, columns=items)
