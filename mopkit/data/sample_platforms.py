"""The sample merchant's orders as the platform exports a consultant really receives.

Every order of the canonical sample is placed on one platform: a Douyin shop (抖店), a Tmall store
(千牛 export) or the brand's WeChat mini program. Most people buy on one platform (their home
platform, drawn from :data:`PLATFORM_MIX`); a planted number buy on two or three with the same
phone number (:data:`N_TWO`, :data:`N_THREE`; scaled down for small samples), which the loader's
stitching must recover exactly. Channels (traffic sources) stay as the generator drew them.

Files (:func:`export_files`):

douyin_orders.csv   UTF-8 with BOM; one row per sub-order (子订单 = order line) under its main order
                    (主订单编号); ids with a leading tab; 订单应付金额 per sub-order (order amount split
                    over lines in cents); refunds as 售后状态 退款成功 + 退款金额; buyer known by phone
tmall_orders.xlsx   ExportOrderList layout, one row per order; buyer 买家会员名 + 联系手机; a refund is
                    退款金额 > 0 (交易关闭 after a full refund)
wechat_orders.xlsx  the mini program's export, Chinese headers mapped by hand in client.yaml;
                    会员ID is the merchant's own member id (the CRM's 客户ID)
order_items.parquet lines of the Tmall and mini-program orders, keyed by their export order ids
"""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

PLATFORM_MIX = {"douyin": 0.25, "tmall": 0.45, "wechat": 0.30}
N_TWO, N_THREE = 450, 150  # people buying on exactly two / three platforms (at 20,000 customers)
_SEED_TAG = 1011  # this module's own random stream: SeedSequence([seed, _SEED_TAG])
CHANNEL_ZH = {"douyin": "抖音", "wechat": "微信小程序", "xiaohongshu": "小红书", "tmall": "天猫", "search": "搜索广告"}
DOUYIN_STATUS = {"paid": "已完成", "refunded": "已完成", "cancelled": "已关闭"}
TMALL_STATUS = {"paid": "交易成功", "refunded": "交易成功", "cancelled": "交易关闭"}
WECHAT_HEADERS = {"order_id": "订单号", "customer_id": "会员ID", "order_time": "下单时间", "amount": "实付金额",
                  "channel": "渠道", "status": "订单状态", "refund_amount": "退款金额", "discount": "优惠金额",
                  "phone": "手机号"}
WECHAT_STATUS = {"paid": "已支付", "refunded": "已退款", "cancelled": "已取消"}


def unique_phones(customers: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Make every customer's phone number unique after normalisation (two people never share one).

    Random 11-digit numbers for 20,000 people collide now and then; the later holder of a shared
    number gets new last four digits (deterministic). Returns a new frame.
    """
    c = customers.copy()
    norm = c["phone"].str.replace(r"\D", "", regex=True).str[-11:]
    used = set(norm)
    rng = np.random.default_rng(np.random.SeedSequence([seed, _SEED_TAG, 1]))
    phones = c["phone"].to_numpy().copy()
    for i in np.flatnonzero(norm.duplicated().to_numpy()):
        while True:
            new = norm.iloc[i][:7] + f"{rng.integers(0, 10_000):04d}"
            if new not in used:
                break
        used.add(new)
        phones[i] = new
    c["phone"] = phones
    return c


def assign_platforms(seed: int, orders: pd.DataFrame, n_customers: int) -> tuple[np.ndarray, dict]:
    """Platform of every order (aligned with ``orders``) and the planted truth.

    Home platform per person from :data:`PLATFORM_MIX`; ``N_TWO`` people with 2+ orders rotate over
    two platforms and ``N_THREE`` with 3+ orders over three (order k on platform k mod m of a random
    order of platforms), so each of them uses exactly that many platforms.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, _SEED_TAG]))
    names = np.array(list(PLATFORM_MIX))
    cust, cidx = np.unique(orders["customer_id"].to_numpy(), return_inverse=True)
    home = rng.choice(len(names), size=len(cust), p=list(PLATFORM_MIX.values()))
    n_orders = np.bincount(cidx, minlength=len(cust))
    scale = n_customers / 20_000
    n3, n2 = int(round(N_THREE * scale)), int(round(N_TWO * scale))
    three = rng.choice(np.flatnonzero(n_orders >= 3), size=n3, replace=False)
    rest = np.setdiff1d(np.flatnonzero(n_orders >= 2), three)
    two = rng.choice(rest, size=n2, replace=False)
    m = np.ones(len(cust), np.int64)
    m[two], m[three] = 2, 3
    perm = np.array([rng.permutation(len(names)) for _ in range(len(cust))])
    perm[:, 0] = np.where(m == 1, home, perm[:, 0])
    # k-th order of each person, in time order (orders are sorted by time in the generator)
    k = pd.Series(cidx).groupby(cidx).cumcount().to_numpy()
    plat = names[perm[cidx, k % m[cidx]]]
    used = pd.Series(plat).groupby(cidx).nunique().to_numpy()
    truth = {
        "mix": PLATFORM_MIX,
        "orders_by_platform": {p: int((plat == p).sum()) for p in names},
        "customers_by_platform": {p: int(pd.Series(cidx[plat == p]).nunique()) for p in names},
        "multi_platform_customers": int((used >= 2).sum()),
        "three_platform_customers": int((used >= 3).sum()),
        "link": "same phone number (written 13812345678, 138-1234-5678 or +86 13812345678)",
    }
    return plat, truth


