"""Product catalogue and basket process of the sample merchant, with one planted association.

Basket process (per order, given the amount paid ``z``):

1. number of drawn lines ``L = 1 + Binomial(3, clip(z / LINE_SCALE, 0.03, 0.85))``: bigger orders have more lines;
2. ``L`` SKUs drawn independently (with replacement) with weights ``popularity * exp(-(ln price - ln(z / L))^2 / (2 * PRICE_SD^2))``,
   so the items fit the amount; a SKU drawn twice becomes one line with quantity 2;
3. bundle rule: if the antecedent SKU is in the basket and the consequent is not, the consequent is
   added with probability ``ATTACH_PROB`` (the "cleanser + toner" set the brand promotes).

Because the basket depends on the amount, the pair's support, confidence and lift are computed by a
fixed-seed Monte Carlo of the same process over the Gamma-Gamma amount distribution
(:func:`designed_association`, 150,000 baskets; Monte Carlo error about 2%).
Quantities are then raised (cheapest line first, cycling) until the list-price total covers the
amount paid, so ``discount = list total - amount >= 0`` on every order.
"""
from __future__ import annotations

import functools

import numpy as np
import pandas as pd

#: sku, product name, category, list price (CNY), popularity weight.
CATALOGUE = (
    ("HY-CL01", "氨基酸温和洁面乳", "洁面", 79.0, 5.0),
    ("HY-CL02", "控油净透洁面啫喱", "洁面", 69.0, 3.0),
    ("HY-CL03", "卸妆洁颜油", "洁面", 129.0, 3.0),
    ("HY-TN01", "玻尿酸补水爽肤水", "爽肤水", 119.0, 4.0),
    ("HY-TN02", "烟酰胺亮肤精华水", "爽肤水", 139.0, 3.0),
    ("HY-TN03", "积雪草舒缓化妆水", "爽肤水", 99.0, 2.5),
    ("HY-SR01", "小棕瓶修护精华", "精华", 299.0, 4.0),
    ("HY-SR02", "VC亮白精华液", "精华", 259.0, 3.0),
    ("HY-SR03", "视黄醇抗老精华", "精华", 329.0, 2.0),
    ("HY-SR04", "寡肽修护原液", "精华", 189.0, 2.0),
    ("HY-CR01", "保湿修护面霜", "面霜", 229.0, 3.5),
    ("HY-CR02", "抗皱紧致面霜", "面霜", 349.0, 2.0),
    ("HY-CR03", "清爽控油乳液", "面霜", 149.0, 2.5),
    ("HY-EY01", "淡纹眼霜", "眼霜", 199.0, 2.0),
    ("HY-MK01", "补水保湿面膜10片", "面膜", 89.0, 5.0),
    ("HY-MK02", "清洁泥膜", "面膜", 109.0, 2.5),
    ("HY-MK03", "睡眠面膜", "面膜", 129.0, 2.0),
    ("HY-SS01", "清透防晒乳SPF50", "防晒", 139.0, 4.0),
    ("HY-SS02", "防晒喷雾", "防晒", 99.0, 2.5),
    ("HY-LP01", "丝绒哑光口红#01", "口红", 159.0, 3.0),
    ("HY-LP02", "水润唇釉#06", "口红", 139.0, 2.5),
    ("HY-LP03", "润唇膏", "口红", 49.0, 3.0),
    ("HY-FD01", "轻薄持妆粉底液", "底妆", 239.0, 2.5),
    ("HY-FD02", "气垫BB霜", "底妆", 189.0, 2.0),
    ("HY-FD03", "定妆散粉", "底妆", 129.0, 2.0),
    ("HY-EM01", "眼影盘九色", "彩妆", 169.0, 1.5),
    ("HY-EM02", "防水眼线笔", "彩妆", 59.0, 2.0),
    ("HY-EM03", "纤长睫毛膏", "彩妆", 89.0, 1.5),
    ("HY-BD01", "烟酰胺身体乳", "身体护理", 99.0, 2.5),
    ("HY-HD01", "护手霜三支装", "身体护理", 59.0, 3.0),
)
LINE_SCALE = 900.0
PRICE_SD = 0.45
ANTECEDENT, CONSEQUENT = "HY-CL01", "HY-TN01"  # 氨基酸温和洁面乳 -> 玻尿酸补水爽肤水
ATTACH_PROB = 0.45


def catalogue() -> pd.DataFrame:
    """The product catalogue with normalised popularity ``weight``."""
    df = pd.DataFrame(CATALOGUE, columns=["sku", "product_name", "category", "list_price", "weight"])
    df["weight"] = df["weight"] / df["weight"].sum()
    return df


