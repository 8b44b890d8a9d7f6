"""Data health and a first look at the orders: the content of notebook ``00_data_health``."""
from __future__ import annotations

import pandas as pd

from .data.health import reconcile
from .data.orders import counted_orders
from .i18n import channel_name, has, register, t
from .plotting import channel_color, new_ax

register(
    {
        "health.title": {"zh": "数据体检", "en": "Data health"},
        "health.intro": {
            "zh": "下表列出每张表读取、保留、剔除和修复的行数及原因；读取行数 = 保留 + 剔除。联系方式在读取时已做假名化处理。",
            "en": "Rows read, kept, dropped and repaired per table and reason; rows read = kept + dropped. Contact data was pseudonymised when loaded.",
        },
        "health.table": {"zh": "表", "en": "Table"},
        "health.file": {"zh": "文件", "en": "File"},
        "health.kind": {"zh": "类别", "en": "Kind"},
        "health.reason": {"zh": "原因", "en": "Reason"},
        "health.rows": {"zh": "行数", "en": "Rows"},
        "health.read": {"zh": "读取", "en": "Read"},
        "health.kept": {"zh": "保留", "en": "Kept"},
        "health.dropped": {"zh": "剔除", "en": "Dropped"},
        "health.repaired": {"zh": "修复", "en": "Repaired"},
        "health.balanced": {"zh": "对账一致", "en": "Reconciles"},
        "health.note": {"zh": "备注", "en": "Note"},
        "overview.trend": {"zh": "每日订单与成交额", "en": "Daily orders and GMV"},
        "overview.mix": {"zh": "各渠道成交额占比", "en": "GMV share by channel"},
        "overview.summary": {
            "zh": "{start} 至 {end} 共 {orders:,} 笔订单（不含已取消），{customers:,} 位客户，成交额 {gmv:,.0f} {currency}；最大渠道为{top}（{share:.0%}）。",
            "en": "{orders:,} orders (cancelled ones excluded) from {customers:,} customers between {start} and {end}, GMV {gmv:,.0f} {currency}; the largest channel is {top} ({share:.0%}).",
        },
        "overview.stitch_title": {"zh": "跨平台客户合并", "en": "One customer across platforms"},
        "overview.stitch_platform": {"zh": "平台", "en": "Platform"},
        "overview.stitch_before": {"zh": "合并前客户数", "en": "Customers before"},
        "overview.stitch_after": {"zh": "合并后客户数", "en": "Customers after"},
        "overview.stitch_summary": {
            "zh": "按手机号、邮箱和平台账号（假名化后）合并：{before:,} 个平台账号对应 {after:,} 位客户；{multi:,} 位在两个及以上平台购买"
                  "（其中 {three:,} 位在三个平台），贡献成交额的 {share:.1%}。关联方式：{by}。{masked}",
            "en": "Linked by phone, e-mail and platform ids (after pseudonymisation): {before:,} platform accounts are {after:,} customers; "
                  "{multi:,} bought on two or more platforms ({three:,} on three), {share:.1%} of GMV. Linked by: {by}. {masked}",
        },
        "overview.stitch_masked": {"zh": "{n:,} 个联系方式已被平台打码或加密，无法用于关联。",
                                   "en": "{n:,} contact values were masked or encrypted by the platform and cannot link anyone."},
        "overview.stitch_none": {"zh": "无", "en": "none"},
        "overview.stitch_all": {"zh": "全部", "en": "All"},
        "overview.stitch_phone": {"zh": "手机号", "en": "phone"},
        "overview.stitch_email": {"zh": "邮箱", "en": "e-mail"},
        "overview.stitch_wechat_id": {"zh": "微信ID", "en": "WeChat id"},
        "overview.stitch_douyin_id": {"zh": "抖音ID", "en": "Douyin id"},
        "overview.dropped": {
            "zh": "数据体检剔除了 {dropped:,} 行（占读取的 {share:.1%}），原因见{where}。",
            "en": "Data health dropped {dropped:,} rows ({share:.1%} of those read); the reasons are in {where}.",
        },
        "overview.merged": {
            "zh": "另有 {merged:,} 行是同一订单的子订单行或同一位客户的重复行，已合并到对应的订单或客户（不是数据丢失）。",
            "en": " Another {merged:,} rows were further lines of one order or of one customer and were merged into it (no data lost).",
        },
        "overview.where_above": {"zh": "上表", "en": "the table above"},
        "overview.where_section": {"zh": "「数据体检」一节", "en": "the data-health section"},
        "health.yes": {"zh": "✓", "en": "✓"},
        "health.no": {"zh": "✗ 不一致", "en": "✗ does not reconcile"},
        **{f"health.tbl.{k}": {"zh": zh, "en": en} for k, (zh, en) in {
            "orders": ("订单", "Orders"), "order_items": ("订单明细", "Order lines"), "customers": ("客户", "Customers"),
            "touchpoints": ("触点", "Touchpoints"), "ad_spend": ("广告投放", "Ad spend"), "events": ("行为事件", "Events"),
            "paths": ("转化路径", "Paths"), "campaigns": ("活动发送记录", "Campaign send log")}.items()},
    }
)


