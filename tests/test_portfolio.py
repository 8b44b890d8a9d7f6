"""mopkit portfolio: every client's latest run on one page, sorted by what needs attention.

The run folders are written by hand here, so every expected figure is computed in this file:
alert counts, CLV totals, forecast against actual, the attention score and the order.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from mopkit.cli import main
from mopkit.errors import MopkitError
from mopkit.portfolio import WEIGHTS, build_portfolio, portfolio


def _run(runs: Path, slug: str, stamp: str, *, name: str, ok: bool = True, gmv=(1000.0, 1100.0),
         alerts=(), forecast=None, daily=None, clv=None, target="orders", failed_nb=None) -> Path:
    run = runs / slug / stamp
    out = run / "outputs"
    out.mkdir(parents=True)
    notebooks = [{"name": "04_dashboard", "status": "ok"}]
    if failed_nb:
        notebooks.append({"name": failed_nb, "status": "failed"})
    (run / "manifest.json").write_text(json.dumps({
        "client": {"name": name, "slug": slug, "language": "zh"},
        "config": {"currency": "CNY", "notebooks": {"forecast": {"target": target}}},
        "notebooks": notebooks, "ok": ok, "finished": "2026-01-01T00:00:00"}), encoding="utf-8")
    prev, last = gmv
    pd.DataFrame({"period": ["2025-11-01", "2025-12-01"] * 2, "channel": "all",
                  "metric": ["gmv", "gmv", "orders", "orders"], "value": [prev, last, 10.0, 11.0],
                  "change": [float("nan"), last / prev - 1, float("nan"), 0.1], "status": "ok", "freq": "M"}
                 ).to_csv(out / "kpis.csv", index=False, encoding="utf-8-sig")
    pd.DataFrame(list(alerts), columns=["rule", "severity", "channel", "period", "metric", "value", "threshold",
                                        "reference", "message"]).to_csv(out / "alerts.csv", index=False, encoding="utf-8-sig")
    if forecast is not None:
        forecast.to_csv(out / "forecast.csv", index=False, encoding="utf-8-sig")
    if daily is not None:
        daily.to_csv(out / "daily_orders.csv", index=False, encoding="utf-8-sig")
    if clv is not None:
        clv.to_csv(out / "rfm_clv_customers.csv", index=False, encoding="utf-8-sig")
        (out / "clv_model.json").write_text(json.dumps({"chosen_model": "bgnbd"}), encoding="utf-8")
    return run


def _alert(sev: str, msg: str) -> tuple:
    return ("rule", sev, "all", "2025-12-01", "gmv", 1.0, 2.0, 2.0, msg)


DATES = ["2025-12-29", "2025-12-30", "2025-12-31"]
FORECAST = pd.DataFrame({"date": DATES, "point": [10.0, 10.0, 10.0], "lower": [8.0] * 3, "upper": [12.0] * 3, "model": "lstm"})


@pytest.fixture
def runs(tmp_path) -> Path:
    runs = tmp_path / "runs"
    # calm: GMV up 10 %, one low alert, last month's forecast met in total (30 vs 30), 2 days outside
    _run(runs, "calm", "20260101-000000", name="平稳店", forecast=FORECAST)
    _run(runs, "calm", "20260201-000000", name="平稳店", alerts=[_alert("low", "小提醒")],
         daily=pd.DataFrame({"date": DATES, "orders": [10, 13, 7], "gmv": [1.0, 1.0, 1.0]}),
         clv=pd.DataFrame({"customer_id": ["a", "b", "c"], "clv": [100.0, 50.0, 25.5], "churn_risk": ["low", "high", "high"]}))
    # missed: forecast 30, actual 45 (+50 %); GMV flat
    _run(runs, "missed", "20260101-000000", name="预测偏差店", forecast=FORECAST)
    _run(runs, "missed", "20260201-000000", name="预测偏差店", gmv=(1000.0, 1000.0),
         daily=pd.DataFrame({"date": DATES, "orders": [15, 15, 15], "gmv": [1.0, 1.0, 1.0]}))
    # alarmed: two high alerts and GMV down 20 %
    _run(runs, "alarmed", "20260201-000000", name="预警店", gmv=(1000.0, 800.0),
         alerts=[_alert("high", "ROAS 低于目标"), _alert("high", "退款率过高"), _alert("medium", "CTR 下降")])
    # broken: the latest run failed (an earlier good one must not hide it)
    _run(runs, "broken", "20260101-000000", name="失败店")
    _run(runs, "broken", "20260201-000000", name="失败店", ok=False, failed_nb="01_rfm_clv")
    return runs


def test_scores_and_order_follow_what_needs_attention(runs):
    rows = portfolio(runs, "zh")
    by = {r["slug"]: r for r in rows}
    # hand-computed scores from WEIGHTS
    assert by["broken"]["score"] == pytest.approx(WEIGHTS["failed"])
    assert by["missed"]["score"] == pytest.approx(50.0 * WEIGHTS["miss_per_pct"])
    assert by["alarmed"]["score"] == pytest.approx(2 * WEIGHTS["high"] + WEIGHTS["medium"] + 20.0 * WEIGHTS["gmv_drop_per_pct"])
    assert by["calm"]["score"] == pytest.approx(WEIGHTS["low"])
    assert [r["slug"] for r in rows] == ["broken", "alarmed", "missed", "calm"]
    assert by["calm"]["why"] == []  # a low alert counts in the score but is not a reason to act
    assert by["broken"]["why"] == ["运行未完成：客户分层与生命周期价值"]  # the section's title, not a file name
    assert by["broken"]["run"] == "20260201-000000"  # the latest run, even though it failed


def test_forecast_against_actual_and_clv_totals(runs):
    by = {r["slug"]: r for r in portfolio(runs, "en")}
    fc = by["calm"]["forecast"]
    assert fc["available"] and fc["from_run"] == "20260101-000000"
    assert (fc["forecast"], fc["actual"], fc["error"], fc["outside"], fc["days"]) == (30.0, 30.0, 0.0, 2, 3)
    assert by["missed"]["forecast"]["error"] == pytest.approx(0.5)
    assert by["alarmed"]["forecast"] == {"available": False}
    clv = by["calm"]["clv"]
    assert (clv["customers"], clv["total"], clv["at_risk"], clv["model"]) == (3, 175.5, 75.5, "bgnbd")
    assert clv["share"] == pytest.approx(100 * 75.5 / 175.5)
    al = by["alarmed"]["alerts"]
    assert (al["n"], al["high"], al["medium"], al["low"]) == (3, 2, 1, 0)
    assert al["top"][:2] == ["ROAS 低于目标", "退款率过高"] or sorted(al["top"][:2]) == sorted(["ROAS 低于目标", "退款率过高"])


def test_page_and_pdf_in_the_consultants_language(runs, tmp_path):
    assert main(["portfolio", str(runs), "--out", str(tmp_path / "out")]) == 0
    [html] = (tmp_path / "out").glob("portfolio-*.html")
    [pdf] = (tmp_path / "out").glob("portfolio-*.pdf")
    page = html.read_text(encoding="utf-8")
    assert page.index("失败店") < page.index("预警店") < page.index("预测偏差店") < page.index("平稳店")
    assert "客户组合概览" in page and "成交额环比下降 20.0%" in page and "实际订单数比预测高出 50.0%" in page
    assert '<span class="down">▼ 20.0%</span>' in page  # the alarmed client's GMV fall is shown as bad news
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "失败店" in text and "预警店" in text
    en, _ = build_portfolio(runs, lang="en", out_dir=tmp_path / "en", pdf=False)
    page = en.read_text(encoding="utf-8")
    assert "Client portfolio" in page and "GMV down 20.0% on the previous period" in page
    assert "actual orders above forecast by 50.0%" in page


def test_no_runs_is_a_clear_error(tmp_path):
    with pytest.raises(MopkitError, match="no runs found"):
        portfolio(tmp_path)
