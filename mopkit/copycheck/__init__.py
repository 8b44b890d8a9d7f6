"""Ad-copy compliance check against China's Advertising Law and the cosmetics claim rules.

    from mopkit import copycheck as CC
    result = CC.check_copies(CC.read_copies("ads.xlsx"), CC.load_terms(["client_terms.yaml"]))
    CC.write_report(result, "ads_checked.xlsx")      # rows filled by status, terms in red
    result.has_violation                             # the CLI exits 1 when true

Term lists: ``mopkit/copycheck/terms/*.yaml`` (legal basis cited in each); see check.py for how
Chinese word boundaries are found (jieba).
"""
from . import labels  # noqa: F401  (registers the labels)
from .check import Hit, check_text, default_terms
from .report import CopyCheck, check_copies, display_table, findings, read_copies, write_report
from .settings import config_settings, run_settings, settings
from .terms import ExceptionRule, Term, TermSet, load_terms

__all__ = ["Hit", "check_text", "default_terms", "CopyCheck", "check_copies", "display_table", "findings", "read_copies",
           "write_report", "config_settings", "run_settings", "settings", "ExceptionRule", "Term", "TermSet", "load_terms"]
