"""Chinese and English labels for charts, tables, reports and findings.

Each module keeps its own labels next to its code and registers them::

    LABELS = {"rfm.title": {"zh": "RFM 客户分层", "en": "RFM segments"}}
    register(LABELS)

and looks them up with ``t("rfm.title", lang)``. A missing key raises ``KeyError`` naming it,
so an untranslated label is caught by the tests instead of shipping half-translated.
"""
from __future__ import annotations

from typing import Mapping

LANGS = ("zh", "en")
_LABELS: dict[str, dict[str, str]] = {}


def register(labels: Mapping[str, Mapping[str, str]]) -> None:
    """Add labels ``{key: {"zh": ..., "en": ...}}``; every key needs both languages.

    A key registered twice with other text is an error (two modules claiming one label would
    otherwise overwrite each other silently, depending on import order). Registering the same
    text again (a module re-imported) is a no-op.
    """
    for key, by_lang in labels.items():
        missing = [lang for lang in LANGS if lang not in by_lang]
        if missing:
            raise ValueError(f"label {key!r} lacks {missing}")
        new = {lang: by_lang[lang] for lang in LANGS}
        old = _LABELS.get(key)
        if old is not None and {lang: old[lang] for lang in LANGS} != new:
            raise ValueError(f"label {key!r} is registered twice with different text: {old} vs {new}")
        _LABELS[key] = dict(by_lang)


def t(key: str, lang: str, **fmt) -> str:
    """The label ``key`` in ``lang`` ("zh" or "en"), formatted with ``fmt`` if given."""
    if lang not in LANGS:
        raise ValueError(f"language {lang!r} is not supported; use one of {list(LANGS)}")
    try:
        text = _LABELS[key][lang]
    except KeyError:
        raise KeyError(f"no label {key!r}; register it with mopkit.i18n.register") from None
    return text.format(**fmt) if fmt else text


def has(key: str) -> bool:
    return key in _LABELS


CHANNELS = {
    "douyin": {"zh": "抖音", "en": "Douyin"},
    "wechat": {"zh": "微信", "en": "WeChat"},
    "xiaohongshu": {"zh": "小红书", "en": "Xiaohongshu"},
    "tmall": {"zh": "天猫", "en": "Tmall"},
    "search": {"zh": "搜索广告", "en": "Search ads"},
    "direct": {"zh": "直接访问", "en": "Direct"},
    "unknown": {"zh": "未知", "en": "Unknown"},
}


def channel_name(channel: str, lang: str) -> str:
    """Display name of a channel id; unknown ids are shown as they are."""
    return CHANNELS.get(str(channel), {}).get(lang, str(channel))


register({f"channel.{k}": v for k, v in CHANNELS.items()})
register(
    {
        "common.date": {"zh": "日期", "en": "Date"},
        "common.channel": {"zh": "渠道", "en": "Channel"},
        "common.orders": {"zh": "订单数", "en": "Orders"},
        "common.gmv": {"zh": "成交额 (GMV)", "en": "GMV"},
        "common.customers": {"zh": "客户数", "en": "Customers"},
        "common.share": {"zh": "占比", "en": "Share"},
        "common.count": {"zh": "数量", "en": "Count"},
        "common.month": {"zh": "月份", "en": "Month"},
        "common.week": {"zh": "周", "en": "Week"},
        "common.value": {"zh": "数值", "en": "Value"},
        "common.skipped": {"zh": "本节已跳过：{reason}", "en": "Section skipped: {reason}"},
    }
)
