"""Daily series from canonical orders: counts, gaps, refunds, bad input."""
import numpy as np
import pandas as pd
import pytest

from mopkit.errors import DataError
from mopkit.forecast.series import check_series, daily_series


@pytest.fixture
def orders():
    return pd.DataFrame({
        "order_id": ["a", "b", "c", "d", "e"],
        "customer_id": ["1", "2", "3", "1", "2"],
        "order_time": pd.to_datetime(["2025-01-01 10:00", "2025-01-01 20:00", "2025-01-03 09:00",
                                      "2025-01-04 11:00", "2025-01-04 12:00"]),
        "amount": [100.0, 50.0, 80.0, 30.0, 60.0],
        "channel": ["douyin", "tmall", "douyin", "tmall", "douyin"],
        "status": ["paid", "paid", "refunded", "cancelled", "paid"],
        "refund_amount": [20.0, 0.0, 80.0, 0.0, 0.0],
    })


def test_orders_and_gaps(orders):
    r = daily_series(orders, "orders", refunds="net", lang="en")
    # 1 Jan: a, b; 2 Jan: none (gap); 3 Jan: c refunded (left out, refunds=net); 4 Jan: e (d cancelled)
    assert r.frame["y"].tolist() == [2.0, 0.0, 0.0, 1.0]
    assert r.frame["filled"].tolist() == [False, True, True, False]
    assert r.n_filled == 2 and any("filled with 0" in n for n in r.notes)
    assert dict(zip(r.dropped["reason"], r.dropped["rows"])) == {"cancelled order": 1, "refunded order (refunds=net)": 1}


def test_gmv_refund_modes(orders):
    net = daily_series(orders, "gmv", refunds="net").frame["y"].tolist()
    gross = daily_series(orders, "gmv", refunds="gross").frame["y"].tolist()
    assert net == [130.0, 0.0, 0.0, 60.0]  # 100 - 20 partial refund + 50
    assert gross == [150.0, 0.0, 80.0, 60.0]
    assert daily_series(orders, "gmv", refunds="exclude").frame["y"].tolist() == [150.0, 0.0, 0.0, 60.0]
    # the default is the one definition the KPIs use (mopkit.data.orders): GMV with refunded orders,
    # and net sales = GMV - refunds: by hand 150-20 | 0 | 80-80 | 60
    assert daily_series(orders, "gmv").frame["y"].tolist() == gross
    assert daily_series(orders, "net_sales").frame["y"].tolist() == [130.0, 0.0, 0.0, 60.0]


def test_forecast_series_equal_the_kpis_they_name(orders):
    from mopkit.forecast.series import kpi_metric
    from mopkit.cockpit.kpi import compute_kpis, prepare_cube

    k = compute_kpis(prepare_cube(orders), freq="D", by_channel=False, metrics=["orders", "gmv", "net_sales"])
    for target, refunds in (("orders", "gross"), ("gmv", "gross"), ("gmv", "net"), ("net_sales", "gross")):
        metric = kpi_metric(target, refunds)
        kp = k[k["metric"] == metric].set_index("period")["value"]
        ys = daily_series(orders, target, refunds=refunds).frame.set_index("date")["y"]
        days = kp.index.intersection(ys.index)
        assert len(days) >= 2 and np.allclose(kp[days].fillna(0).to_numpy(), ys[days].to_numpy()), (target, refunds)
    assert kpi_metric("orders", "net") is None  # no KPI counts orders without the refunded ones


def test_by_channel_and_units(orders):
    r = daily_series(orders, "orders", by="channel", refunds="gross")
    wide = r.frame.pivot(index="date", columns="channel", values="y")
    assert wide["douyin"].tolist() == [1.0, 0.0, 1.0, 1.0] and wide["tmall"].tolist() == [1.0, 0.0, 0.0, 0.0]
    items = pd.DataFrame({"order_id": ["a", "a", "b", "e"], "quantity": [2, 1, 3, 4], "unit_price": [10.0] * 4,
                          "category": ["x", "y", "x", "y"]})
    assert daily_series(orders, "units", order_items=items).frame["y"].tolist() == [6.0, 0.0, 0.0, 4.0]
    with pytest.raises(DataError, match="needs the order_items"):
        daily_series(orders, "units")


def test_unknown_target_lists_valid_names(orders):
    with pytest.raises(DataError, match="'orders', 'gmv', 'net_sales', 'units'"):
        daily_series(orders, "revenue")


def test_negative_values_name_column_and_dates():
    dates = pd.date_range("2025-03-01", periods=5)
    with pytest.raises(DataError) as e:
        check_series([1.0, -2.0, 3.0, -1.0, 0.0], dates, column="gmv")
    msg = str(e.value)
    assert "column: gmv" in msg and "2025-03-02" in msg and "2025-03-04" in msg
    with pytest.raises(DataError, match="missing"):
        check_series([1.0, np.nan], dates[:2])
