"""The PDF executive summary's headline cards carry the client's currency (issue 12: an
English/USD client saw "¥76,109")."""
from __future__ import annotations

import pandas as pd

from mopkit.cockpit import kpi
from mopkit.report import _cards


def test_headline_cards_use_the_clients_currency(tmp_path):
    # one hand-made month: 2 orders of 100.00 and 50.50 -> GMV 150.50, AOV 75.25
    orders = pd.DataFrame({"order_id": ["a", "b"], "customer_id": ["c1", "c2"],
                           "order_time": pd.to_datetime(["2025-03-03 10:00", "2025-03-20 12:00"]),
                           "amount": [100.0, 50.5], "channel": ["tmall", "douyin"], "status": ["paid", "paid"]})
    (tmp_path / "outputs").mkdir()
    kpi.compute_kpis(kpi.prepare_cube(orders), freq="M").to_csv(tmp_path / "outputs" / "kpis.csv", index=False)
    cards = {c["metric"]: c["value"] for c in _cards(tmp_path, "en", "USD")}
    assert cards["gmv"] == "$150" and cards["aov"] == "$75.25"  # kpi.format_value: no cents from 100 up
    assert not any("¥" in v for v in cards.values())
    assert {c["metric"]: c["value"] for c in _cards(tmp_path, "zh", "CNY")}["gmv"] == "¥150"
