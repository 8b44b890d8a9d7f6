"""Purchase propensity and churn risk: features on a time split, models that must beat the
BG/NBD and logistic-regression baselines to be used, explanations, findings, charts.

Typical use::

    from mopkit.propensity import fit_propensity, findings
    res = fit_propensity(orders, events, touchpoints, horizon_days=30, churn_days=90)
    res.scores            # customer_id -> propensity, decile, churn_risk, lapsed, reasons
    res.purchase.metrics  # ROC-AUC, PR-AUC, Brier, top-decile lift/capture of every model
"""
from . import labels as _labels  # noqa: F401 - registers the labels
from .explain import importance, reasons
from .features import (EVENT_COLUMNS, ORDER_COLUMNS, TOUCH_COLUMNS, Activity, add_events, add_touchpoints, cutoffs,
                       features_at, labels_at, prepare_activity)
from .findings import findings
from .metrics import deciles, evaluate, lift_table, reliability
from .models import MODELS, calibrate, make_model
from .pipeline import DEFAULT_MODELS, PropensityResult, TaskResult, fit_propensity, run_task
from .tables import audience, metrics_table, scores_table

from .plots import plot_calibration, plot_importance, plot_lift, plot_pr, plot_roc
from .tables import decile_summary, importance_table, lift_display

__all__ = [
    "plot_calibration", "plot_importance", "plot_lift", "plot_pr", "plot_roc", "decile_summary", "importance_table",
    "lift_display",
    "EVENT_COLUMNS", "ORDER_COLUMNS", "TOUCH_COLUMNS", "importance", "reasons", "Activity", "add_events", "add_touchpoints", "cutoffs", "features_at", "labels_at", "prepare_activity", "findings",
    "deciles", "evaluate", "lift_table", "reliability", "MODELS", "calibrate", "make_model", "DEFAULT_MODELS",
    "PropensityResult", "TaskResult", "fit_propensity", "run_task", "audience", "metrics_table", "scores_table",
]