@functools.lru_cache(maxsize=8)
def designed_association(p: float, q: float, gamma: float, n: int = 150_000, seed: int = 12345) -> dict:
    """Support, confidence and lift of the planted pair under the basket process.

    Monte Carlo with a fixed seed over amounts from the Gamma-Gamma marginal (shape ``p``, rate
    ``nu ~ Gamma(q, gamma)``), the same amounts the generator draws.
    """
    rng = np.random.default_rng(seed)
    cat = catalogue()
    z = rng.gamma(p, 1.0 / rng.gamma(q, 1.0 / gamma, n))
    qty = _draw_baskets(rng, cat, z, attach=0.0)
    ia, ib = _pair_index(cat)
    has_a, has_b = qty[:, ia] > 0, qty[:, ib] > 0
    lift0 = float((has_a & has_b).mean() / (has_a.mean() * has_b.mean()))
    has_b = has_b | (has_a & (rng.random(n) < ATTACH_PROB))  # the bundle rule, as in _draw_baskets
    p_a, p_b, p_ab = has_a.mean(), has_b.mean(), (has_a & has_b).mean()
    return {
        "antecedent": ANTECEDENT, "consequent": CONSEQUENT,
        "antecedent_name": cat.loc[cat.sku == ANTECEDENT, "product_name"].iloc[0],
        "consequent_name": cat.loc[cat.sku == CONSEQUENT, "product_name"].iloc[0],
        "attach_prob": ATTACH_PROB,
        "support_antecedent": float(p_a), "support_consequent": float(p_b), "support_pair": float(p_ab),
        "confidence": float(p_ab / p_a), "lift": float(p_ab / (p_a * p_b)),
        "lift_without_bundle_rule": lift0,
        "unit": "orders (baskets); every order, any status, has a basket",
        "method": f"Monte Carlo of the basket process, {n} baskets, seed {seed}",
    }


def _pair_index(cat: pd.DataFrame) -> tuple[int, int]:
    skus = cat["sku"].to_numpy()
    return int(np.flatnonzero(skus == ANTECEDENT)[0]), int(np.flatnonzero(skus == CONSEQUENT)[0])


def _draw_baskets(rng: np.random.Generator, cat: pd.DataFrame, z: np.ndarray, attach: float = ATTACH_PROB) -> np.ndarray:
    """Quantities per (order, SKU) from the basket process; ``[n_orders, n_skus]`` int array."""
    n = len(z)
    w = cat["weight"].to_numpy()
    lp = np.log(cat["list_price"].to_numpy())
    L = 1 + rng.binomial(3, np.clip(z / LINE_SCALE, 0.03, 0.85))
    target = np.log(np.maximum(z, 1.0) / L)
    qty = np.zeros((n, len(cat)), dtype=np.int64)  # [orders, skus]
    wts = w[None, :] * np.exp(-((lp[None, :] - target[:, None]) ** 2) / (2 * PRICE_SD**2))  # [orders, skus]
    cum = np.cumsum(wts, axis=1)
    cum /= cum[:, -1:]
    rows = np.arange(n)
    for j in range(4):
        m = L > j
        u = rng.random(n)
        k = np.minimum((u[:, None] > cum).sum(axis=1), len(cat) - 1)
        np.add.at(qty, (rows[m], k[m]), 1)
    ia, ib = _pair_index(cat)
    add = (qty[:, ia] > 0) & (qty[:, ib] == 0) & (rng.random(n) < attach)
    qty[add, ib] = 1
    return qty


def make_items(rng: np.random.Generator, order_ids: np.ndarray, amounts: np.ndarray) -> pd.DataFrame:
    """Order lines for the given orders (see module docstring for the process).

    Returns the canonical ``order_items`` table plus a per-order list total in ``attrs['list_total']``
    (a float array aligned with ``order_ids``).
    """
    cat = catalogue()
    price = cat["list_price"].to_numpy()
    qty = _draw_baskets(rng, cat, np.asarray(amounts, dtype=float))
    # raise quantities until the list total covers the amount paid (cheapest line first)
    total = qty @ price
    short = np.flatnonzero(total < amounts)
    for i in short:
        lines = np.flatnonzero(qty[i])
        lines = lines[np.argsort(price[lines], kind="stable")]
        k = 0
        while total[i] < amounts[i]:
            sku = lines[k % len(lines)]
            qty[i, sku] += 1
            total[i] += price[sku]
            k += 1
    oi, si = np.nonzero(qty)
    items = pd.DataFrame({
        "order_id": np.asarray(order_ids, dtype=object)[oi],
        "sku": cat["sku"].to_numpy()[si],
        "product_name": cat["product_name"].to_numpy()[si],
        "category": cat["category"].to_numpy()[si],
        "quantity": qty[oi, si].astype("int64"),
        "unit_price": price[si].astype(float),
    })
    items.attrs["list_total"] = total.astype(float)
    return items
