"""Attribution charts draw in both languages, and the notebook is thin, parameterised and clean."""
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import mopkit.attribution as A  # noqa: E402
from mopkit.attribution import plots as AP  # noqa: E402
from mopkit.plotting import apply_theme  # noqa: E402

NB = Path(__file__).resolve().parents[1] / "notebooks" / "03_attribution.ipynb"


@pytest.fixture(scope="module")
def results():
    j = A.journeys_from_paths(pd.DataFrame({
        "path": ["douyin > tmall", "xiaohongshu > douyin > tmall", "wechat", "search > tmall", "douyin"],
        "conversions": [30, 12, 20, 15, 3], "non_conversions": [60, 40, 30, 20, 90],
        "value": [3000, 1500, 1600, 1400, 200]}))
    credits = A.attribute(j, ["last_touch", "linear", "markov", "shapley"])
    perf = A.channel_performance(credits, pd.Series({"douyin": 800.0, "tmall": 900.0, "wechat": 200.0,
                                                     "xiaohongshu": 500.0, "search": 300.0}))
    plan = A.plan_budget(perf, roas_target=4, max_shift=0.2)
    return j, credits, perf, plan, A.MarkovAttribution().fit(j)


@pytest.mark.parametrize("lang,title", [("zh", "各归因模型"), ("en", "by model")])
def test_every_chart_draws_in_both_languages(results, lang, title):
    j, credits, perf, plan, m = results
    with matplotlib.rc_context():  # the theme (CJK font) only for this test
        apply_theme(lang)
        draw_all(j, credits, perf, plan, m, lang, title)


def draw_all(j, credits, perf, plan, m, lang, title):
    fig, axes = plt.subplots(2, 4, figsize=(16, 8))
    ax = AP.plot_model_comparison(credits, lang=lang, ax=axes[0, 0])
    assert ax is axes[0, 0] and title in ax.get_title()
    assert len(ax.patches) == 4 * 5  # 4 models x 5 channels
    AP.plot_model_comparison(credits, metric="value", lang=lang, ax=axes[0, 1])
    AP.plot_removal_effects(m.removal_effects_, lang=lang, ax=axes[0, 2])
    AP.plot_transition_heatmap(A.transition_matrix(j), lang=lang, ax=axes[0, 3])
    AP.plot_top_paths(j.paths, n=3, lang=lang, ax=axes[1, 0])
    assert len(axes[1, 0].patches) == 3
    AP.plot_roas_by_model(perf, roas_target=4, lang=lang, ax=axes[1, 1])
    AP.plot_budget_plan(plan, lang=lang, ax=axes[1, 2])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()  # rendering is where a missing CJK glyph shows up
    assert not [w for w in caught if "missing from font" in str(w.message)]
    if lang == "zh":
        assert "抖音" in [t.get_text() for t in axes[0, 0].get_xticklabels()]
        assert "渠道" in A.localise(plan.table, lang).columns
        assert "马尔可夫链" in A.roas_table(perf, lang).columns
        assert "项目" in A.report_table(j.report, lang).columns
    plt.close(fig)


def test_notebook_is_parameterised_thin_and_stored_clean():
    nb = nbformat.read(NB, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    params = code[0].source
    for name in ("run_dir: str", "lang: str", "lookback_days: int = 30", "models: list", "markov_order: int = 1",
                 "collapse_repeats: bool = True", "roas_target: float", "max_shift: float"):
        assert name in params, name
    for c in code:
        assert not c.get("outputs") and c.get("execution_count") is None
        assert "def " not in c.source and "class " not in c.source
    body = "\n".join(c.source for c in code[1:])
    assert '"attribution.csv"' in body and '"attribution_budget_plan.csv"' in body and "add_finding" in body
