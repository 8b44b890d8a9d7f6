"""Fallbacks made visible: what was tried, why it failed, what was used instead.

Whenever an analysis cannot do what it was asked and does something else (another attribution
model for the budget plan, no alerts because they could not be computed, the bundled sample
instead of a client's run), it returns a :class:`Fallback`. The notebook shows it with
``display(ctx.note_fallback(fb, section=KEY))`` — a note in the notebook, hence in its HTML page
and the PDF report — and the run keeps it in ``outputs/fallbacks/<section>.json``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from .i18n import register, t

register({
    "fallback.note": {"zh": "⚠ 备用方案：尝试了{tried}，但{reason}；改用{used}。",
                      "en": "⚠ Fallback: tried {tried}, but {reason}; used {used} instead."},
})


@dataclass(frozen=True)
class Fallback:
    """One fallback: ``tried`` (what was asked for), ``reason`` (why it failed), ``used`` (what
    was done instead). Texts are already in the run's language."""

    tried: str
    reason: str
    used: str

    def text(self, lang: str = "zh") -> str:
        """One sentence for the notebook and the report."""
        return t("fallback.note", lang, tried=self.tried, reason=self.reason, used=self.used)

    def as_dict(self) -> dict:
        return asdict(self)
