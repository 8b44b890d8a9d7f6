"""Multi-channel attribution: journeys, rule-based / Markov / Shapley models, ROAS and budget.

Typical use::

    from mopkit.attribution import build_journeys, attribute, spend_by_channel, channel_performance, plan_budget
    j = build_journeys(touchpoints, orders, lookback_days=30)
    credits = attribute(j, ["last_touch", "linear", "markov", "shapley"])
    perf = channel_performance(credits, spend_by_channel(ad_spend))
    plan = plan_budget(perf, model="markov", roas_target=3.0, max_shift=0.2)
"""
from .budget import (BUDGET_FALLBACK_ORDER, BudgetPlan, channel_performance, choose_budget_model, plan_budget,
                     spend_by_channel, spend_coverage)
from .findings import findings
from .heuristic import first_touch, last_non_direct, last_touch, linear, position_based, time_decay
from .journeys import ORDER_COLUMNS, TOUCH_COLUMNS, Journeys, build_journeys, journeys_from_paths, report_table
from .tables import localise, roas_table
from .plots import (plot_budget_plan, plot_model_comparison, plot_removal_effects, plot_roas_by_model, plot_top_paths,
                    plot_transition_heatmap)
from .markov import MarkovAttribution, markov, transition_matrix
from .models import DEFAULT_MODELS, MODELS, attribute, get_model
from .shapley import shapley, shapley_values

__all__ = [
    "BUDGET_FALLBACK_ORDER", "BudgetPlan", "choose_budget_model", "channel_performance", "plan_budget", "spend_by_channel", "spend_coverage",
    "findings", "first_touch", "last_non_direct", "last_touch", "linear", "position_based",
    "time_decay", "ORDER_COLUMNS", "TOUCH_COLUMNS", "Journeys", "build_journeys", "journeys_from_paths", "MarkovAttribution", "markov",
    "transition_matrix", "plot_budget_plan", "plot_model_comparison", "plot_removal_effects", "plot_roas_by_model",
    "plot_top_paths", "plot_transition_heatmap", "report_table", "localise", "roas_table", "DEFAULT_MODELS", "MODELS", "attribute", "get_model", "shapley", "shapley_values",
]