def _num_id(prefix: str, idx: np.ndarray, mult: int, width: int) -> np.ndarray:
    """Long numeric platform order numbers, distinct per index (``mult`` is coprime with 10)."""
    return np.array([f"{prefix}{(int(i) + 1) * mult % 10 ** width:0{width}d}" for i in idx], dtype=object)


def export_ids(orders: pd.DataFrame, platform: np.ndarray) -> np.ndarray:
    """The order number each order carries in its platform's export."""
    idx = np.arange(len(orders))
    ids = orders["order_id"].to_numpy().astype(object).copy()
    dy, tm = platform == "douyin", platform == "tmall"
    ids[dy] = _num_id("69", idx[dy], 104_729, 17)
    ids[tm] = _num_id("3", idx[tm], 7_907, 18)
    return ids


def _cents_split(total: np.ndarray, weight: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Split each group's ``total`` (repeated on its rows; groups contiguous) over its rows in
    proportion to ``weight``, in whole cents that add up exactly (the last row takes the rest)."""
    t = np.round(total * 100).astype(np.int64)
    wsum = np.bincount(group, weights=weight)[group]
    share = np.floor(t * np.where(wsum > 0, weight / np.where(wsum > 0, wsum, 1), 0)).astype(np.int64)
    last = np.r_[group[1:] != group[:-1], True]
    gsum = np.bincount(group, weights=share).round().astype(np.int64)
    share[last] += t[last] - gsum[group[last]]
    return share / 100.0


def _nick(uid: pd.Series) -> np.ndarray:
    return np.array([f"tb_{hashlib.sha1(u.encode()).hexdigest()[:12]}" for u in uid], dtype=object)


def export_frames(tables: dict[str, pd.DataFrame], platform: np.ndarray, slash_time, zh_time, money) -> dict[str, pd.DataFrame]:
    """The three platform exports and the Tmall + mini-program order lines, as DataFrames of text."""
    o = tables["orders"].reset_index(drop=True)
    cust = tables["customers"].set_index("customer_id")
    phone = cust["phone"].reindex(o["customer_id"]).to_numpy()
    name = cust["name"].reindex(o["customer_id"]).to_numpy()
    ids = export_ids(o, platform)
    ch = o["channel"].map(CHANNEL_ZH).fillna(o["channel"]).to_numpy()
    iso = o["order_time"].dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy()
    out = {}

    # Douyin: one row per order line (sub-order)
    dy = np.flatnonzero(platform == "douyin")
    items = tables["order_items"]
    pos = pd.Series(np.arange(len(o)), index=o["order_id"])
    it = items.assign(oi=pos.reindex(items["order_id"]).to_numpy())
    li = it[np.isin(it["oi"].to_numpy(), dy)].sort_values(["oi"], kind="stable").reset_index(drop=True)
    oi = li["oi"].to_numpy()
    g = pd.factorize(oi)[0]
    gross = (li["quantity"] * li["unit_price"]).to_numpy(float)
    line_amt = _cents_split(o["amount"].to_numpy()[oi], gross, g)
    line_disc = _cents_split(o["discount"].to_numpy()[oi], gross, g)
    st = o["status"].to_numpy()[oi]
    ref = o["refund_amount"].to_numpy()[oi]
    first_line = np.r_[True, g[1:] != g[:-1]]
    full = (st == "refunded") & np.isclose(ref, o["amount"].to_numpy()[oi])
    part = (st == "refunded") & ~full & first_line
    after = np.where(full | part, "退款成功", "-")
    line_ref = np.where(full, line_amt, np.where(part, ref, 0.0))
    k = pd.Series(g).groupby(g).cumcount().to_numpy() + 1
    tab = "\t"
    out["douyin"] = pd.DataFrame({
        "主订单编号": tab + ids[oi].astype(str), "子订单编号": tab + pd.Series(ids[oi].astype(str)) + pd.Series(k).astype(str).str.zfill(2),
        "选购商品": li["product_name"].to_numpy(), "商家编码": li["sku"].to_numpy(), "商品数量": li["quantity"].astype(str).to_numpy(),
        "商品单价": money(li["unit_price"]).to_numpy(), "订单应付金额": money(pd.Series(line_amt)).to_numpy(),
        "优惠金额": money(pd.Series(line_disc)).to_numpy(), "订单提交时间": slash_time(o["order_time"]).to_numpy()[oi],
        "订单状态": pd.Series(st).map(DOUYIN_STATUS).to_numpy(), "售后状态": after, "退款金额": money(pd.Series(line_ref)).to_numpy(),
        "收件人": name[oi], "收件人手机号": phone[oi], "流量来源": ch[oi],
    })

    tm = np.flatnonzero(platform == "tmall")
    tst = o["status"].to_numpy()[tm]
    full_t = (tst == "refunded") & np.isclose(o["refund_amount"].to_numpy()[tm], o["amount"].to_numpy()[tm])
    out["tmall"] = pd.DataFrame({
        "订单编号": ids[tm], "买家会员名": _nick(o["customer_id"].iloc[tm]), "买家实际支付金额": money(o["amount"].iloc[tm]).to_numpy(),
        "订单状态": np.where(full_t, "交易关闭", pd.Series(tst).map(TMALL_STATUS).to_numpy()),
        "订单创建时间": iso[tm], "收货人姓名": name[tm], "联系手机": phone[tm],
        "退款金额": money(o["refund_amount"].iloc[tm]).to_numpy(), "店铺优惠": money(o["discount"].iloc[tm]).to_numpy(),
        "订单来源": ch[tm],
    })

    wx = np.flatnonzero(platform == "wechat")
    w = o.iloc[wx]
    out["wechat"] = pd.DataFrame({
        WECHAT_HEADERS["order_id"]: ids[wx], WECHAT_HEADERS["customer_id"]: w["customer_id"].to_numpy(),
        WECHAT_HEADERS["order_time"]: zh_time(w["order_time"]).to_numpy(), WECHAT_HEADERS["amount"]: money(w["amount"]).to_numpy(),
        WECHAT_HEADERS["channel"]: ch[wx], WECHAT_HEADERS["status"]: w["status"].map(WECHAT_STATUS).to_numpy(),
        WECHAT_HEADERS["refund_amount"]: money(w["refund_amount"]).to_numpy(), WECHAT_HEADERS["discount"]: money(w["discount"]).to_numpy(),
        WECHAT_HEADERS["phone"]: phone[wx],
    })

    keep = ~np.isin(it["oi"].to_numpy(), dy)
    rest = items[keep].copy()
    rest["order_id"] = ids[it["oi"].to_numpy()[keep].astype(np.int64)]
    out["order_items"] = rest.reset_index(drop=True)
    return out
