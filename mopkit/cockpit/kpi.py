"""The metrics a merchant reads, computed by day, week or month, overall and per channel.

Two steps, so a dashboard filter change stays fast on a million orders:

1. :func:`prepare_cube` turns the canonical tables into compact integer-coded numpy arrays
   (day numbers, channel and customer codes, amounts) once — the pre-aggregation.
2. :func:`compute_kpis` slices those arrays by date range and channels and aggregates them into
   a long table ``period, channel, metric, value, change, status, freq`` with ``np.bincount``
   and sorted unique keys (no string or datetime work per call).

Every metric, its formula, unit and Chinese/English name is in :data:`CATALOGUE`
(:func:`metric_catalogue`). A metric whose input table or column is missing is ``NaN`` with
``status="unavailable"`` — never zero; a metric whose denominator is zero (or that cannot be
observed yet, such as M3 retention of last month's cohort) is ``NaN`` with ``status="undefined"``.

Definitions follow common e-commerce practice (e.g. Alibaba/Douyin merchant back-office
definitions; Farris et al., *Marketing Metrics*, 2nd ed., 2010, for CTR/CPC/CPM/CPA/ROAS/ROI/CAC).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from ..data.orders import DEFINITIONS, INVALID_COST, sales_channel, valid_costs
from ..errors import DataError
from ..i18n import register, t
from ..sorting import stable_argsort

# metric -> (zh name, en name, zh formula, en formula, unit, inputs)
# unit: money | count | ratio (a fraction shown as %) | multiple (x times) | number
_CAT = {
    # GMV, net sales and orders: the one definition in mopkit.data.orders
    "gmv": ("成交额 GMV", "GMV", DEFINITIONS["gmv"]["zh"], DEFINITIONS["gmv"]["en"], "money", ()),
    "net_sales": ("净销售额", "Net sales", DEFINITIONS["net_sales"]["zh"], DEFINITIONS["net_sales"]["en"], "money", ("refund",)),
    "orders": ("订单数", "Orders", DEFINITIONS["orders"]["zh"], DEFINITIONS["orders"]["en"], "count", ()),
    "buyers": ("买家数", "Buyers", "本期有非取消订单的不同客户数",
               "distinct customers with an order not cancelled in the period", "count", ()),
    "new_buyers": ("新买家数", "New buyers", "首单（全部历史、全部渠道）落在本期的买家数",
                   "buyers whose first order ever (all history, all channels) falls in the period", "count", ()),
    "returning_buyers": ("老买家数", "Returning buyers", "买家数 − 新买家数", "buyers − new buyers", "count", ()),
    "aov": ("客单价 AOV", "AOV", "GMV ÷ 订单数", "GMV ÷ orders", "money", ()),
    "units_per_order": ("件单价（每单件数）", "Units per order", "订单明细件数之和 ÷ 有明细的订单数",
                        "units in order_items ÷ orders having items", "number", ("items",)),
    "repurchase_rate": ("复购率", "Repurchase rate", "本期下单 ≥2 次的买家数 ÷ 买家数",
                        "buyers with 2+ orders in the period ÷ buyers", "ratio", ()),
    "refund_rate": ("退款率", "Refund rate", "退款金额 ÷ GMV", "refund amount ÷ GMV", "ratio", ("refund",)),
    "impressions": ("曝光量", "Impressions", "广告曝光之和", "sum of ad impressions", "count", ("ads", "impressions")),
    "clicks": ("点击量", "Clicks", "广告点击之和", "sum of ad clicks", "count", ("ads", "clicks")),
    "ctr": ("点击率 CTR", "CTR", "点击 ÷ 曝光", "clicks ÷ impressions", "ratio", ("ads", "impressions", "clicks")),
    "cpc": ("单次点击成本 CPC", "CPC", "广告花费 ÷ 点击", "ad spend ÷ clicks", "money", ("ads", "clicks")),
    "cpm": ("千次曝光成本 CPM", "CPM", "广告花费 ÷ 曝光 × 1000", "ad spend ÷ impressions × 1000", "money",
            ("ads", "impressions")),
    "cvr": ("转化率 CVR", "CVR", "订单数 ÷ 广告点击（按渠道：该渠道订单 ÷ 该渠道点击）",
            "orders ÷ ad clicks (per channel: the channel's orders ÷ its clicks)", "ratio", ("ads", "clicks")),
    "ad_spend": ("广告花费", "Ad spend", "广告花费之和", "sum of ad cost", "money", ("ads",)),
    "cpa": ("单笔订单成本 CPA", "CPA", "广告花费 ÷ 订单数", "ad spend ÷ orders", "money", ("ads",)),
    "roas": ("广告投产比 ROAS", "ROAS", "GMV ÷ 广告花费（即平台所称“投产比/ROI”）",
             "GMV ÷ ad spend (what Chinese platforms call 投产比 / ROI)", "multiple", ("ads",)),
    "roi": ("投资回报率 ROI", "ROI", "(净销售额 − 广告花费) ÷ 广告花费",
            "(net sales − ad spend) ÷ ad spend", "ratio", ("ads", "refund")),
    "cac": ("获客成本 CAC", "CAC", "广告花费 ÷ 新买家数", "ad spend ÷ new buyers", "money", ("ads",)),
    "ltv": ("客户终身价值 LTV", "LTV", "给定的模型 CLV；否则历史值：数据起点至期末净销售额 ÷ 期间累计买家数",
            "model CLV if given; else historical: net sales from data start to period end ÷ buyers to date",
            "money", ("refund",)),
    "ltv_cac": ("LTV/CAC", "LTV/CAC", "LTV ÷ CAC", "LTV ÷ CAC", "multiple", ("ads", "refund")),
    "m1_retention": ("次月留存率 M1", "M1 retention", "本月新客中下个月再次购买的比例（仅按月）",
                     "share of the month's new buyers who buy again in the next month (monthly only)",
                     "ratio", ("monthly",)),
    "m3_retention": ("第3月留存率 M3", "M3 retention", "本月新客中第 3 个月再次购买的比例（仅按月）",
                     "share of the month's new buyers who buy in the 3rd month after (monthly only)",
                     "ratio", ("monthly",)),
    "churn_rate": ("流失率", "Churn rate", "上期买家中本期未再购买的比例",
                   "share of the previous period's buyers who do not buy in this period", "ratio", ()),
    "revenue_share": ("渠道收入占比", "Channel share of revenue", "渠道 GMV ÷ 全部渠道 GMV",
                      "channel GMV ÷ GMV of all channels", "ratio", ()),
    "spend_share": ("渠道花费占比", "Channel share of spend", "渠道广告花费 ÷ 全部渠道广告花费",
                    "channel ad spend ÷ ad spend of all channels", "ratio", ("ads",)),
}
METRICS: tuple[str, ...] = tuple(_CAT)
FREQS = {"D": "day", "W": "week", "M": "month"}
ALL = "all"

_LABELS = {f"kpi.{m}": {"zh": v[0], "en": v[1]} for m, v in _CAT.items()}
_LABELS.update({
    "kpi.unit.money": {"zh": "金额", "en": "currency"},
    "kpi.unit.count": {"zh": "个数", "en": "count"},
    "kpi.unit.ratio": {"zh": "百分比", "en": "percent"},
    "kpi.unit.multiple": {"zh": "倍数", "en": "times"},
    "kpi.unit.number": {"zh": "数值", "en": "number"},
    "kpi.col.metric": {"zh": "指标代码", "en": "Metric id"},
    "kpi.col.name": {"zh": "指标", "en": "Metric"},
    "kpi.col.formula": {"zh": "计算公式", "en": "Formula"},
    "kpi.col.unit": {"zh": "单位", "en": "Unit"},
    "kpi.unavailable": {"zh": "无数据", "en": "n/a"},
    "kpi.all": {"zh": "全部渠道", "en": "All channels"},
    "kpi.finding.gmv": {"zh": "{period} 成交额 {value}（环比 {change}），订单 {orders} 笔，客单价 {aov}。",
                        "en": "{period}: GMV {value} ({change} on the previous period), {orders} orders, AOV {aov}."},
    "kpi.finding.roas": {"zh": "{period} 广告投产比 ROAS {roas}，广告花费 {spend}；ROAS 最高的渠道是{best}（{best_roas}），最低的是{worst}（{worst_roas}）。",
                         "en": "{period}: ROAS {roas} on ad spend {spend}; best channel {best} ({best_roas}), weakest {worst} ({worst_roas})."},
    "kpi.finding.retention": {"zh": "新客次月留存率（M1）{m1}，第 3 个月留存率（M3）{m3}。",
                              "en": "New buyers' M1 retention is {m1}, M3 retention {m3}."},
})
register(_LABELS)

#: Canonical columns the cockpit reads (cube, cohorts, basket): a notebook reads only these.
ORDER_COLUMNS = ["order_id", "customer_id", "order_time", "amount", "channel", "platform", "status", "refund_amount"]
ITEM_COLUMNS = ["order_id", "quantity", "sku", "category", "product_name"]

#: Metrics shown in the executive summary and on the dashboard cards, in order.
HEADLINE_METRICS = ("gmv", "orders", "buyers", "aov", "roas", "refund_rate", "new_buyers", "m1_retention")
_CURRENCY = {"CNY": "¥", "RMB": "¥", "USD": "$", "EUR": "€", "HKD": "HK$", "JPY": "¥", "GBP": "£"}


def metric_catalogue(lang: str = "zh") -> pd.DataFrame:
    """The metric definitions for the report appendix.

    Returns
    -------
    DataFrame with columns ``metric`` (id), ``name``, ``formula``, ``unit`` in ``lang``.
    """
    t("kpi.all", lang)  # validates lang
    i = 0 if lang == "zh" else 1
    rows = [(m, v[i], v[2 + i], t(f"kpi.unit.{v[4]}", lang)) for m, v in _CAT.items()]
    return pd.DataFrame(rows, columns=["metric", "name", "formula", "unit"])


def metric_unit(metric: str) -> str:
    """Unit kind of a metric: money, count, ratio, multiple or number."""
    return _CAT[metric][4]


# ----------------------------------------------------------------------------------- the cube
@dataclass
class KpiCube:
    """Integer-coded, day-sorted arrays built once by :func:`prepare_cube`."""

    channels: list[str]
    o_day: np.ndarray  # int64 day number (days since 1970-01-01), sorted
    o_ch: np.ndarray  # int16 channel code
    o_cust: np.ndarray  # int64 customer code
    o_amt: np.ndarray
    o_ref: np.ndarray
    o_units: np.ndarray  # NaN where the order has no items
    first_day: np.ndarray  # per customer: day of first order (all channels)
    ad_day: np.ndarray
    ad_ch: np.ndarray
    ad_imp: np.ndarray
    ad_clk: np.ndarray
    ad_cost: np.ndarray
    has: dict[str, bool]
    notes: dict[str, int] = field(default_factory=dict)  # rows left out, by reason

    @cached_property
    def by_customer(self) -> np.ndarray:
        """[O] order positions sorted by customer, then day (one sort, reused by every call)."""
        return stable_argsort(self.o_cust)

    @cached_property
    def by_customer_channel(self) -> np.ndarray:
        """[O] order positions sorted by customer, channel, then day."""
        return stable_argsort(self.o_cust * np.int64(max(len(self.channels), 1)) + self.o_ch)

    def periods(self, freq) -> np.ndarray:
        """[O] period code of every order for ``freq`` ("D", "W", "M" cached; fixed bins computed)."""
        if not isinstance(freq, str):
            return _period_code(self.o_day, freq)
        cache = self.__dict__.setdefault("_periods", {})
        if freq not in cache:
            cache[freq] = _period_code(self.o_day, freq)
        return cache[freq]

    def customer_runs(self, a: int, b: int, gmap: np.ndarray, by_channel: bool) -> np.ndarray:
        """Positions of the orders in ``[a, b)`` whose channel ``gmap`` keeps (>= 0), sorted by
        customer (and channel when ``by_channel``), then day: each (customer, group) is one run."""
        perm = self.by_customer_channel if by_channel else self.by_customer
        sel = perm if (a, b) == (0, len(perm)) else perm[(perm >= a) & (perm < b)]
        return sel if (gmap >= 0).all() else sel[gmap[self.o_ch[sel]] >= 0]

    @property
    def n_customers(self) -> int:
        return len(self.first_day)

    @property
    def day_range(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        days = np.concatenate([self.o_day[:1], self.o_day[-1:], self.ad_day])
        return _ts(days.min()), _ts(days.max())


def _ts(day: int) -> pd.Timestamp:
    return pd.Timestamp(np.datetime64(int(day), "D"))


def _daynum(s: pd.Series, table: str, column: str) -> np.ndarray:
    try:
        v = pd.to_datetime(s).to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    except (ValueError, TypeError) as exc:
        raise DataError(f"{table}.{column} is not a date/time column", column=column,
                        examples=[str(x) for x in s.head(3)],
                        fix="load the table with mopkit's loader, which parses dates") from exc
    if np.isnat(v).any():
        raise DataError(f"{table}.{column} has missing dates", column=column,
                        fix="load the table with mopkit's loader, which reports and drops them")
    return v.astype(np.int64)


def _need(df: pd.DataFrame, table: str, cols: list[str]) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataError(f"{table} lacks required columns {missing}", column=missing[0],
                        fix=f"map them in the client config; {table} has {list(df.columns)[:8]}")


def prepare_cube(orders: pd.DataFrame, order_items: pd.DataFrame | None = None,
                 ad_spend: pd.DataFrame | None = None) -> KpiCube:
    """Pre-aggregate the canonical tables into a :class:`KpiCube` (done once per dashboard).

    Required columns: ``orders``: order_id, customer_id, order_time, amount; optional channel
    (traffic source; where "unknown", the order's ``platform`` is used: :func:`mopkit.data.orders.sales_channel`), status (default paid), refund_amount (absent: refund metrics
    unavailable). ``order_items``: order_id, quantity. ``ad_spend``: date, channel, cost;
    optional impressions, clicks.

    Cancelled orders are left out of every metric; their count is in ``cube.notes``.

    Raises
    ------
    DataError
        A required column is missing or a date column cannot be read.
    """
    _need(orders, "orders", ["order_id", "customer_id", "order_time", "amount"])
    notes: dict[str, int] = {}
    keep = np.ones(len(orders), bool)
    if "status" in orders.columns:
        st_codes, st_names = pd.factorize(orders["status"])
        bad = [i for i, v in enumerate(st_names) if str(v).lower() == "cancelled"]
        keep = ~np.isin(st_codes, bad)
        notes["cancelled orders (excluded)"] = int((~keep).sum())
    # columns are read whole and the kept orders picked by position (no copy of the table)
    kept = np.flatnonzero(keep)
    day = _daynum(orders["order_time"], "orders", "order_time")[kept]
    order = stable_argsort(day)
    day = day[order]
    pick = kept[order]  # [O] table row of each order in the cube, day-sorted
    # traffic source when the export has one, else the platform the order was placed on;
    # coded once (a handful of names), never one Python string per order
    sold = sales_channel(orders)
    sold_code, sold_names = pd.factorize(sold, use_na_sentinel=False)
    ch_raw = sold_code[pick]
    other = (sold != (orders["channel"].astype(str) if "channel" in orders.columns else "unknown")).to_numpy(dtype=bool)
    by_platform = int(other[kept].sum())
    if by_platform:
        notes["orders reported under their platform (no traffic source in the export)"] = by_platform
    amt = pd.to_numeric(orders["amount"], errors="coerce").to_numpy(float)[pick]
    if np.isnan(amt).any():
        raise DataError("orders.amount has non-numeric values", column="amount",
                        fix="load the table with mopkit's loader, which parses amounts")
    has_ref = "refund_amount" in orders.columns
    ref = (pd.to_numeric(orders["refund_amount"], errors="coerce").fillna(0).to_numpy(float)[pick]
           if has_ref else np.zeros(len(pick)))
    cust = pd.factorize(orders["customer_id"])[0][pick]  # codes of the Arrow strings (any numbering) ...
    if len(kept) < len(orders):
        cust = pd.factorize(cust)[0]  # ... made 0..C-1 over the customers with an order kept
    cust = cust.astype(np.int64)
    first_day = np.full(cust.max() + 1 if len(cust) else 0, np.iinfo(np.int64).max)
    np.minimum.at(first_day, cust, day)

    has_items = order_items is not None and len(order_items) > 0
    units = np.full(len(pick), np.nan)
    if has_items:
        _need(order_items, "order_items", ["order_id", "quantity"])
        # hash both id columns together (no string sort, no per-row map): units per order code
        ids = pd.concat([orders["order_id"].astype(str), order_items["order_id"].astype(str)], ignore_index=True)
        codes, _ = pd.factorize(ids)
        oc, ic = codes[: len(orders)], codes[len(orders):]
        q = pd.to_numeric(order_items["quantity"], errors="coerce").fillna(0).to_numpy(float)
        tot = np.bincount(ic, weights=q, minlength=codes.max() + 1)
        seen = np.bincount(ic, minlength=codes.max() + 1) > 0
        units = np.where(seen[oc], tot[oc], np.nan)[pick]
        notes["orders without order_items (left out of units per order)"] = int(np.isnan(units).sum())

    has_ads = ad_spend is not None and len(ad_spend) > 0
    if has_ads:
        _need(ad_spend, "ad_spend", ["date", "channel", "cost"])
        a = ad_spend
        ad_day = _daynum(a["date"], "ad_spend", "date")
        cost, ok = valid_costs(a)
        if not ok.all():  # one rule everywhere (mopkit.data.orders): left out and counted, never 0
            notes[INVALID_COST] = int((~ok).sum())
            a, cost = a[ok.to_numpy()], cost[ok]
            ad_day = ad_day[ok.to_numpy()]
        ad_cost = cost.to_numpy(float)
        ad_ch_raw = a["channel"].astype(str).to_numpy()
        has_imp, has_clk = "impressions" in a.columns, "clicks" in a.columns
        ad_imp = pd.to_numeric(a["impressions"], errors="coerce").fillna(0).to_numpy(float) if has_imp else np.zeros(len(a))
        ad_clk = pd.to_numeric(a["clicks"], errors="coerce").fillna(0).to_numpy(float) if has_clk else np.zeros(len(a))
    else:
        ad_day, ad_ch_raw = np.zeros(0, np.int64), np.zeros(0, str)
        ad_cost = ad_imp = ad_clk = np.zeros(0)
        has_imp = has_clk = False
    ad_code, ad_names = pd.factorize(ad_ch_raw.astype(object))
    names = np.concatenate([np.asarray(sold_names, dtype=object), np.asarray(ad_names, dtype=object)]).astype(str)
    uniq, to_uniq = np.unique(names, return_inverse=True)  # codes in sorted-name order
    channels = [str(u) for u in uniq]
    o_ch = to_uniq[ch_raw].astype(np.int16)
    ad_ch = to_uniq[len(sold_names) + ad_code].astype(np.int16)
    return KpiCube(
        channels=channels, o_day=day, o_ch=o_ch, o_cust=cust, o_amt=amt, o_ref=ref, o_units=units,
        first_day=first_day, ad_day=ad_day, ad_ch=ad_ch, ad_imp=ad_imp, ad_clk=ad_clk, ad_cost=ad_cost,
        has={"refund": has_ref, "items": has_items, "ads": has_ads, "impressions": has_imp, "clicks": has_clk},
        notes=notes,
    )


# ------------------------------------------------------------------------------ period codes
def _period_code(day: np.ndarray, freq) -> np.ndarray:
    if freq == "D":
        return day
    if freq == "W":  # weeks start on Monday; day 0 (1970-01-01) was a Thursday
        return (day + 3) // 7
    if freq == "M":
        return day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    anchor, length = freq  # fixed bins of `length` days, one of which starts at `anchor`
    return (day - anchor) // length


def _period_start(code: np.ndarray, freq) -> pd.DatetimeIndex:
    if freq == "D":
        d = code
    elif freq == "W":
        d = code * 7 - 3
    elif freq == "M":
        return pd.DatetimeIndex(code.astype("datetime64[M]").astype("datetime64[ns]"))
    else:
        d = freq[0] + code * freq[1]
    return pd.DatetimeIndex(np.asarray(d, np.int64).astype("datetime64[D]").astype("datetime64[ns]"))


def _to_day(x) -> int | None:
    if x is None:
        return None
    return int(np.datetime64(pd.Timestamp(x).normalize().to_datetime64(), "D").astype(np.int64))


# ------------------------------------------------------------------------------- aggregation
def _bc(idx, w, n):
    return np.bincount(idx, weights=w, minlength=n)[:n] if len(idx) else np.zeros(n)


def _div(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)


def _grid(cube: KpiCube, lo: int, hi: int, chans: np.ndarray, freq, by_channel: bool, ltv, need=None):
    """Metrics on the dense grid periods x groups; returns dict metric -> [P, G] array.

    Only the costly blocks that ``need`` (a set of metrics; None = all) asks for are computed:
    distinct buyers (a sort of the order keys), churn/retention lookups, historical LTV."""
    need = set(METRICS) if need is None else set(need)
    nan = lambda: np.full(P * G, np.nan)  # noqa: E731
    C = len(cube.channels)
    p0, p1 = int(_period_code(np.array([lo]), freq)[0]), int(_period_code(np.array([hi]), freq)[0])
    P = p1 - p0 + 1
    G = len(chans) if by_channel else 1
    gmap = np.full(C, -1, np.int64)
    gmap[chans] = np.arange(len(chans)) if by_channel else 0

    # orders in the date range and selected channels (day-sorted: slice, then mask)
    a, b = np.searchsorted(cube.o_day, [lo, hi + 1])
    g = gmap[cube.o_ch[a:b]]
    m = g >= 0
    g = g[m]
    per = cube.periods(freq)
    p = per[a:b][m] - p0
    idx = p * G + g
    n = P * G
    amt, ref, units = cube.o_amt[a:b][m], cube.o_ref[a:b][m], cube.o_units[a:b][m]
    out: dict[str, np.ndarray] = {}
    out["gmv"] = _bc(idx, amt, n)
    out["net_sales"] = out["gmv"] - _bc(idx, ref, n)
    out["orders"] = _bc(idx, None, n)
    refund = _bc(idx, ref, n)
    ok_u = ~np.isnan(units)
    out["units_per_order"] = _div(_bc(idx[ok_u], units[ok_u], n), _bc(idx[ok_u], None, n))

    for name in _BUYER_METRICS | _LATER_METRICS:
        out[name] = nan()
    out["aov"] = _div(out["gmv"], out["orders"])
    out["refund_rate"] = _div(refund, out["gmv"])
    if need & _BUYER_METRICS:
        _buyers(out, cube, cube.customer_runs(a, b, gmap, by_channel), gmap, n, P, G, p0, freq, need)

    # ads
    a_m = (cube.ad_day >= lo) & (cube.ad_day <= hi)
    ag = gmap[cube.ad_ch[a_m]] if len(cube.ad_ch) else np.zeros(0, np.int64)
    am = ag >= 0
    aidx = (_period_code(cube.ad_day[a_m][am], freq) - p0) * G + ag[am]
    imp, clk, cost = (_bc(aidx, v[a_m][am], n) for v in (cube.ad_imp, cube.ad_clk, cube.ad_cost))
    out.update(impressions=imp, clicks=clk, ad_spend=cost)
    out["ctr"] = _div(clk, imp)
    out["cpc"] = _div(cost, clk)
    out["cpm"] = _div(cost * 1000, imp)
    out["cvr"] = _div(out["orders"], clk)
    out["cpa"] = _div(cost, out["orders"])
    out["roas"] = _div(out["gmv"], cost)
    out["roi"] = _div(out["net_sales"] - cost, cost)
    out["cac"] = _div(cost, out["new_buyers"])

    # LTV (historical): net sales and first buyers from the data start to each period end
    if not need & {"ltv", "ltv_cac"}:
        out["ltv"] = nan()
    elif ltv is None:
        hb = np.searchsorted(cube.o_day, hi + 1)
        hg = gmap[cube.o_ch[:hb]]
        hm = hg >= 0
        hg = hg[hm]
        hp = np.clip(per[:hb][hm] - p0, 0, None)  # before the window -> first period
        hidx = hp * G + hg
        cum_net = np.cumsum(_bc(hidx, (cube.o_amt[:hb] - cube.o_ref[:hb])[hm], n).reshape(P, G), axis=0)
        run = cube.customer_runs(0, hb, gmap, by_channel)  # first order of each (group, customer) run
        first = run[_run_starts(cube.o_cust[run], gmap[cube.o_ch[run]])]
        fidx = np.clip(per[first] - p0, 0, None) * G + gmap[cube.o_ch[first]]
        cum_b = np.cumsum(_bc(fidx, None, n).reshape(P, G), axis=0)
        out["ltv"] = _div(cum_net, cum_b).ravel()
    else:
        out["ltv"] = np.full(n, float(ltv))
    out["ltv_cac"] = _div(out["ltv"], out["cac"])

    # shares against all channels (ignoring the channel filter)
    tot_gmv = _bc(per[a:b] - p0, cube.o_amt[a:b], P)
    tot_cost = _bc(_period_code(cube.ad_day[a_m], freq) - p0, cube.ad_cost[a_m], P)
    out["revenue_share"] = _div(out["gmv"].reshape(P, G), tot_gmv[:, None]).ravel()
    out["spend_share"] = _div(cost.reshape(P, G), tot_cost[:, None]).ravel()
    return out, p0, P, G


_BUYER_METRICS = {"buyers", "new_buyers", "returning_buyers", "repurchase_rate", "cac", "churn_rate",
                  "m1_retention", "m3_retention", "ltv_cac"}
_LATER_METRICS = {"churn_rate", "m1_retention", "m3_retention"}


def _run_starts(*keys: np.ndarray) -> np.ndarray:
    """Positions where any of ``keys`` changes from the previous element (and 0)."""
    n = len(keys[0])
    start = np.zeros(n, dtype=bool)
    start[:1] = True
    for k in keys:
        start[1:] |= k[1:] != k[:-1]
    return np.flatnonzero(start)


def _buyers(out, cube, run, gmap, n, P, G, p0, freq, need):
    """Distinct-buyer metrics from the (cell, customer) pairs (fills ``out``).

    ``run``: the orders sorted by customer (and group), then day (:meth:`KpiCube.customer_runs`),
    so each (cell, customer) pair is one run and a customer's pairs of one group follow each
    other in period order: no sort per call."""
    cust = cube.o_cust[run]
    cell = (cube.periods(freq)[run] - p0) * G + gmap[cube.o_ch[run]]
    pos = _run_starts(cust, cell)
    ucell, ucust = cell[pos], cust[pos]
    cnt = np.diff(np.append(pos, len(run)))
    out["buyers"] = _bc(ucell, None, n)
    upc = ucell // G
    first_p = _period_code(cube.first_day[ucust], freq) - p0
    is_new = first_p == upc
    out["new_buyers"] = _bc(ucell[is_new], None, n)
    out["returning_buyers"] = out["buyers"] - out["new_buyers"]
    out["repurchase_rate"] = _div(_bc(ucell[cnt >= 2], None, n), out["buyers"])

    def _in_later(k):  # per pair: the same customer also buys (same group) k periods later
        hit = np.zeros(len(ucell), dtype=bool)
        for j in range(1, k + 1):  # periods strictly increase along a run: within k pairs
            if j < len(ucell):
                hit[:-j] |= (ucust[j:] == ucust[:-j]) & (ucell[j:] == ucell[:-j] + k * G)
        return hit

    if not need & _LATER_METRICS:
        return
    stay = _bc(ucell[_in_later(1)], None, n).reshape(P, G)
    churn = np.full((P, G), np.nan)
    prev_b = out["buyers"].reshape(P, G)[:-1]
    churn[1:] = 1 - _div(stay[:-1], prev_b)
    out["churn_rate"] = churn.ravel()
    for k, name in ((1, "m1_retention"), (3, "m3_retention")):
        r = _div(_bc(ucell[is_new & _in_later(k)], None, n).reshape(P, G), out["new_buyers"].reshape(P, G))
        r[max(P - k, 0):] = np.nan  # cohort's k-th month not (fully) inside the window
        out[name] = r.ravel()


def compute_kpis(cube: KpiCube, freq="M", start=None, end=None, channels=None,
                 by_channel: bool = True, overall: bool = True, ltv: float | None = None,
                 metrics=None) -> pd.DataFrame:
    """Every metric of :data:`METRICS` per period, overall and per channel.

    Parameters
    ----------
    cube : from :func:`prepare_cube`.
    freq : "D", "W" (weeks from Monday) or "M".
    start, end : inclusive date range (default: the whole data). Partial first/last periods
        are kept as they are (their totals cover only the days inside the range).
    channels : channel ids to include (default all); ``channel="all"`` rows are the selection.
    by_channel, overall : which rows to return.
    ltv : a model CLV per customer (e.g. the mean CLV from the CLV notebook); default the
        historical LTV of the catalogue.
    metrics : subset of metrics to return (default all).

    Returns
    -------
    Long DataFrame ``period, channel, metric, value, change, status, freq``. ``change`` is the
    relative change on the previous period, ``(v - v_prev) / |v_prev|`` (NaN when either is
    missing or ``v_prev`` is 0). ``status`` is ok, unavailable (an input is missing) or
    undefined (zero denominator, or not observable in the window).
    """
    if freq not in FREQS and not isinstance(freq, tuple):
        raise DataError(f"unknown granularity {freq!r}", fix=f"use one of {list(FREQS)} (day, week, month)")
    frames = []
    chans = _select(cube, channels)
    lo, hi = _window(cube, start, end)
    metrics = list(metrics or METRICS)
    if overall:
        frames.append(_long(cube, *_grid(cube, lo, hi, chans, freq, False, ltv, metrics), freq, [ALL], metrics))
    if by_channel:
        names = [cube.channels[i] for i in chans]
        frames.append(_long(cube, *_grid(cube, lo, hi, chans, freq, True, ltv, metrics), freq, names, metrics))
    return pd.concat(frames, ignore_index=True)


def _select(cube: KpiCube, channels) -> np.ndarray:
    if channels is None or (isinstance(channels, str) and channels == ALL):
        return np.arange(len(cube.channels))
    channels = [channels] if isinstance(channels, str) else list(channels)
    bad = [c for c in channels if c not in cube.channels]
    if bad:
        raise DataError(f"unknown channels {bad}", fix=f"choose from {cube.channels}")
    return np.array([cube.channels.index(c) for c in channels], np.int64)


def _window(cube: KpiCube, start, end) -> tuple[int, int]:
    d0, d1 = (_to_day(x) for x in cube.day_range)
    lo = _to_day(start) if start is not None else d0
    hi = _to_day(end) if end is not None else d1
    if lo > hi:
        raise DataError(f"start {start} is after end {end}", fix="swap the dates")
    return lo, hi


def _missing_inputs(cube: KpiCube, metric: str, freq) -> bool:
    for need in _CAT[metric][5]:
        if need == "monthly":
            if freq != "M":
                return True
        elif not cube.has.get(need, False):
            return True
    return False


def _long(cube, out, p0, P, G, freq, names, metrics) -> pd.DataFrame:
    periods = _period_start(np.arange(p0, p0 + P), freq)
    parts = []
    for metric in metrics:
        v = out[metric].reshape(P, G).astype(float)
        if _missing_inputs(cube, metric, freq):
            v = np.full_like(v, np.nan)
            status = np.full(v.shape, "unavailable", object)
        else:
            status = np.where(np.isnan(v), "undefined", "ok").astype(object)
        prev = np.vstack([np.full((1, G), np.nan), v[:-1]])
        with np.errstate(divide="ignore", invalid="ignore"):
            change = np.where(np.abs(prev) > 0, (v - prev) / np.abs(prev), np.nan)
        parts.append(pd.DataFrame({
            "period": np.repeat(periods, G), "channel": np.tile(names, P), "metric": metric,
            "value": v.ravel(), "change": change.ravel(), "status": status.ravel(),
        }))
    df = pd.concat(parts, ignore_index=True)
    df["freq"] = freq if isinstance(freq, str) else f"{freq[1]}D"
    return df


def summarize(cube: KpiCube, start=None, end=None, channels=None, ltv: float | None = None,
              by_channel: bool = False, metrics=None) -> pd.DataFrame:
    """Totals of the whole range ``[start, end]`` with the change on the range of equal length
    just before it — the dashboard's KPI cards. Same columns as :func:`compute_kpis`, one
    ``period`` (the range start). M1/M3 retention are monthly-only and come out unavailable."""
    lo, hi = _window(cube, start, end)
    length = hi - lo + 1
    df = compute_kpis(cube, freq=(lo, length), start=_ts(lo - length), end=_ts(hi), channels=channels,
                      by_channel=by_channel, ltv=ltv, metrics=metrics)
    return df[df["period"] == _ts(lo)].reset_index(drop=True)


# ---------------------------------------------------------------------------- presentation
def format_value(value: float, metric: str, lang: str = "zh", currency: str = "CNY") -> str:
    """A metric value as the client reads it (¥1,234; 12.3%; 2.41x); n/a when missing."""
    if value is None or not np.isfinite(value):
        return t("kpi.unavailable", lang)
    unit = _CAT[metric][4]
    if unit == "money":
        sym = _CURRENCY.get(currency, currency + " ")
        sign = "-" if value < 0 else ""
        return f"{sign}{sym}{abs(value):,.0f}" if abs(value) >= 100 else f"{sign}{sym}{abs(value):,.2f}"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    if unit == "multiple":
        return f"{value:.2f}x"
    return f"{value:,.2f}"


def format_change(change: float) -> str:
    """Relative change with an arrow: ▲ 12.3% / ▼ 4.0% / – when unknown."""
    if change is None or not np.isfinite(change):
        return "–"
    return f"{'▲' if change > 0 else '▼' if change < 0 else '■'} {abs(change) * 100:.1f}%"


def headline(kpis_df: pd.DataFrame, lang: str = "zh", currency: str = "CNY",
             metrics=HEADLINE_METRICS) -> list[dict]:
    """Key numbers for the executive summary: the latest period of the coarsest granularity in
    ``kpis_df`` (month if present), channel "all".

    Returns
    -------
    list of dicts ``{"metric", "label", "value", "change", "period", "raw", "raw_change"}``:
    ``label`` in ``lang``, ``value`` formatted (n/a when unavailable), ``change`` like "▲ 12.3%".
    Metrics with no usable value in that period are left out.
    """
    df = kpis_df[kpis_df["channel"] == ALL]
    if "freq" in df.columns and len(df):
        for f in ("M", "W", "D"):
            if (df["freq"] == f).any():
                df = df[df["freq"] == f]
                break
    if df.empty:
        return []
    period = pd.to_datetime(df["period"]).max()
    last = df[pd.to_datetime(df["period"]) == period].set_index("metric")
    res = []
    for m in metrics:
        if m not in last.index or not np.isfinite(last.at[m, "value"]):
            continue
        v, c = float(last.at[m, "value"]), float(last.at[m, "change"])
        res.append({"metric": m, "label": t(f"kpi.{m}", lang), "value": format_value(v, m, lang, currency),
                    "change": format_change(c), "period": period.strftime("%Y-%m-%d"), "raw": v,
                    "raw_change": c})
    return res


