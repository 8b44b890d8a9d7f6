"""Marketing-mix modelling: spend response curves with carry-over and saturation, and a budget
optimiser over them.

Typical use::

    from mopkit import mmm
    frame = mmm.mmm_frame(orders, ad_spend, target="gmv")
    problems = mmm.identification_problems(frame, frame.attrs["channels"], lang="zh")
    model = mmm.MarketingMixModel(seed=0).fit(frame)
    plan = mmm.plan_with_curves(model.curves(), current_daily_spend, max_shift=0.2, period_days=30)
"""
from . import labels  # noqa: F401  (registers the labels)
from .baseline import baseline_design
from .data import mmm_frame
from .identify import identification_problems, quality_problems
from .model import Curves, MarketingMixModel
from .budget import BudgetResult, budget_analysis, crosscheck, current_daily_spend
from .findings import findings, localise
from .optimise import MMMPlan, allocation_bounds, evaluate_split, optimise_allocation, plan_with_curves, scenarios
from .transforms import geometric_adstock, half_life, hill, hill_derivative, saturation_point

from .plots import plot_contributions, plot_plan, plot_response_curves

__all__ = [
    "plot_contributions", "plot_plan", "plot_response_curves",
    "BudgetResult", "budget_analysis", "crosscheck", "current_daily_spend", "findings", "localise",
    "baseline_design", "mmm_frame", "identification_problems", "quality_problems", "Curves", "MarketingMixModel",
    "MMMPlan", "allocation_bounds", "evaluate_split", "optimise_allocation", "plan_with_curves", "scenarios",
    "geometric_adstock", "half_life", "hill", "hill_derivative", "saturation_point",
]
