"""The budget step: MMM plan or attribution fallback, comparison, cross-check, notebook shape."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import pytest

from mopkit import mmm
from test_mmm import _synthetic

ROOT = Path(__file__).resolve().parents[1]


def _performance(channels, values, costs, model="markov"):
    rows = []
    for mdl in (model, "last_touch"):
        for c, v, k in zip(channels, values, costs):
            rows.append({"channel": c, "model": mdl, "conversions": v / 200, "value": v, "cost": k,
                         "cpa": k / (v / 200), "roas": v / k})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def synthetic_result():
    frame, _ = _synthetic(T=600)
    frame.attrs["channels"] = ["a", "b", "c"]
    spend = frame[["a", "b", "c"]].sum()
    perf = _performance(["a", "b", "c"], [6.0 * spend["a"], 2.0 * spend["b"], 4.0 * spend["c"]], spend.to_numpy())
    return mmm.budget_analysis(frame, performance=perf, n_boot=5, roas_target=3.0, lang="en"), frame


def test_mmm_path_plan_comparison_crosscheck(synthetic_result):
    res, frame = synthetic_result
    assert res.method == "mmm" and not res.problems
    plan = res.plan
    assert list(plan.columns[:15]) == list(mmm.budget.PLAN_COLUMNS)
    assert (plan["method"] == "mmm").all() and (plan["period_days"] == 30).all()
    # the total is kept and no channel moves more than 20 %
    assert plan["proposed_spend"].sum() == pytest.approx(plan["current_spend"].sum())
    assert (plan["proposed_spend"] / plan["current_spend"]).between(0.8 - 1e-6, 1.2 + 1e-6).all()
    # today's split = mean daily spend of the last 91 days, times period_days
    assert plan.set_index("channel")["current_spend"]["a"] == pytest.approx(frame["a"].iloc[-91:].mean() * 30)
    s = res.summary
    assert s["expected_value_change_low"] <= s["expected_value_change"] <= s["expected_value_change_high"]
    assert s["expected_value_change"] == pytest.approx(plan["expected_value_change"].sum())
    v = res.comparison.set_index("split")["value"]
    # the optimum of the curves beats every other split within the same bounds, the linear plan included
    assert v["mmm"] >= v["current"] - 1e-6 and v["mmm"] >= v["attribution"] - 1e-6
    cc = res.crosscheck
    assert {"mmm_share", "markov_share", "last_touch_share", "gap"} <= set(cc.columns)
    assert cc["markov_share"].sum() == pytest.approx(1.0) and cc["mmm_share"].sum() == pytest.approx(1.0)
    sc = res.scenarios
    assert list(sc["scenario"]) == ["-20%", "0%", "+20%"]
    for lang in ("zh", "en"):
        texts = [t for t, _ in mmm.findings(res, lang=lang)]
        assert len(texts) >= 4 and all(0 <= w <= 1 for _, w in mmm.findings(res, lang=lang))
    shown = mmm.localise(res.plan, "zh")
    assert "渠道" in shown.columns


def test_refusal_falls_back_to_attribution_plan():
    frame, _ = _synthetic(T=600)
    frame = frame.assign(c=frame["a"] * 2.0)  # c moves with a: not identifiable
    frame.attrs["channels"] = ["a", "b", "c"]
    spend = frame[["a", "b", "c"]].sum()
    perf = _performance(["a", "b", "c"], [6.0 * spend["a"], 2.0 * spend["b"], 4.0 * spend["c"]], spend.to_numpy())
    res = mmm.budget_analysis(frame, performance=perf, n_boot=0, roas_target=3.0, lang="en")
    assert res.method == "attribution" and res.model is None
    assert [p["code"] for p in res.problems] == ["collinear"]
    plan = res.plan
    assert (plan["method"] == "attribution").all() and (plan["period_days"] == len(frame)).all()
    assert plan["expected_value_change_low"].isna().all()
    assert plan["expected_value_change_high"].to_numpy() == pytest.approx(plan["expected_value_change"].to_numpy())
    # the linear plan moves money from ROAS 2 (b, below target 3) to ROAS 6 (a) and keeps the total
    assert plan["change"].sum() == pytest.approx(0.0, abs=1e-6)
    assert plan.set_index("channel").loc["b", "change"] < 0 < plan.set_index("channel").loc["a", "change"]
    text = " ".join(t for t, _ in mmm.findings(res, lang="en"))
    assert "moves together" in text and "falls back" in text
    none = mmm.budget_analysis(frame, performance=None, n_boot=0, lang="zh")
    assert none.method == "none" and none.plan is None
    assert "无法可靠估计" in mmm.findings(none, lang="zh")[0][0]


def test_notebook_07_is_thin_and_writes_the_plan():
    nb = nbformat.read(ROOT / "notebooks" / "07_budget.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    params = code[0].source
    for name in ('run_dir: str = ""', 'lang: str = "zh"', "max_shift: float", "period_days: int", "channel_bounds: dict"):
        assert name in params, name
    # papermill must parse every line (a quote or "=" in a comment can make it skip one, with a warning)
    from papermill.translators import PythonTranslator

    assert len(PythonTranslator.inspect(code[0])) == len([ln for ln in params.splitlines() if ln.strip()])
    for c in code:
        assert not c.get("outputs") and "def " not in c.source and "class " not in c.source
    body = "\n".join(c.source for c in code[1:])
    for out in ('"budget_plan.csv"', '"mmm_channels.csv"', '"mmm_response_curves.csv"', '"mmm_model.json"'):
        assert out in body, out
    assert 'section="budget"' in body
    from mopkit.i18n import t
    from mopkit.report import section_title
    from mopkit.run import REQUIRES

    assert REQUIRES["budget"] == [("ad_spend",)]
    assert section_title("07_budget.ipynb", "zh") == t("section.budget", "zh") != "07_budget.ipynb"


def test_attribution_fallback_chooses_the_model_as_the_attribution_notebook_does():
    # markov was not run: mopkit.attribution.choose_budget_model's order picks linear (data-driven
    # and rule models before last touch), and the plan says so instead of silently taking the last row
    from mopkit.attribution import plan_budget

    frame, _ = _synthetic(T=600)
    frame = frame.assign(c=frame["a"] * 2.0)  # not identifiable: the attribution plan is used
    frame.attrs["channels"] = ["a", "b", "c"]
    spend = frame[["a", "b", "c"]].sum()
    perf = _performance(["a", "b", "c"], [6.0 * spend["a"], 2.0 * spend["b"], 4.0 * spend["c"]], spend.to_numpy(),
                        model="linear")
    perf.loc[perf["model"] == "last_touch", "value"] *= [0.2, 3.0, 1.0]  # last touch would plan otherwise
    perf["roas"] = perf["value"] / perf["cost"]
    res = mmm.budget_analysis(frame, performance=perf, n_boot=0, roas_target=3.0, lang="en", attribution_model="markov")
    want = plan_budget(perf, model="linear", roas_target=3.0, max_shift=0.2, lang="en").table
    assert res.plan["proposed_spend"].to_numpy() == pytest.approx(want["proposed_spend"].to_numpy())
    assert any("Fallback" in n and "'Markov chain'" in n and "'Linear'" in n for n in res.notes)
