"""KPI catalogue against hand-computed values on a tiny fixture.

The fixture (8 orders, 4 customers, 4 months, 5 ad rows) is written out below; every expected
number is worked out by hand in the comment next to it.
"""
import numpy as np
import pandas as pd
import pytest

from mopkit.cockpit import kpi
from mopkit.errors import DataError

# order  cust  day         channel  amount refund status     units
# o1     A     2024-01-05  douyin   100    0      paid       3
# o2     B     2024-01-10  wechat   200    50     refunded   1
# o3     A     2024-01-20  douyin    50    0      paid       2
# o4     C     2024-01-25  douyin    80    0      cancelled  1   <- excluded everywhere
# o5     A     2024-02-03  wechat   120    0      paid       4
# o6     C     2024-02-14  douyin    60    0      paid       1
# o7     B     2024-04-02  douyin    90    90     refunded   1
# o8     D     2024-04-20  wechat    40    0      paid       2
# first (non-cancelled) order: A 01-05, B 01-10, C 02-14, D 04-20
ORDERS = pd.DataFrame({
    "order_id": [f"o{i}" for i in range(1, 9)],
    "customer_id": list("ABACACBD"),
    "order_time": pd.to_datetime(["2024-01-05 10:00", "2024-01-10 12:00", "2024-01-20 00:00", "2024-01-25 00:00",
                                  "2024-02-03 00:00", "2024-02-14 00:00", "2024-04-02 00:00", "2024-04-20 23:59"]),
    "amount": [100.0, 200, 50, 80, 120, 60, 90, 40],
    "channel": ["douyin", "wechat", "douyin", "douyin", "wechat", "douyin", "douyin", "wechat"],
    "status": ["paid", "refunded", "paid", "cancelled", "paid", "paid", "refunded", "paid"],
    "refund_amount": [0.0, 50, 0, 0, 0, 0, 90, 0],
    "discount": 0.0,
})
ITEMS = pd.DataFrame({  # o1 has two lines (2 + 1 units)
    "order_id": ["o1", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8"],
    "sku": list("xyxzxyzxy"), "quantity": [2, 1, 1, 2, 1, 4, 1, 1, 2], "unit_price": 10.0,
})
ADS = pd.DataFrame({
    "date": pd.to_datetime(["2024-01-01", "2024-01-15", "2024-02-01", "2024-03-01", "2024-04-01"]),
    "channel": ["douyin", "wechat", "douyin", "douyin", "wechat"],
    "campaign": "",
    "impressions": [1000, 500, 2000, 100, 1000],
    "clicks": [50, 20, 40, 0, 10],
    "cost": [100.0, 40, 150, 10, 60],
})


@pytest.fixture(scope="module")
def cube():
    return kpi.prepare_cube(ORDERS, ITEMS, ADS)


@pytest.fixture(scope="module")
def monthly(cube):
    df = kpi.compute_kpis(cube, freq="M")
    return df.set_index(["period", "channel", "metric"])


def v(df, month, metric, channel="all"):
    return df.loc[(pd.Timestamp(month), channel, metric), "value"]


NAN = np.nan
# metric: (Jan, Feb, Mar, Apr), channel "all"
EXPECTED = {
    "gmv": (350, 180, 0, 130),                       # 100+200+50 | 120+60 | none | 90+40
    "net_sales": (300, 180, 0, 40),                  # gmv - refunds (50 | 0 | 0 | 90)
    "orders": (3, 2, 0, 2),
    "buyers": (2, 2, 0, 2),                          # {A,B} {A,C} {} {B,D}
    "new_buyers": (2, 1, 0, 1),                      # A,B | C (cancelled Jan order ignored) | - | D
    "returning_buyers": (0, 1, 0, 1),                # - | A | - | B
    "aov": (350 / 3, 90, NAN, 65),
    "units_per_order": (2.0, 2.5, NAN, 1.5),         # (3+1+2)/3 | (4+1)/2 | - | (1+2)/2
    "repurchase_rate": (0.5, 0, NAN, 0),             # A ordered twice in Jan: 1/2
    "refund_rate": (50 / 350, 0, NAN, 90 / 130),
    "impressions": (1500, 2000, 100, 1000),
    "clicks": (70, 40, 0, 10),
    "ad_spend": (140, 150, 10, 60),
    "ctr": (70 / 1500, 0.02, 0, 0.01),
    "cpc": (2, 3.75, NAN, 6),                        # 140/70 | 150/40 | 0 clicks | 60/10
    "cpm": (140 / 1.5, 75, 100, 60),
    "cvr": (3 / 70, 0.05, NAN, 0.2),                 # orders / clicks
    "cpa": (140 / 3, 75, NAN, 30),                   # spend / orders
    "roas": (2.5, 1.2, 0, 130 / 60),                 # gmv / spend
    "roi": (160 / 140, 0.2, -1, -20 / 60),           # (net - spend) / spend
    "cac": (70, 150, NAN, 60),                       # spend / new buyers
    "ltv": (150, 160, 160, 130),                     # cum net / cum buyers: 300/2, 480/3, 480/3, 520/4
    "ltv_cac": (150 / 70, 160 / 150, NAN, 130 / 60),
    "churn_rate": (NAN, 0.5, 1.0, NAN),              # Jan{A,B}->Feb keeps A; Feb{A,C}->Mar none; Mar empty
    "m1_retention": (0.5, 0.0, NAN, NAN),            # Jan cohort {A,B}: A buys in Feb; Feb {C}: not in Mar
    "m3_retention": (0.5, NAN, NAN, NAN),            # Jan cohort: B buys in Apr; Feb+3 = May outside window
    "revenue_share": (1, 1, NAN, 1),
    "spend_share": (1, 1, 1, 1),
}


@pytest.mark.parametrize("metric", sorted(EXPECTED))
def test_monthly_overall_matches_hand_computation(monthly, metric):
    got = [v(monthly, m, metric) for m in ("2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01")]
    np.testing.assert_allclose(got, EXPECTED[metric], rtol=1e-9, equal_nan=True)


def test_catalogue_covers_every_metric_in_both_languages():
    for lang in ("zh", "en"):
        cat = kpi.metric_catalogue(lang)
        assert list(cat.columns) == ["metric", "name", "formula", "unit"]
        assert set(cat["metric"]) == set(kpi.METRICS) and set(EXPECTED) <= set(kpi.METRICS)
        assert cat[["name", "formula", "unit"]].map(bool).all().all()
    assert kpi.metric_catalogue("zh").set_index("metric").at["roas", "name"] == "广告投产比 ROAS"


def test_per_channel_values(monthly):
    # Jan douyin: o1+o3 (A twice) = 150, clicks 50, spend 100
    assert v(monthly, "2024-01-01", "gmv", "douyin") == 150
    assert v(monthly, "2024-01-01", "repurchase_rate", "douyin") == 1.0   # A: 2 orders / 1 buyer
    assert v(monthly, "2024-01-01", "cvr", "douyin") == pytest.approx(2 / 50)
    assert v(monthly, "2024-01-01", "roas", "wechat") == pytest.approx(200 / 40)
    assert v(monthly, "2024-01-01", "revenue_share", "douyin") == pytest.approx(150 / 350)
    assert v(monthly, "2024-01-01", "spend_share", "douyin") == pytest.approx(100 / 140)
    # Feb douyin buyers {C}; Jan douyin buyers {A} -> A did not buy on douyin in Feb: churn 1
    assert v(monthly, "2024-02-01", "churn_rate", "douyin") == 1.0
    # Jan douyin cohort {A}: A's Feb order is on wechat -> M1 on douyin 0
    assert v(monthly, "2024-01-01", "m1_retention", "douyin") == 0.0


def test_change_is_relative_to_previous_period(monthly):
    ch = monthly["change"]
    assert ch.loc[(pd.Timestamp("2024-02-01"), "all", "gmv")] == pytest.approx((180 - 350) / 350)
    assert ch.loc[(pd.Timestamp("2024-03-01"), "all", "gmv")] == pytest.approx(-1.0)
    assert np.isnan(ch.loc[(pd.Timestamp("2024-04-01"), "all", "gmv")])   # previous is 0
    assert np.isnan(ch.loc[(pd.Timestamp("2024-01-01"), "all", "gmv")])   # no previous period


def test_status_flags(monthly):
    st = monthly["status"]
    assert st.loc[(pd.Timestamp("2024-03-01"), "all", "aov")] == "undefined"  # 0 orders
    assert st.loc[(pd.Timestamp("2024-01-01"), "all", "aov")] == "ok"


def test_missing_inputs_are_unavailable_not_zero():
    cube = kpi.prepare_cube(ORDERS.drop(columns=["refund_amount"]))  # no items, no ads, no refunds
    df = kpi.compute_kpis(cube, freq="M", by_channel=False).set_index(["period", "metric"])
    jan = pd.Timestamp("2024-01-01")
    for m in ("roas", "ctr", "ad_spend", "cac", "units_per_order", "refund_rate", "net_sales", "spend_share"):
        assert np.isnan(df.at[(jan, m), "value"]), m
        assert df.at[(jan, m), "status"] == "unavailable", m
    assert df.at[(jan, "gmv"), "value"] == 350 and df.at[(jan, "gmv"), "status"] == "ok"


def test_retention_is_monthly_only(cube):
    w = kpi.compute_kpis(cube, freq="W", by_channel=False)
    r = w[w.metric == "m1_retention"]
    assert (r["status"] == "unavailable").all() and r["value"].isna().all()


def test_weekly_and_daily_periods(cube):
    w = kpi.compute_kpis(cube, freq="W", by_channel=False).set_index(["period", "metric"])
    # 2024-01-01 is a Monday; that week holds o1 (Jan 5) only, and the Jan 1 ad row
    assert w.at[(pd.Timestamp("2024-01-01"), "gmv"), "value"] == 100
    assert w.at[(pd.Timestamp("2024-01-01"), "roas"), "value"] == 1.0
    # week of Jan 8 holds o2 (Jan 10): 200
    assert w.at[(pd.Timestamp("2024-01-08"), "gmv"), "value"] == 200
    d = kpi.compute_kpis(cube, freq="D", by_channel=False, metrics=["gmv"]).set_index("period")
    assert d.at[pd.Timestamp("2024-04-20"), "value"] == 40      # 23:59 stays on its day
    assert d["value"].sum() == 660                               # all non-cancelled orders


def test_channel_filter_and_date_range(cube):
    df = kpi.compute_kpis(cube, freq="M", channels=["wechat"], start="2024-01-01", end="2024-02-29")
    s = df[(df.channel == "all") & (df.metric == "gmv")].set_index("period")["value"]
    assert list(s) == [200, 120]                       # o2 | o5
    assert set(df.channel) == {"all", "wechat"}
    sh = df[(df.channel == "all") & (df.metric == "revenue_share")]["value"].tolist()
    assert sh == pytest.approx([200 / 350, 120 / 180])  # share of all channels, not of the selection
    with pytest.raises(DataError, match="unknown channels"):
        kpi.compute_kpis(cube, channels=["tiktok"])


def test_summarize_compares_with_previous_equal_range(cube):
    s = kpi.summarize(cube, start="2024-02-01", end="2024-02-29").set_index("metric")
    # Feb (29 days) vs Jan 3..Jan 31: orders o1,o2,o3 = 350; ads only the Jan 15 row (40)
    assert s.at["gmv", "value"] == 180
    assert s.at["gmv", "change"] == pytest.approx(180 / 350 - 1)
    assert s.at["roas", "value"] == pytest.approx(1.2)
    assert s.at["roas", "change"] == pytest.approx(1.2 / (350 / 40) - 1)


def test_headline_and_formatting(cube):
    df = kpi.compute_kpis(cube, freq="M")
    h = kpi.headline(df, "en")
    gmv = next(x for x in h if x["metric"] == "gmv")
    assert gmv["label"] == "GMV" and gmv["value"] == "¥130" and gmv["period"] == "2024-04-01"
    assert gmv["change"] == "–"                       # March was 0
    rr = next(x for x in h if x["metric"] == "refund_rate")
    assert rr["value"] == "69.2%"                      # 90 / 130
    assert kpi.headline(df, "zh")[0]["label"] == "成交额 GMV"
    assert kpi.format_change(-0.04) == "▼ 4.0%"
    assert kpi.format_value(np.nan, "roas", "en") == "n/a"
    assert kpi.format_value(-29667.4, "gmv", "en") == "-¥29,667"


def test_input_is_not_mutated_and_bad_input_is_explained():
    o = ORDERS.copy()
    kpi.prepare_cube(o, ITEMS, ADS)
    pd.testing.assert_frame_equal(o, ORDERS)
    with pytest.raises(DataError, match="amount"):
        kpi.prepare_cube(ORDERS.drop(columns=["amount"]))


def test_gmv_waterfall_by_channel(cube):
    from mopkit.cockpit.waterfall import gmv_waterfall

    wf = gmv_waterfall(cube, ("2024-01-01", "2024-01-31"), ("2024-02-01", "2024-02-29"))
    # Jan: douyin 150, wechat 200 = 350; Feb: douyin 60, wechat 120 = 180
    assert wf["step"].tolist() == ["__start__", "douyin", "wechat", "__end__"]   # |−90| > |−80|
    assert wf["value"].tolist() == [350, -90, -80, 180]
    assert wf["bottom"].tolist() == [0, 260, 180, 0] and wf["top"].tolist() == [350, 350, 260, 180]
    assert wf["value"].iloc[1:-1].sum() == wf["value"].iloc[-1] - wf["value"].iloc[0]
    pd.testing.assert_frame_equal(wf, gmv_waterfall(ORDERS, ("2024-01-01", "2024-01-31"),
                                                    ("2024-02-01", "2024-02-29")))


def test_metric_subset_gives_the_same_numbers(cube):
    # computing only some metrics skips costly blocks; the values must not change
    full = kpi.compute_kpis(cube, freq="M").set_index(["period", "channel", "metric"])
    sub = kpi.compute_kpis(cube, freq="M", metrics=["cac", "gmv", "ltv_cac"]).set_index(["period", "channel", "metric"])
    pd.testing.assert_frame_equal(sub, full.loc[sub.index])
