"""The cockpit's date and granularity controls, driven in Python (the browser test drives the
channel filter): changing a control must change the cards and the trend to hand-computed values."""
import re

import pandas as pd
import pytest

from mopkit.cockpit.dashboard import Cockpit
from mopkit.cockpit.kpi import format_change, format_value, prepare_cube


@pytest.fixture
def app():
    # one order a day: January at 10, February (29 days, 2024) at 20
    days = pd.date_range("2024-01-01", "2024-02-29")
    orders = pd.DataFrame({"order_id": [f"o{i}" for i in range(len(days))], "customer_id": [f"c{i % 5}" for i in range(len(days))],
                           "order_time": days + pd.Timedelta(hours=12), "channel": "douyin",
                           "amount": [10.0 if d.month == 1 else 20.0 for d in days]})
    return Cockpit(prepare_cube(orders), lang="en", currency="CNY", end="2024-02-29")


def _card(app, metric):
    m = re.search(rf'data-metric="{metric}".*?mop-kpi-value[^>]*>([^<]*)<.*?mop-kpi-change[^>]*>([^<]*)<', app.cards.value)
    return m.group(1), m.group(2)


def _trend_points(app):
    line = re.search(r'<polyline fill="none" stroke="#333333"[^>]*points="([^"]*)"', app.trend.value)  # the all-channels line
    return len(line.group(1).split())


def test_date_range_drives_the_cards(app):
    app.start.value = pd.Timestamp("2024-02-01").date()
    app.end.value = pd.Timestamp("2024-02-29").date()
    # February: 29 orders x 20 = 580; the previous 29 days (3-31 January): 29 x 10 = 290 -> +100 %
    assert _card(app, "gmv") == (format_value(580.0, "gmv", "en", "CNY"), format_change(1.0))
    assert _card(app, "orders")[0] == format_value(29.0, "orders", "en", "CNY")
    app.start.value = pd.Timestamp("2024-01-10").date()
    app.end.value = pd.Timestamp("2024-01-19").date()
    assert _card(app, "gmv")[0] == format_value(100.0, "gmv", "en", "CNY")  # 10 days x 10
    app.start.value = pd.Timestamp("2024-01-25").date()  # start after end: said so, cards kept
    assert "&gt;" in app.status.value and _card(app, "gmv")[0] == format_value(100.0, "gmv", "en", "CNY")


def test_granularity_drives_the_trend(app):
    app.start.value = pd.Timestamp("2024-02-01").date()
    app.end.value = pd.Timestamp("2024-02-29").date()
    # 1-29 February (a Thursday to a Thursday): 29 days, 5 Monday weeks (29 Jan ... 26 Feb), 1 month
    for freq, points in (("D", 29), ("W", 5), ("M", 1)):
        app.freq.value = freq
        assert _trend_points(app) == points, freq


def test_alerts_that_cannot_be_computed_are_said_not_hidden(tmp_path):
    # a forecast.csv without its point column makes the alert check fail on bad input: the cockpit
    # still opens, and says what it tried, why it failed and what it shows instead
    days = pd.date_range("2024-01-01", periods=30)
    orders = pd.DataFrame({"order_id": [f"o{i}" for i in range(30)], "customer_id": "c1", "order_time": days,
                           "channel": "douyin", "amount": 10.0})
    pd.DataFrame({"date": days[:3], "lower": 1.0}).to_csv(tmp_path / "forecast.csv", index=False)
    app = Cockpit.from_tables({"orders": orders}, lang="en", outputs_dir=tmp_path)
    (fb,) = app.fallbacks
    assert "alerts" in fb.tried and "point" in fb.reason
    assert "Fallback" in app.widget.children[1].value  # shown above the filters


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_results_tab_counts_segments_of_the_customer_table_csv_or_parquet(tmp_path, fmt):
    """01_rfm_clv writes rfm_clv_customers as CSV, or Parquet past a spreadsheet's rows: both are read."""
    from mopkit.cockpit.dashboard import run_outputs_summary

    out = tmp_path / "outputs"
    out.mkdir()
    cust = pd.DataFrame({"customer_id": [f"c{i}" for i in range(7)], "segment": list("AAABBCA")})
    if fmt == "csv":
        cust.to_csv(out / "rfm_clv_customers.csv", index=False, encoding="utf-8-sig")
    else:
        cust.to_parquet(out / "rfm_clv_customers.parquet", index=False)
    seg = run_outputs_summary(out, "en")[0][1]
    assert dict(zip(seg["segment"], seg.iloc[:, 1])) == {"A": 4, "B": 2, "C": 1}
    assert run_outputs_summary(tmp_path / "other_run" / "outputs", "en")[0][1] is None
