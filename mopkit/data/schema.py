"""The canonical tables every mopkit analysis reads.

A client's exports are mapped onto these names by the loader (``mopkit.data.loader``);
after that, every analysis, notebook, report and dashboard speaks only this schema.
Only ``orders`` is required; the other tables switch analyses on when present.

Kinds
-----
id       string identifier
contact  personal contact data; replaced by a salted pseudonym at load time
time     timestamp (naive, in the client's local time zone)
date     calendar day
money    amount in the client's currency (float, >= 0)
count    non-negative integer
number   float
text     free string / category
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool
    description: str
    unit: str = ""
    default: object = None  # value used when an optional column is absent


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = field(default_factory=tuple)  # columns that must be unique together
    required: bool = False

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_names(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


ORDER_STATUSES = ("paid", "refunded", "cancelled")
CONTACT_KIND = "contact"

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "orders",
            "One row per order. The only required table.",
            (
                Column("order_id", "id", True, "Order number, unique."),
                Column("customer_id", "id", True, "Buyer id (pseudonymised at load time)."),
                Column("order_time", "time", True, "When the order was placed."),
                Column("amount", "money", True, "Amount paid by the buyer, after discounts.", "currency"),
                Column("channel", "text", False, "Sales channel, e.g. douyin, wechat, xiaohongshu, tmall.", default="unknown"),
                Column("status", "text", False, "paid, refunded or cancelled.", default="paid"),
                Column("refund_amount", "money", False, "Amount refunded (0 if none).", "currency", default=0.0),
                Column("discount", "money", False, "Discount given on the order.", "currency", default=0.0),
            ),
            key=("order_id",),
            required=True,
        ),
        Table(
            "order_items",
            "Order lines: what was bought.",
            (
                Column("order_id", "id", True, "Order number (matches orders.order_id)."),
                Column("sku", "id", True, "Product / SKU code."),
                Column("product_name", "text", False, "Product name.", default=""),
                Column("category", "text", False, "Product category.", default="unknown"),
                Column("quantity", "count", True, "Units bought.", "units"),
                Column("unit_price", "money", True, "Price per unit.", "currency"),
            ),
        ),
        Table(
            "customers",
            "One row per customer; contact columns are pseudonymised at load time.",
            (
                Column("customer_id", "id", True, "Buyer id (pseudonymised)."),
                Column("first_seen", "time", False, "First time the customer was seen."),
                Column("region", "text", False, "Province or city.", default="unknown"),
                Column("name", CONTACT_KIND, False, "Customer name."),
                Column("phone", CONTACT_KIND, False, "Mobile phone number."),
                Column("address", CONTACT_KIND, False, "Delivery address."),
                Column("wechat_id", CONTACT_KIND, False, "WeChat id / openid."),
                Column("douyin_id", CONTACT_KIND, False, "Douyin id."),
                Column("email", CONTACT_KIND, False, "E-mail address."),
            ),
            key=("customer_id",),
        ),
        Table(
            "touchpoints",
            "Marketing touches a customer had before buying (ad views, clicks, posts, searches).",
            (
                Column("customer_id", "id", True, "Buyer id (pseudonymised)."),
                Column("touch_time", "time", True, "When the touch happened."),
                Column("channel", "text", True, "Channel of the touch."),
                Column("campaign", "text", False, "Campaign name.", default=""),
                Column("interaction", "text", False, "impression, click, view, search, ...", default="click"),
            ),
        ),
        Table(
            "ad_spend",
            "Daily advertising delivery and cost per channel (and campaign).",
            (
                Column("date", "date", True, "Day."),
                Column("channel", "text", True, "Channel."),
                Column("campaign", "text", False, "Campaign name.", default=""),
                Column("impressions", "count", False, "Ad impressions.", "views"),
                Column("clicks", "count", False, "Ad clicks.", "clicks"),
                Column("cost", "money", True, "Spend.", "currency"),
            ),
        ),
        Table(
            "paths",
            "Aggregated conversion paths (Google Analytics / ChannelAttribution form), used for "
            "attribution when touch-level data is not available.",
            (
                Column("path", "text", True, "Channels in order, separated by '>', e.g. douyin > wechat > tmall."),
                Column("conversions", "number", True, "Journeys of this path that converted.", "journeys"),
                Column("non_conversions", "number", False, "Journeys of this path that did not convert.", "journeys", default=0.0),
                Column("value", "money", False, "Conversion value of this path.", "currency"),
            ),
        ),
        Table(
            "events",
            "Browse events: product views, add-to-cart and the like.",
            (
                Column("customer_id", "id", True, "Buyer id (pseudonymised)."),
                Column("event_time", "time", True, "When it happened."),
                Column("event_type", "text", True, "view, add_to_cart, favorite, ..."),
                Column("sku", "id", False, "Product concerned.", default=""),
                Column("duration_s", "number", False, "Seconds spent.", "s"),
            ),
        ),
        Table(
            "campaigns",
            "Send log of past campaigns or triggers: who was sent what, and who was held out.",
            (
                Column("customer_id", "id", True, "Buyer id (pseudonymised; the same key as orders)."),
                Column("campaign", "text", True, "Campaign or trigger name."),
                Column("group", "text", True, "treatment (was sent the message) or holdout (was not)."),
                Column("sent_at", "time", True, "When the message was sent (for the holdout: when it would have been)."),
                Column("coupon_cost", "money", False, "Cost of the coupon redeemed by this recipient (0 if none).", "currency", default=0.0),
            ),
        ),
    )
}

#: Columns holding personal contact data, by table (always pseudonymised).
CONTACT_COLUMNS: dict[str, list[str]] = {
    name: [c.name for c in t.columns if c.kind == CONTACT_KIND] for name, t in TABLES.items()
}
#: Tables whose ``customer_id`` is pseudonymised with the same key so joins still work.
CUSTOMER_ID_TABLES = tuple(n for n, t in TABLES.items() if "customer_id" in t.names)
