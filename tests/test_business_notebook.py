"""Notebook 08 end to end: on a run with none of the other analyses' outputs, and on the full run."""
from __future__ import annotations

import json
import subprocess

import pandas as pd
import pytest

from conftest import salted
from mopkit.run import NOTEBOOKS_DIR, run_client


def test_notebook_08_runs_without_other_outputs_and_says_what_is_missing(tmp_path):
    (tmp_path / "o.csv").write_text("order_id,customer_id,order_time,amount\nA1,U1,2024-01-01,5\nA2,U1,2024-01-03,7\n",
                                    encoding="utf-8")
    (tmp_path / "client.yaml").write_text(salted(
        "client: {name: 小店, slug: tiny}\nlanguage: en\ndata:\n  orders: {path: o.csv}\n"
        "notebooks:\n  business_case: {consulting_fee: 5000, tools_per_month: 100, horizon_months: 6}\n"), encoding="utf-8")
    res = run_client(tmp_path / "client.yaml", tmp_path / "runs", notebooks=[NOTEBOOKS_DIR / "08_business_case.ipynb"],
                     report=False, progress=None)
    assert res.ok, res.summary()
    out = res.run_dir / "outputs"
    doc = json.loads((out / "business_case.json").read_text(encoding="utf-8"))
    assert {m["benefit"] for m in doc["missing_benefits"]} == {"budget_plan", "campaigns", "triggers", "winback"}
    base = doc["scenarios"]["base"]["metrics"]
    # costs only: -5000 - 6 * 100, NPV below that sum's magnitude discounting aside; IRR undefined, never pays back
    assert base["net"] == pytest.approx(-5600) and base["irr_annual"] is None and base["payback_month"] is None
    assert base["irr_note"] == "irr_undefined_negative"
    flows = pd.read_csv(out / "business_case_cashflows.csv", encoding="utf-8-sig")
    assert set(flows["scenario"]) == {"pessimistic", "base", "optimistic"} and len(flows) == 3 * 7
    assert (out / "business_case.xlsx").exists()
    nb = (res.run_dir / "notebooks" / "08_business_case.ipynb").read_text(encoding="utf-8")
    assert "this run has no budget_plan.csv" in nb and "the IRR is undefined" in nb
    assert "names no ad-copy file" in nb
    findings = json.loads((out / "findings" / "business_case.json").read_text(encoding="utf-8"))
    assert findings and all(f["lang"] == "en" for f in findings)


@pytest.mark.slow
def test_full_run_has_the_business_case_section(small_run):
    run = small_run.run_dir
    assert {n.name: n.status for n in small_run.notebooks}["08_business_case"] == "ok"
    doc = json.loads((run / "outputs" / "business_case.json").read_text(encoding="utf-8"))
    keys = {a["key"]: a for a in doc["assumptions"]}
    assert keys["benefit_budget_plan"]["source"] == "outputs/budget_plan.csv"
    assert keys["benefit_winback"]["source"].startswith("outputs/audiences/winback.csv")
    npv = [doc["scenarios"][s]["metrics"]["npv"] for s in ("pessimistic", "base", "optimistic")]
    assert npv == sorted(npv)
    assert len(doc["tornado"]["rows"]) >= 5
    checked = pd.read_excel(run / "outputs" / "copycheck.xlsx", sheet_name="copies", engine="openpyxl")
    assert len(checked) == 12  # the sample's ad copies
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(run / "report.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "投资回报测算" in text and "广告文案合规检查" in text
