"""The business case of a consulting plan: ROI, NPV, IRR and payback over monthly cash flows.

Typical use (what notebook 08 does)::

    from mopkit import business as B
    params = B.params_from_config({"consulting_fee": 30000, "gross_margin": 0.55})
    case = B.case_from_run(run_dir / "outputs", params, default_period_days=730)
    case.scenarios          # pessimistic / base / optimistic metrics
    case.tornado            # NPV at ±20 % of each assumption
    B.write_workbook(case, "business_case.xlsx")
"""
from .case import PARAM_KEYS, BusinessCase, build_case, case_from_run, params_from_config
from .cashflow import SCENARIOS, Benefit, CaseParams, cash_flows, metrics, payback_month, ramp, scenario_table, sign_changes, tornado
from .findings import (assumptions_table, cashflow_display, findings, irr_note, missing_notes, money, scenario_display,
                       tornado_display)
from .inputs import BENEFIT_KEYS, Gathered, gather_benefits, window_days
from .labels import item_label
from .plots import plot_cumulative, plot_tornado
from .workbook import write_workbook

__all__ = [
    "plot_cumulative", "plot_tornado",
    "PARAM_KEYS", "BusinessCase", "build_case", "case_from_run", "params_from_config", "SCENARIOS", "Benefit", "CaseParams",
    "cash_flows", "metrics", "payback_month", "ramp", "scenario_table", "sign_changes", "tornado", "assumptions_table",
    "cashflow_display", "findings", "irr_note", "missing_notes", "money", "scenario_display", "tornado_display",
    "BENEFIT_KEYS", "Gathered", "gather_benefits", "window_days", "item_label", "write_workbook",
]
