"""The anomalies planted in the sample merchant (mopkit/data/sample_anomalies.py) are exactly
what the alert rules report.

Truth: ``truth.json["anomalies"]["planted"]`` of the committed sample. The data go through the
loader as a client's would (``prepare_run`` of the committed client.yaml); the rules use that
config's dashboard thresholds and ``as_of`` = the window's end, as notebook 04 does.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from mopkit.cockpit import alerts, kpi
from mopkit.context import open_run
from mopkit.run import prepare_run, sample_config_path
COMMITTED = Path(__file__).resolve().parents[1] / "data_samples" / "sample_merchant"


@pytest.fixture(scope="module")
def sample_alerts(tmp_path_factory):
    ctx = open_run(prepare_run(sample_config_path(), tmp_path_factory.mktemp("anomaly_runs")), theme=False)
    cube = kpi.prepare_cube(ctx.table("orders"), ctx.table("order_items"), ctx.table("ad_spend"))
    rules = alerts.rules_from_config(ctx.config.notebook_params("dashboard"))
    return ctx, cube, alerts.check_alerts(cube, rules, lang="zh", as_of=ctx.config.end)


def test_alert_rules_fire_on_exactly_the_planted_anomalies(sample_alerts):
    _ctx, _cube, found = sample_alerts
    planted = json.loads((COMMITTED / "truth.json").read_text(encoding="utf-8"))["anomalies"]["planted"]
    assert len(planted) == 3
    want = {(a["rule"], a["channel"]) for a in planted}
    per_channel = found[found["channel"] != kpi.ALL]
    assert set(zip(per_channel["rule"], per_channel["channel"])) == want
    assert len(per_channel) == len(want)
    # an overall alert may only echo a planted rule (the channel is part of the total)
    assert set(found.loc[found["channel"] == kpi.ALL, "rule"]) <= {a["rule"] for a in planted}
    # all in the planted week, each at high severity (the anomalies are large on purpose)
    for a in planted:
        row = per_channel[(per_channel["rule"] == a["rule"]) & (per_channel["channel"] == a["channel"])].iloc[0]
        assert pd.Timestamp(row["period"]) == pd.Timestamp(a["end"]) - pd.Timedelta(days=6)
        assert row["severity"] == "high"


def test_roas_collapse_lasts_two_weeks_and_keeps_ctr_and_cpc(sample_alerts):
    ctx, cube, _ = sample_alerts
    planted = {a["rule"]: a for a in json.loads((COMMITTED / "truth.json").read_text(encoding="utf-8"))["anomalies"]["planted"]}
    a = planted["roas_below_target"]
    start, end = pd.Timestamp(a["start"]), pd.Timestamp(a["end"])
    w = kpi.compute_kpis(cube, freq="W", start=start - pd.Timedelta(weeks=4), end=end, channels=[a["channel"]],
                         overall=False, metrics=["roas", "ctr", "cpc"]).pivot(index="period", columns="metric", values="value")
    target = ctx.config.notebook_params("dashboard")["roas_target"]
    assert (w.loc[start:, "roas"] < 0.5 * target).all() and len(w.loc[start:]) == 2
    assert (w.loc[:start - pd.Timedelta(days=1), "roas"] > 0.5 * target).all()  # before: no collapse
    before, during = w.loc[:start - pd.Timedelta(days=1)], w.loc[start:]
    assert during["ctr"].mean() == pytest.approx(before["ctr"].mean(), rel=0.1)
    assert during["cpc"].mean() == pytest.approx(before["cpc"].mean(), rel=0.1)


def test_refund_spike_orders_are_the_planted_count(sample_alerts):
    ctx, _cube, _ = sample_alerts
    a = next(a for a in json.loads((COMMITTED / "truth.json").read_text(encoding="utf-8"))["anomalies"]["planted"]
             if a["rule"] == "refund_spike")
    o = ctx.table("orders")
    day = o["order_time"].dt.normalize()
    week = o[(o["channel"] == a["channel"]) & (day >= a["start"]) & (day <= a["end"])]
    full = week[(week["status"] == "refunded") & (week["refund_amount"] == week["amount"])]
    assert len(full) >= a["orders"]  # the planted ones plus the usual full refunds
    assert week["refund_amount"].sum() / week["amount"].sum() > 0.15  # usual: 1-7 %
