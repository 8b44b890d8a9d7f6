"""Business case: NPV / IRR / payback against hand-computed cash flows, scenarios, tornado, inputs.

Truths: the cash flows below are worked by hand in the comments; IRR is checked by an
independent root finder (scipy's brentq on the hand-written NPV polynomial) and the workbook's
Excel formulas are evaluated by the `formulas` package.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq

from mopkit import business as B
from mopkit.errors import ConfigError, DataError

# a 1 % monthly rate exactly: annual (1.01^12 - 1)
R12 = 1.01 ** 12 - 1


def simple(**kw):
    p = dict(consulting_fee=1000.0, gross_margin=0.5, discount_rate=R12, horizon_months=4, ramp_up_months=0)
    p.update(kw)
    return B.CaseParams(**p)


def test_hand_computed_flows_npv_irr_roi_payback():
    # 600/month revenue, margin 0.5 -> 300/month; fee 1000 in month 0: flows -1000, 300, 300, 300, 300
    case = B.build_case([B.Benefit("budget_plan", 600.0, "hand")], simple())
    f = case.flows["base"]
    assert f["net"].tolist() == pytest.approx([-1000, 300, 300, 300, 300])
    assert f["cumulative"].tolist() == pytest.approx([-1000, -700, -400, -100, 200])
    m = case.scenarios.set_index("scenario").loc["base"]
    # NPV = -1000 + 300 (1/1.01 + 1/1.01^2 + 1/1.01^3 + 1/1.01^4) = -1000 + 300 * 3.90196555 = 170.5897
    assert m["npv"] == pytest.approx(170.5897, abs=1e-3)
    # IRR: -1000 + 300 * a(4, r) = 0  ->  r = 7.7138 % a month (annuity factor 10/3)
    root = brentq(lambda r: -1000 + sum(300 / (1 + r) ** k for k in range(1, 5)), 1e-6, 1.0)
    assert m["irr_monthly"] == pytest.approx(root, rel=1e-9)
    assert m["irr_monthly"] == pytest.approx(0.077138, abs=1e-6)
    assert m["irr_annual"] == pytest.approx((1 + root) ** 12 - 1, rel=1e-9)
    assert m["roi"] == pytest.approx((1200 - 1000) / 1000)
    assert m["payback_month"] == 4 and m["irr_note"] == ""


def test_ramp_up_costs_and_coupons_by_hand():
    # ramp 2 months: revenue 1000 * [0, .5, 1, 1]; margin .4 -> gp 0, 200, 400, 400
    # coupons: 10 redemptions/month at full rate * 5 = 0, 25, 50, 50; tools 100 and staff 2h*30 from month 1
    p = B.CaseParams(consulting_fee=500, tools_per_month=100, staff_hours_per_month=2, staff_hourly_rate=30,
                     coupon_cost_per_redemption=5, gross_margin=0.4, discount_rate=0.0, horizon_months=3, ramp_up_months=2)
    f = B.cash_flows([B.Benefit("triggers", 1000, "hand", redemptions=10)], p)
    assert f["ramp"].tolist() == [0, 0.5, 1, 1]
    assert f["net"].tolist() == pytest.approx([-500, 200 - 25 - 160, 400 - 50 - 160, 400 - 50 - 160])
    assert B.metrics(f, p)["npv"] == pytest.approx(f["net"].sum())  # rate 0: NPV is the plain sum
    # a one-off benefit of 900 is spread over the 2 ramp-up months
    g = B.cash_flows([B.Benefit("winback", 900, "hand", one_off=True)], p)
    assert g["revenue"].tolist() == [0, 450, 450, 0]


def test_irr_undefined_without_a_sign_change():
    up = B.build_case([B.Benefit("budget_plan", 600.0, "hand")], simple(consulting_fee=0.0))  # all flows >= 0
    m = up.scenarios.set_index("scenario").loc["base"]
    assert m["irr_monthly"] is None and m["irr_note"] == "irr_undefined_positive"
    assert m["payback_month"] == 0 and m["roi"] is None  # no cost: ROI undefined, not infinite
    assert "无定义" in B.irr_note(up, "base", "zh")
    down = B.build_case([], simple(tools_per_month=50.0))  # costs only
    m = down.scenarios.set_index("scenario").loc["base"]
    assert m["irr_monthly"] is None and m["irr_note"] == "irr_undefined_negative"
    assert m["payback_month"] is None and m["npv"] < 0
    assert "undefined" in B.irr_note(down, "base", "en")
    assert B.scenario_display(down, "en").iloc[1]["Payback month"] == "not within the horizon"


def test_multiple_sign_changes_are_flagged():
    assert B.sign_changes([-100, 230, -132]) == 2
    assert B.sign_changes([-1, 0, 2, 3]) == 1


def test_scenarios_follow_the_intervals_and_are_ordered():
    benefits = [B.Benefit("budget_plan", 1000, "a", "estimate", 600, 1500),
                B.Benefit("winback", 400, "b", "assumption")]  # no interval: +-30 %
    case = B.build_case(benefits, simple(horizon_months=12, ramp_up_months=3, discount_rate=0.1))
    npv = case.scenarios.set_index("scenario")["npv"]
    assert npv["pessimistic"] < npv["base"] < npv["optimistic"]
    full = case.flows["pessimistic"].iloc[-1]
    assert full["revenue_budget_plan"] == pytest.approx(600) and full["revenue_winback"] == pytest.approx(280)
    full = case.flows["optimistic"].iloc[-1]
    assert full["revenue_budget_plan"] == pytest.approx(1500) and full["revenue_winback"] == pytest.approx(520)


def test_tornado_moves_each_assumption_by_20_percent():
    b = B.Benefit("budget_plan", 600.0, "hand")
    case = B.build_case([b], simple(tools_per_month=10.0))
    tor = case.tornado.set_index("assumption")
    # NPV is linear in the benefit: +-20 % of its gross profit's present value (300 * 3.90196555 * 0.2)
    assert tor.loc["benefit_budget_plan", "npv_plus"] - case.metric("npv") == pytest.approx(0.2 * 300 * 3.90196555, rel=1e-6)
    assert tor.loc["consulting_fee", "npv_plus"] == pytest.approx(case.metric("npv") - 200)  # month-0 cost: undiscounted
    assert tor["swing"].is_monotonic_decreasing
    assert "coupon_cost_per_redemption" not in tor.index  # zero assumptions have no bar


def test_bad_parameters_are_config_errors():
    with pytest.raises(ConfigError, match="gross_margin"):
        B.CaseParams(gross_margin=1.5)
    with pytest.raises(ConfigError, match="ramp_up_months"):
        B.CaseParams(horizon_months=6, ramp_up_months=7)
    with pytest.raises(ConfigError, match="consulting_fee"):
        B.CaseParams(consulting_fee=-1)


def _outputs(tmp_path):
    out = tmp_path / "outputs"
    (out / "audiences").mkdir(parents=True)
    pd.DataFrame({"channel": ["douyin", "wechat", "total"], "expected_value_change": [1000.0, 500.0, 1500.0],
                  "expected_value_change_low": [600.0, 200.0, 800.0], "expected_value_change_high": [1400.0, 800.0, 2200.0],
                  "period_days": [60, 60, 60], "method": ["mmm", "mmm", "mmm"]}).to_csv(out / "budget_plan.csv", index=False, encoding="utf-8-sig")
    pd.DataFrame({"trigger": ["cart_abandon"], "incremental_revenue": [300.0], "incremental_revenue_low": [100.0],
                  "incremental_revenue_high": [500.0]}).to_csv(out / "campaign_results.csv", index=False)
    pd.DataFrame({"trigger": ["cart_abandon", "birthday"], "expected_revenue_30d": [999.0, 120.0]}).to_csv(
        out / "triggers_summary.csv", index=False)
    pd.DataFrame({"customer_id": ["a", "b", "c", "d"]}).to_csv(out / "audiences" / "winback.csv", index=False)
    pd.DataFrame({"customer_id": ["a", "b", "c", "d", "e"], "expected_order_value": [100.0, 200.0, 300.0, 400.0, 9999.0]}).to_csv(
        out / "rfm_clv_customers.csv", index=False)
    return out


def test_a_year_of_campaigns_is_not_one_months_uplift(tmp_path):
    out = _outputs(tmp_path)
    # campaign_results.csv as notebook 05 writes it: sends over 358 days, 7-day window -> 365 days
    pd.DataFrame({"campaign": ["jan", "dec"], "incremental_revenue": [300.0, 900.0],
                  "incremental_revenue_low": [100.0, 300.0], "incremental_revenue_high": [500.0, 1500.0],
                  "sent_from": ["2025-01-01", "2025-12-20"], "sent_to": ["2025-01-02", "2025-12-25"],
                  "window_days": [7, 7]}).to_csv(out / "campaign_results.csv", index=False)
    b = {x.key: x for x in B.gather_benefits(out, default_period_days=365).benefits}
    month = 365.25 / 12
    assert b["campaigns"].monthly_revenue == pytest.approx(1200 * month / 365)
    assert b["campaigns"].high == pytest.approx(2000 * month / 365)


def test_benefits_read_from_outputs_name_their_source(tmp_path):
    out = _outputs(tmp_path)
    g = B.gather_benefits(out, default_period_days=365, winback_response_rate=0.5)
    b = {x.key: x for x in g.benefits}
    month = 365.25 / 12
    assert b["budget_plan"].monthly_revenue == pytest.approx(1500 * month / 60)  # period_days of the file wins
    assert b["budget_plan"].low == pytest.approx(800 * month / 60) and "mmm" in b["budget_plan"].note
    assert b["campaigns"].kind == "measured" and b["campaigns"].high == pytest.approx(500 * month / 30)
    # cart_abandon is measured: only birthday's replay estimate counts, flagged as an assumption
    assert b["triggers"].monthly_revenue == pytest.approx(120 * month / 30) and b["triggers"].kind == "assumption"
    # 4 customers * 50 % * mean order value 250, one coupon each, once
    assert b["winback"].monthly_revenue == pytest.approx(500) and b["winback"].redemptions == 2 and b["winback"].one_off
    assert b["budget_plan"].source == "outputs/budget_plan.csv"
    assert g.missing == []
    case = B.build_case(g, B.CaseParams(consulting_fee=100))
    doc = json.loads(json.dumps(case.to_json()))
    assert {a["key"]: a["source"] for a in doc["assumptions"]}["consulting_fee"] == "default:consulting_fee"
    assert set(doc["scenarios"]) == {"pessimistic", "base", "optimistic"}


def test_missing_and_inconsistent_inputs(tmp_path):
    out = tmp_path / "outputs"
    out.mkdir()
    g = B.gather_benefits(out, default_period_days=365)
    assert g.benefits == [] and {m["benefit"] for m in g.missing} == set(B.BENEFIT_KEYS)
    case = B.build_case(g, B.CaseParams(consulting_fee=100))
    assert len(B.missing_notes(case, "zh")) == 4 and "budget_plan.csv" in B.missing_notes(case, "zh")[0]
    pd.DataFrame({"channel": ["x"], "expected_value_change": [100.0], "expected_value_change_low": [200.0],
                  "expected_value_change_high": [300.0]}).to_csv(out / "budget_plan.csv", index=False)
    with pytest.raises(DataError, match="interval"):
        B.gather_benefits(out, default_period_days=365)
    # an attribution plan (no method column, no interval) is an upper bound: the optimistic case keeps it
    pd.DataFrame({"channel": ["x"], "expected_value_change": [730.5]}).to_csv(out / "budget_plan.csv", index=False)
    (b,) = B.gather_benefits(out, default_period_days=730.5).benefits
    assert b.monthly_revenue == pytest.approx(365.25 / 12) and b.high == b.monthly_revenue and b.low is None
    assert "upper bound" in B.assumptions_table(B.build_case([b], B.CaseParams()), "en")["Note"].iloc[0]
    pd.DataFrame({"channel": ["x"], "expected_value_change": ["abc"]}).to_csv(out / "budget_plan.csv", index=False)
    with pytest.raises(DataError, match="not numbers"):
        B.gather_benefits(out, default_period_days=365)
    # campaign results without a trigger key: replay estimates are left out (no double count)
    (out / "budget_plan.csv").unlink()
    pd.DataFrame({"incremental_revenue": [10.0]}).to_csv(out / "campaign_results.csv", index=False)
    pd.DataFrame({"trigger": ["t"], "expected_revenue_30d": [5.0]}).to_csv(out / "triggers_summary.csv", index=False)
    g = B.gather_benefits(out, default_period_days=365)
    assert [b.key for b in g.benefits] == ["campaigns"]
    assert {"benefit": "triggers", "reason": "no_common_key", "file": "triggers_summary.csv"} in g.missing
    # a campaign sent without a holdout measured nothing: its trigger keeps the replay estimate
    pd.DataFrame({"trigger": ["t", "u"], "incremental_revenue": [10.0, 20.0], "n_holdout": [0, 50]}).to_csv(
        out / "campaign_results.csv", index=False)
    g = B.gather_benefits(out, default_period_days=365)
    b = {x.key: x for x in g.benefits}
    assert b["campaigns"].monthly_revenue == pytest.approx(20 * 365.25 / 12 / 30)
    assert b["triggers"].monthly_revenue == pytest.approx(5 * 365.25 / 12 / 30)
    pd.DataFrame({"trigger": ["t"], "incremental_revenue": [10.0], "has_holdout": [False]}).to_csv(
        out / "campaign_results.csv", index=False)
    g = B.gather_benefits(out, default_period_days=365)
    assert [b.key for b in g.benefits] == ["triggers"]
    assert {m["benefit"]: m["reason"] for m in g.missing}["campaigns"] == "no_holdout"
    case = B.build_case(g, B.CaseParams())
    assert any("had a holdout group" in n for n in B.missing_notes(case, "en"))


def test_workbook_formulas_recompute_the_metrics(tmp_path):
    import formulas  # dev dependency (pyproject [dev]); evaluates the Excel formulas independently of mopkit
    benefits = [B.Benefit("budget_plan", 9000, "a", "estimate", 6000, 12000), B.Benefit("winback", 20000, "b", "assumption",
                                                                                         redemptions=80, one_off=True)]
    p = B.CaseParams(consulting_fee=30000, tools_per_month=800, coupon_cost_per_redemption=15, staff_hours_per_month=20,
                     staff_hourly_rate=80, gross_margin=0.6, discount_rate=0.1, horizon_months=12, ramp_up_months=3)
    case = B.build_case(benefits, p)
    path = B.write_workbook(case, tmp_path / "bc.xlsx", lang="en")
    sol = formulas.ExcelModel().loads(str(path)).finish().calculate()
    cells = {k.split("!")[-1]: v.value[0][0] for k, v in sol.items() if "]CASHFLOW'!" in k.upper()}
    H = 12
    summary_row = H + 2 + 2  # header, months 0..H, a blank row
    m = case.scenarios.set_index("scenario").loc["base"]
    assert float(cells[f"B{summary_row}"]) == pytest.approx(m["npv"], rel=1e-9)
    assert float(cells[f"B{summary_row + 1}"]) == pytest.approx(m["irr_annual"], rel=1e-6)
    assert float(cells[f"B{summary_row + 2}"]) == pytest.approx(m["roi"], rel=1e-9)
    assert int(cells[f"B{summary_row + 3}"]) == m["payback_month"]


def test_findings_in_both_languages():
    case = B.build_case([B.Benefit("budget_plan", 600.0, "hand", "estimate", 100, 900)], simple())
    zh = B.findings(case, lang="zh")
    assert "第 4 个月回本" in zh[0][0] and all(0 <= w <= 1 for _, w in zh)
    en = B.findings(case, lang="en")
    assert "paying back in month 4" in en[0][0] and "pessimistic case loses money" in en[1][0]
    assert np.isclose(case.tornado.attrs["base_npv"], case.metric("npv"))
