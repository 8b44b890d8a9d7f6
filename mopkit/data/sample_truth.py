"""The planted truth of the sample merchant as one JSON-serialisable dict (``truth.json``)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import sample_journeys as jr
from . import sample_products as prod
from .sample_propensity import truth as _propensity_truth


def _f(x):
    """Round floats for a stable, readable JSON."""
    if isinstance(x, dict):
        return {k: _f(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_f(v) for v in x]
    if isinstance(x, (float, np.floating)):
        return round(float(x), 10)
    if isinstance(x, np.integer):
        return int(x)
    return x


def build_truth(*, seed, n_customers, start, end, tables, mult, days, cal_info, n_tracked, n_null,
                n_buyer_null, lam, pdrop, nu, anomalies=(), mmm=None) -> dict:
    """Assemble the truth dict from the generator's constants and a few realised counts."""
    from . import sample_params as s

    orders = tables["orders"]
    paid = orders[orders["status"] == "paid"]
    per_cust = paid.groupby("customer_id").size()
    gg = s.GAMMA_GAMMA
    touches = tables["touchpoints"]
    return _f({
        "generator": {"module": "mopkit.data.sample", "function": "generate_sample_merchant", "version": s.VERSION,
                      "seed": seed, "n_customers": n_customers, "start": start, "end": end},
        "client": {"name": "花漾美妆旗舰店", "slug": "sample", "currency": "CNY", "language": "zh"},
        "bgnbd": {
            **s.BGNBD, "time_unit": "days",
            "applies_to": "orders with status == 'paid' (refunded and cancelled rows are extra rows, never a first order)",
            "recovery": "approximate: purchases follow BG/NBD in operational time, mapped to calendar time through "
                        "the daily x hourly intensity (mean 1), so a calendar-day fit recovers the parameters only "
                        "approximately (see data_samples/sample_merchant/README.md for observed fits)",
            "individual_means": {"lambda_per_day": float(np.mean(lam)), "dropout_p": float(np.mean(pdrop))},
            "acquisition": f"first purchase days: expected count = baseline rising linearly by "
                           f"{int(s.ACQUISITION_GROWTH * 100)}% over the window x daily intensity, plus the ad-driven "
                           f"customers of truth['mmm'] (adstock + Hill of each channel's spend); within a day the "
                           f"hourly intensity",
        },
        "gamma_gamma": {
            **gg, "currency": "CNY",
            "expected_order_value": gg["p"] * gg["gamma"] / (gg["q"] - 1),
            "applies_to": "amount of paid orders (exact draw rounded to 0.01, floor 0.01)",
            "model": "amount ~ Gamma(shape p, rate nu_customer); nu ~ Gamma(shape q, rate gamma)",
        },
        "calendar": {**cal_info, "daily_multiplier": {d.date().isoformat(): float(m) for d, m in zip(days, mult)}},
        "orders": {
            "status_rates": {"refunded": s.REFUND_RATE, "cancelled": s.CANCEL_RATE},
            "partial_refund_share": s.PARTIAL_REFUND_SHARE,
            "extra_rows": "refunded/cancelled rows are added after a random paid order of the same customer "
                          "(gap ~ Exp(mean 3 days), within the window); amounts drawn from that customer's Gamma-Gamma; "
                          "refund_amount = amount (80%) or 30-90% of it (20%); cancelled rows have refund_amount 0",
            "channel": "last touch channel of the order's tracked journey; else drawn from untracked_channel_mix",
            "untracked_channel_mix": s.UNTRACKED_CHANNEL_MIX,
            "discount": "list-price total of the order's items minus amount (always >= 0)",
            "ids": "order_id 'HY' + 8 digits in time order; customer_id 'U' + 8 random digits",
        },
        "products": {
            "catalogue": prod.catalogue().to_dict(orient="records"),
            "lines": {"line_scale": prod.LINE_SCALE, "price_sd": prod.PRICE_SD,
                      "rule": "L = 1 + Binomial(3, clip(amount / line_scale, 0.03, 0.85)); SKU weight = popularity * "
                              "exp(-(ln list_price - ln(amount / L))^2 / (2 price_sd^2))"},
            "association": dict(prod.designed_association(gg["p"], gg["q"], gg["gamma"])),
            "quantities": "raised (cheapest line first) until the list total covers the amount paid",
        },
        "markov": {
            **jr.markov_truth(),
            "tracked_share_of_paid_orders": s.TRACKED_SHARE,
            "n_converting_journeys": n_tracked,
            "n_null_journeys": n_null,
            "n_null_journeys_of_buyers": n_buyer_null,
            "lookback_days": s.LOOKBACK_DAYS,
            "touch_timing": "a converting journey's touches lie within lookback_days before its order, after the "
                            "customer's previous order (any status) and inside the window; the last touch is "
                            "Exp(mean 3 h) before the order. A non-converting journey spans at most lookback_days + 1 h; "
                            "it belongs to a prospect (id not in customers/orders) or, for n_null_journeys_of_buyers "
                            "of them, to a buyer after their last order (one per buyer).",
            "order_channel": "orders.channel of a tracked order = its journey's last channel",
        },
        "ad_spend": {
            "params": jr.AD_PARAMS,
            "campaigns": {c: [{"name": n, "share": sh, "festival_only": f} for n, sh, f in v]
                          for c, v in jr.CAMPAIGNS.items()},
            "formula": "daily channel cost = the planned schedule of truth['mmm'] split over campaigns by share * "
                       "(touches of the campaign that day + 1) (festival-only campaigns on festival days), rounded to 0.01; "
                       "impressions = round(cost / (cpc * ctr) * LogNormal(0, 0.15)); clicks ~ Binomial(impressions, ctr); "
                       "impressions_per_touch is not used since version 2",
        },
        "mmm": mmm or {},
        "events": {"order_share": s.EVENT_ORDER_SHARE, "prospect_share": s.PROSPECT_EVENT_SHARE,
                   "rules": "for a share of paid orders: 1-2 views per bought SKU in the 3 days before, add_to_cart "
                            "(70% of lines, last day), favorite (10%); some prospects view 1-3 random SKUs during "
                            "their journey"},
        "propensity": _propensity_truth(tables, end),
        "fake_columns": ["customers.name", "customers.phone", "customers.address", "customers.wechat_id",
                         "customers.douyin_id", "customers.email"],
        "anomalies": {
            "planted": list(anomalies),
            "module": "mopkit.data.sample_anomalies",
            "alerts": "with the sample config's dashboard thresholds and as_of = the window's end, the alert rules "
                      "(mopkit.cockpit.alerts) fire on exactly these channels; an overall ('all') alert may echo a planted "
                      "one, its channel being part of the total",
        },
        "realised": {
            "rows": {k: int(len(v)) for k, v in tables.items()},
            "orders_by_status": {k: int(v) for k, v in orders["status"].value_counts().sort_index().items()},
            "paid_orders_per_customer": float(per_cust.mean()),
            "repeat_customers": int((per_cust > 1).sum()),
            "mean_paid_amount": float(paid["amount"].mean()),
            "paid_revenue": float(paid["amount"].sum()),
            "ad_cost": float(tables["ad_spend"]["cost"].sum()),
            "touches_per_channel": {k: int(v) for k, v in touches["channel"].value_counts().sort_index().items()},
        },
    })
