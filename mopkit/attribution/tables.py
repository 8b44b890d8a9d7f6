"""Attribution tables for display: translated headers, channel and model names, rounded numbers.

The CSV outputs keep stable English column names and ids (other tools read them); these
functions only prepare what the notebook and report show.
"""
from __future__ import annotations

import pandas as pd

from ..i18n import channel_name, register, t
from .labels import model_label

LABELS = {
    "attr.col.channel": {"zh": "渠道", "en": "Channel"},
    "attr.col.model": {"zh": "模型", "en": "Model"},
    "attr.col.conversions": {"zh": "归因转化", "en": "Conversions"},
    "attr.col.value": {"zh": "归因销售额", "en": "Revenue"},
    "attr.col.cost": {"zh": "花费", "en": "Spend"},
    "attr.col.cpa": {"zh": "单次转化成本", "en": "CPA"},
    "attr.col.roas": {"zh": "ROAS", "en": "ROAS"},
    "attr.col.removal_effect": {"zh": "移除效应（转化）", "en": "Removal effect (conversions)"},
    "attr.col.removal_effect_value": {"zh": "移除效应（销售额）", "en": "Removal effect (revenue)"},
    "attr.col.current_spend": {"zh": "当前花费", "en": "Current spend"},
    "attr.col.proposed_spend": {"zh": "建议花费", "en": "Proposed spend"},
    "attr.col.change": {"zh": "调整", "en": "Change"},
    "attr.col.change_pct": {"zh": "调整比例", "en": "Change %"},
    "attr.col.expected_value_change": {"zh": "预计销售额变化", "en": "Expected revenue change"},
    "attr.col.expected_conversion_change": {"zh": "预计转化变化", "en": "Expected conversion change"},
    "attr.col.action": {"zh": "建议", "en": "Action"},
    "attr.col.path": {"zh": "路径", "en": "Path"},
    "attr.col.non_conversions": {"zh": "未转化", "en": "Not converted"},
    "attr.col.in_journeys": {"zh": "出现在路径中", "en": "In journeys"},
    "attr.col.status": {"zh": "状态", "en": "Status"},
    "attr.col.n_steps": {"zh": "步数", "en": "Steps"},
    "attr.action.increase": {"zh": "增加", "en": "increase"},
    "attr.action.decrease": {"zh": "减少", "en": "decrease"},
    "attr.action.hold": {"zh": "保持", "en": "hold"},
}
register(LABELS)


def localise(df: pd.DataFrame, lang: str, *, digits: int = 2) -> pd.DataFrame:
    """A display copy of an attribution table: channel/model/action names and headers in ``lang``."""
    out = df.copy()
    if "channel" in out:
        out["channel"] = [channel_name(c, lang) for c in out["channel"]]
    if "model" in out:
        out["model"] = [model_label(m, lang) for m in out["model"]]
    if "action" in out:
        out["action"] = [t(f"attr.action.{a}", lang) for a in out["action"]]
    if "path" in out:
        out["path"] = [" → ".join(channel_name(c, lang) for c in p.split(" > ")) for p in out["path"]]
    if "change_pct" in out:
        out["change_pct"] = [f"{x:+.0%}" for x in out["change_pct"]]
    out = out.round(digits)
    return out.rename(columns={c: t(f"attr.col.{c}", lang) for c in out.columns if _has(f"attr.col.{c}")})


def _has(key: str) -> bool:
    from ..i18n import has

    return has(key)


def roas_table(performance: pd.DataFrame, lang: str) -> pd.DataFrame:
    """ROAS of each channel with spend (rows) under each model (columns), names in ``lang``."""
    p = performance[performance["cost"] > 0]
    models = list(dict.fromkeys(p["model"]))
    wide = p.pivot_table(index="channel", columns="model", values="roas", aggfunc="sum")[models].round(2)
    wide.index = [channel_name(c, lang) for c in wide.index]
    wide.index.name = t("attr.col.channel", lang)
    wide.columns = [model_label(m, lang) for m in wide.columns]
    return wide
