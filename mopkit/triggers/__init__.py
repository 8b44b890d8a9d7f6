"""Triggered marketing: behaviour-based audiences with send times, holdouts, replay and campaign results.

Typical use::

    import mopkit.triggers as T
    data = T.prepare_data(orders, events=events, order_items=items, customers=customers, clv=T.read_clv(outputs))
    res = T.build_triggers(data, salt=salt, holdout_share=0.1, cap_hours=16)
    recipients, dropped = T.campaign_outcomes(campaigns, orders, window_days=7)
    results = T.campaign_results(recipients, seed=0)
    for text, weight in T.findings(res, lang="zh", campaigns=results): ...
"""
from . import labels  # noqa: F401  (registers every label first)
from .campaigns import RESULT_COLUMNS, VERDICTS, campaign_outcomes, campaign_results, verdict
from .data import (CUSTOMER_COLUMNS, EVENT_COLUMNS, ITEM_COLUMNS, ORDER_COLUMNS, TriggerData, prepare_data,
                   read_clv)
from .findings import findings
from .guards import REASONS, apply_guards, suppression_ledger
from .holdout import HOLDOUT, TREATMENT, assign_groups, hash_unit
from .labels import offer_text, rule_label
from .offers import reachable, suggest_channel, suggest_offer
from .pipeline import TriggerResult, build_triggers, replay
from .rules import DEFAULTS, PRIORITY, RULES, current, rule_params, run_rule
from .tables import (FILE_COLUMNS, SUMMARY_COLUMNS, client_salt, config_dir, preview_table, read_opt_out, results_table,
                     rule_files, send_log, summary_table)

from .plots import plot_replay, plot_suppression, plot_uplift

__all__ = [
    "plot_replay", "plot_suppression", "plot_uplift",
    "CUSTOMER_COLUMNS", "EVENT_COLUMNS", "ITEM_COLUMNS", "ORDER_COLUMNS",
    "RESULT_COLUMNS", "VERDICTS", "campaign_outcomes", "campaign_results", "verdict", "TriggerData", "prepare_data",
    "read_clv", "findings", "REASONS", "apply_guards", "suppression_ledger", "HOLDOUT", "TREATMENT", "assign_groups",
    "hash_unit", "offer_text", "rule_label", "reachable", "suggest_channel", "suggest_offer", "TriggerResult",
    "build_triggers", "replay", "DEFAULTS", "PRIORITY", "RULES", "current", "rule_params", "run_rule", "FILE_COLUMNS",
    "SUMMARY_COLUMNS", "client_salt", "config_dir", "preview_table", "read_opt_out", "results_table", "rule_files", "send_log", "summary_table",
]