def health_summary(health: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Per table rows read / kept / dropped / repaired with a reconcile flag, headers in ``lang``."""
    piv = _localise_health(reconcile(health), lang)
    piv.columns.name = None
    return piv.rename(columns={"table": t("health.table", lang), "read": t("health.read", lang), "kept": t("health.kept", lang),
                               "dropped": t("health.dropped", lang), "repaired": t("health.repaired", lang),
                               "balanced": t("health.balanced", lang)})


def health_details(health: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Every dropped, repaired and noted line of the ledger, headers and kinds in ``lang``."""
    d = health[health["kind"].isin(["dropped", "repaired", "note"])].copy()
    d["kind"] = d["kind"].map(lambda k: t(f"health.{k}", lang))
    d["table"] = [t(f"health.tbl.{x}", lang) if has(f"health.tbl.{x}") else x for x in d["table"]]
    return d.rename(columns={c: t(f"health.{c}", lang) for c in ["table", "file", "kind", "reason", "rows"]}).reset_index(drop=True)


def daily_series(orders: pd.DataFrame, *, time_col: str = "order_time", amount_col: str = "amount", status_col: str = "status") -> pd.DataFrame:
    """Orders and GMV per calendar day, zero-filled over the whole span.

    Required columns: ``order_time``, ``amount``; ``status`` if present (cancelled orders do not
    count, see :func:`mopkit.data.orders.counted_orders`). Returns columns ``date, orders, gmv``.
    """
    paid = counted_orders(orders, status_col=status_col)
    day = paid[time_col].dt.normalize()
    g = paid.groupby(day)[amount_col].agg(["size", "sum"]).rename(columns={"size": "orders", "sum": "gmv"})
    if g.empty:
        return pd.DataFrame(columns=["date", "orders", "gmv"])
    idx = pd.date_range(g.index.min(), g.index.max(), freq="D")
    g = g.reindex(idx, fill_value=0)
    g.index.name = "date"
    return g.reset_index()


def channel_mix(orders: pd.DataFrame, *, channel_col: str = "channel", amount_col: str = "amount", status_col: str = "status") -> pd.DataFrame:
    """GMV, orders and GMV share per channel (cancelled orders excluded). Returns ``channel, orders, gmv, share``."""
    paid = counted_orders(orders, status_col=status_col)
    g = paid.groupby(channel_col)[amount_col].agg(["size", "sum"]).rename(columns={"size": "orders", "sum": "gmv"})
    g["share"] = g["gmv"] / g["gmv"].sum()
    return g.sort_values("gmv", ascending=False).reset_index().rename(columns={channel_col: "channel"})


def plot_trend(daily: pd.DataFrame, lang: str, *, ax=None, window: int = 7):
    """Daily orders (thin) with a ``window``-day mean (bold), and GMV on a second axis."""
    ax = new_ax(ax, figsize=(10, 4))
    ax.plot(daily["date"], daily["orders"], lw=0.6, alpha=0.5, color="#0072B2")
    ax.plot(daily["date"], daily["orders"].rolling(window, min_periods=1).mean(), lw=2, color="#0072B2", label=t("common.orders", lang))
    ax.set_ylabel(t("common.orders", lang))
    ax2 = ax.twinx()
    ax2.plot(daily["date"], daily["gmv"].rolling(window, min_periods=1).mean(), lw=1.5, color="#E69F00", label=t("common.gmv", lang))
    ax2.set_ylabel(t("common.gmv", lang))
    ax2.grid(False)
    ax.set_title(t("overview.trend", lang))
    ax.set_xlabel(t("common.date", lang))
    lines = ax.get_lines()[1:] + ax2.get_lines()
    ax.legend(lines, [ln.get_label() for ln in lines], loc="upper left")
    return ax


def plot_channel_mix(mix: pd.DataFrame, lang: str, *, ax=None):
    """Horizontal bars of GMV share per channel."""
    ax = new_ax(ax, figsize=(7, 3.5))
    names = [channel_name(c, lang) for c in mix["channel"]]
    ax.barh(names[::-1], mix["share"][::-1], color=[channel_color(c) for c in mix["channel"]][::-1])
    for y, v in enumerate(mix["share"][::-1]):
        ax.text(v, y, f" {v:.0%}", va="center")
    ax.set_xlabel(t("common.share", lang))
    ax.set_title(t("overview.mix", lang))
    ax.xaxis.set_major_formatter(lambda v, _p: f"{v:.0%}")
    return ax


def overview_text(orders: pd.DataFrame, mix: pd.DataFrame, lang: str, currency: str) -> str:
    paid = counted_orders(orders)
    top = mix.iloc[0]
    return t("overview.summary", lang, start=paid["order_time"].min().date(), end=paid["order_time"].max().date(),
             orders=len(paid), customers=paid["customer_id"].nunique(), gmv=paid["amount"].sum(), currency=currency,
             top=channel_name(top["channel"], lang), share=top["share"])


#: Ledger reasons that merge a row into another (sub-order lines, one buyer's further rows, one
#: person across platforms): counted as dropped rows so the ledger reconciles, but nothing is lost.
MERGE_MARKERS = ("(merged", "merged into", "(stitched)")


def _is_merge(reason) -> bool:
    return any(m in str(reason) for m in MERGE_MARKERS)


def dropped_text(health: pd.DataFrame, lang: str, *, beside_table: bool = True) -> str:
    """One sentence on rows dropped (lost) and, apart, rows merged into another row; it points at
    the table above it, or (``beside_table`` false: the executive summary) at the section."""
    s = reconcile(health)
    read = int(s["read"].sum())
    d = health[health["kind"] == "dropped"]
    merged = int(d.loc[d["reason"].map(_is_merge), "rows"].sum())
    dropped = int(s["dropped"].sum()) - merged
    where = t("overview.where_above" if beside_table else "overview.where_section", lang)
    text = t("overview.dropped", lang, dropped=dropped, share=dropped / read if read else 0.0, where=where)
    return text + (t("overview.merged", lang, merged=merged) if merged else "")


def _localise_health(piv: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = piv.copy()
    out["table"] = [t(f"health.tbl.{x}", lang) if has(f"health.tbl.{x}") else x for x in out["table"]]
    out["balanced"] = [t("health.yes" if b else "health.no", lang) for b in out["balanced"]]
    return out


def health_by_file(health: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Per table and file: rows read / kept / dropped / repaired with a reconcile flag, headers in ``lang``."""
    piv = _localise_health(reconcile(health, by_file=True), lang)
    piv.columns.name = None
    return piv.rename(columns={"table": t("health.table", lang), "file": t("health.file", lang), "read": t("health.read", lang),
                               "kept": t("health.kept", lang), "dropped": t("health.dropped", lang),
                               "repaired": t("health.repaired", lang), "balanced": t("health.balanced", lang)})


def stitching_table(report: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Customers per platform before and after cross-platform stitching (report of
    :func:`mopkit.data.stitch.stitch_customers`), headers in ``lang``."""
    r = report[report["measure"].isin(["customers_before", "customers_after"])]
    wide = r.pivot_table(index="platform", columns="measure", values="value", aggfunc="sum", sort=False)
    wide = wide.reindex(columns=["customers_before", "customers_after"]).fillna(0).astype(int).reset_index()
    wide.columns.name = None
    wide["platform"] = [channel_name(p, lang) if p != "all" else t("overview.stitch_all", lang) for p in wide["platform"]]
    return wide.rename(columns={"platform": t("overview.stitch_platform", lang), "customers_before": t("overview.stitch_before", lang),
                                "customers_after": t("overview.stitch_after", lang)})


def stitching_text(report: pd.DataFrame, lang: str) -> str:
    """One sentence on the stitching: accounts -> customers, multi-platform customers, their GMV share."""
    v = report.assign(identifier=report["identifier"].fillna("")).set_index(["measure", "platform", "identifier"])["value"]
    get = lambda m, i="": float(v.get((m, "all", i), 0.0))  # noqa: E731
    by = [f"{t('overview.stitch_' + i, lang)} {int(get('linked_by', i)):,}"
          for i in ("phone", "email", "wechat_id", "douyin_id") if get("linked_by", i)]
    masked = int(report.loc[report["measure"] == "masked_identifiers", "value"].sum())
    return t("overview.stitch_summary", lang, before=int(get("customers_before")), after=int(get("customers_after")),
             multi=int(get("multi_platform_customers")), three=int(get("multi_platform_3plus")),
             share=get("multi_platform_gmv_share"), by=", ".join(by) or t("overview.stitch_none", lang),
             masked=t("overview.stitch_masked", lang, n=masked) if masked else "")
