"""Customer value: RFM segments, repeat-purchase models, spend model, CLV, churn risk, tiers, audiences.

Typical use (notebook ``01_rfm_clv``)::

    from mopkit import clv
    res = clv.customer_value(orders, time_unit="W", holdout_days=180, lang="zh")
    clv.plot_segments(res.customers, "zh")
    lists = clv.build_audiences(res.customers, lang="zh", currency="CNY")
    for text, weight in clv.findings(res, lang="zh", currency="CNY"): ...

Layout, as in :mod:`mopkit.forecast` and :mod:`mopkit.attribution`: ``rfm`` (scores, segments,
tiers), ``summary`` and ``grouping`` (the per-customer repeat-purchase summary and its integer-sort
kernel), ``likelihoods`` (vectorised BG/NBD, MBG/NBD, Pareto/NBD, Gamma-Gamma), ``models`` (the
fitted models; the only module that calls lifetimes), ``value`` (the customer-value pipeline),
``audiences``, ``tables``, ``plots``, ``findings``, ``labels``.
"""
from .audiences import AUDIENCES, audience_overview, build_audiences, likely_buyers, top_tiers, winback
from .findings import findings
from .models import MODEL_NAMES, TRANSACTION_MODELS, SpendModel, TransactionModel, check_enough_data, independence_check, select_model
from .plots import plot_clv_distribution, plot_conditional_expectation, plot_p_alive_matrix, plot_rfm_heatmap, plot_segments, plot_tracking
from .rfm import assign_tiers, classic_segments, cn8_segments, rfm_scores, rfm_table, segment_summary
from .summary import calibration_holdout_split, clv_summary, prepare_transactions, time_unit_args
from .tables import churn_calibration_table, fallbacks, notes_text, conditional_expectation_table, model_table, segment_table, tier_table, tracking_table
from .value import (CustomerValue, assign_value_tiers, band_churn, calibrate_churn, choose_model, customer_value,
                    fit_value_models, predict_customers, score_rfm)

__all__ = [
    "AUDIENCES", "audience_overview", "build_audiences", "likely_buyers", "top_tiers", "winback", "findings",
    "MODEL_NAMES", "TRANSACTION_MODELS", "SpendModel", "TransactionModel", "check_enough_data", "independence_check",
    "select_model", "plot_clv_distribution", "plot_conditional_expectation", "plot_p_alive_matrix", "plot_rfm_heatmap",
    "plot_segments", "plot_tracking", "assign_tiers", "classic_segments", "cn8_segments", "rfm_scores", "rfm_table",
    "segment_summary", "calibration_holdout_split", "clv_summary", "prepare_transactions", "time_unit_args",
    "churn_calibration_table", "fallbacks", "notes_text", "conditional_expectation_table", "model_table", "segment_table", "tier_table", "tracking_table",
    "CustomerValue", "customer_value", "score_rfm", "choose_model", "fit_value_models", "predict_customers",
    "calibrate_churn", "band_churn", "assign_value_tiers",
]
